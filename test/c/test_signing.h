/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Signed images for the store and agent tests, made with OpenSSL directly (not by the code
 * under test): a manifest naming the Wasm as its layer, cosign's simple-signing payload over
 * the manifest's sha256, and a DER ECDSA P-256 signature of the payload.
 */

#ifndef TEST_SIGNING_H_
#define TEST_SIGNING_H_

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "test_support.h"

struct signed_image {
	char manifest[1024];
	char payload[512];
	uint8_t der[80];
	size_t der_len;
	uint8_t digest[32]; /* sha256 of the manifest */
};

static inline void sha256_of(const void *data, size_t len, uint8_t out[32])
{
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(data, len, out, &n, EVP_sha256(), NULL), 1);
}

static inline void hex_of(const uint8_t h[32], char out[72])
{
	strcpy(out, "sha256:");
	for (int i = 0; i < 32; i++) {
		sprintf(out + 7 + 2 * i, "%02x", h[i]);
	}
}

static inline EVP_PKEY *new_p256_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

static inline void p256_point(EVP_PKEY *k, uint8_t out[65])
{
	size_t n = 0;

	assert_int_equal(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, out, 65, &n), 1);
	assert_int_equal(n, 65);
}

/* annotations: NULL, or the members of the manifest's "annotations" object ("\"k\":\"v\""). */
static inline void sign_wasm_annotated(struct signed_image *s, const void *wasm, size_t len,
				       EVP_PKEY *k, const char *annotations)
{
	uint8_t h[32];
	char layer[72];
	char mdigest[72];

	sha256_of(wasm, len, h);
	hex_of(h, layer);
	snprintf(s->manifest, sizeof(s->manifest),
		 "{%s%s%s\"config\":{\"digest\":\"sha256:0000000000000000000000000000000000000000000000000000000000000000\","
		 "\"mediaType\":\"application/vnd.wasm.config.v0+json\",\"size\":10},\"layers\":[{\"digest\":\"%s\","
		 "\"mediaType\":\"application/wasm\",\"size\":%zu}],\"mediaType\":"
		 "\"application/vnd.oci.image.manifest.v1+json\",\"schemaVersion\":2}",
		 annotations ? "\"annotations\":{" : "", annotations ? annotations : "",
		 annotations ? "}," : "", layer, len);
	sha256_of(s->manifest, strlen(s->manifest), s->digest);
	hex_of(s->digest, mdigest);
	snprintf(s->payload, sizeof(s->payload),
		 "{\"critical\":{\"identity\":{\"docker-reference\":\"test\"},\"image\":{\"docker-manifest-"
		 "digest\":\"%s\"},\"type\":\"cosign container image signature\"},\"optional\":null}",
		 mdigest);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	s->der_len = sizeof(s->der);
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k), 1);
	assert_int_equal(EVP_DigestSign(ctx, s->der, &s->der_len, (const uint8_t *)s->payload,
					strlen(s->payload)),
			 1);
	EVP_MD_CTX_free(ctx);
}

static inline void sign_wasm(struct signed_image *s, const void *wasm, size_t len, EVP_PKEY *k)
{
	sign_wasm_annotated(s, wasm, len, k, NULL);
}

#endif /* TEST_SIGNING_H_ */

