/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The POSIX port's crypto for signature checking, on OpenSSL's libcrypto (Debian libssl-dev):
 * SHA-256 and ECDSA P-256 verification of a hash, the same operations PSA Crypto performs on
 * Zephyr.
 */

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <string.h>

#include "../../src/ocre_internal.h"

int ocre_port_sha256(const uint8_t *data, size_t len, uint8_t hash[32])
{
	unsigned int out_len = 0;

	return EVP_Digest(data, len, hash, &out_len, EVP_sha256(), NULL) == 1 && out_len == 32
		       ? 0
		       : -OCRE_EIO;
}

static EVP_PKEY *p256_public_key(const uint8_t key[65])
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	if (bld == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, key, 65)) {
		goto out;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		pkey = NULL;
	}
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

int ocre_port_ecdsa_p256_verify(const uint8_t key[65], const uint8_t hash[32], const uint8_t sig[64])
{
	EVP_PKEY *pkey = p256_public_key(key);
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL);
	BIGNUM *ss = BN_bin2bn(sig + 32, 32, NULL);
	unsigned char *der = NULL;
	int ret = -OCRE_EPERM;

	if (pkey == NULL || s == NULL || r == NULL || ss == NULL || ECDSA_SIG_set0(s, r, ss) != 1) {
		BN_free(r);
		BN_free(ss);
		goto out;
	}
	int der_len = i2d_ECDSA_SIG(s, &der);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);

	if (der_len > 0 && ctx != NULL && EVP_PKEY_verify_init(ctx) == 1 &&
	    EVP_PKEY_verify(ctx, der, (size_t)der_len, hash, 32) == 1) {
		ret = 0;
	}
	EVP_PKEY_CTX_free(ctx);
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(s);
	EVP_PKEY_free(pkey);
	return ret;
}

/* The EVP context lives on OpenSSL's heap; the opaque block holds its pointer. */
int ocre_port_sha256_begin(struct ocre_sha256 *ctx)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		ctx->opaque[0] = 0;
		return -OCRE_EIO;
	}
	memcpy(ctx->opaque, &md, sizeof(md));
	return 0;
}

int ocre_port_sha256_update(struct ocre_sha256 *ctx, const void *data, size_t len)
{
	EVP_MD_CTX *md;

	memcpy(&md, ctx->opaque, sizeof(md));
	return md != NULL && EVP_DigestUpdate(md, data, len) == 1 ? 0 : -OCRE_EIO;
}

int ocre_port_sha256_end(struct ocre_sha256 *ctx, uint8_t hash[32])
{
	EVP_MD_CTX *md;
	unsigned int n = 0;
	int ret = 0;

	memcpy(&md, ctx->opaque, sizeof(md));
	if (md == NULL) {
		return -OCRE_EIO;
	}
	if (hash != NULL && (EVP_DigestFinal_ex(md, hash, &n) != 1 || n != 32)) {
		ret = -OCRE_EIO;
	}
	EVP_MD_CTX_free(md);
	memset(ctx->opaque, 0, sizeof(md));
	return ret;
}
