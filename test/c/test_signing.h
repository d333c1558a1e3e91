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

/* Signs s->manifest as cosign does: its sha256 into s->digest, the simple-signing payload
 * naming that digest, and a DER signature of the payload by k. */
static inline void sign_manifest(struct signed_image *s, EVP_PKEY *k)
{
	char mdigest[72];

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

/* The manifest `ocre build --sign` makes for one Wasm layer, with config digest `config`.
 * annotations: NULL, or the members of the manifest's "annotations" object ("\"k\":\"v\""). */
static inline void write_manifest(struct signed_image *s, const char *config, const char *layer,
				  size_t layer_size, const char *annotations)
{
	snprintf(s->manifest, sizeof(s->manifest),
		 "{%s%s%s\"config\":{\"digest\":\"%s\","
		 "\"mediaType\":\"application/vnd.wasm.config.v0+json\",\"size\":10},\"layers\":[{\"digest\":\"%s\","
		 "\"mediaType\":\"application/wasm\",\"size\":%zu}],\"mediaType\":"
		 "\"application/vnd.oci.image.manifest.v1+json\",\"schemaVersion\":2}",
		 annotations ? "\"annotations\":{" : "", annotations ? annotations : "",
		 annotations ? "}," : "", config, layer, layer_size);
}

#define ZERO_DIGEST "sha256:0000000000000000000000000000000000000000000000000000000000000000"

static inline void sign_wasm_annotated(struct signed_image *s, const void *wasm, size_t len,
				       EVP_PKEY *k, const char *annotations)
{
	uint8_t h[32];
	char layer[72];

	sha256_of(wasm, len, h);
	hex_of(h, layer);
	write_manifest(s, ZERO_DIGEST, layer, len, annotations);
	sign_manifest(s, k);
}

/* The signature the core verifies, pointing into s (so edits to s after signing show). */
static inline struct ocre_signature signature_of(const struct signed_image *s)
{
	return (struct ocre_signature){
		.manifest = (const uint8_t *)s->manifest,
		.manifest_size = (uint32_t)strlen(s->manifest),
		.payload = (const uint8_t *)s->payload,
		.payload_size = (uint32_t)strlen(s->payload),
		.der = s->der,
		.der_size = (uint32_t)s->der_len,
	};
}

static inline void sign_wasm(struct signed_image *s, const void *wasm, size_t len, EVP_PKEY *k)
{
	sign_wasm_annotated(s, wasm, len, k, NULL);
}

#endif /* TEST_SIGNING_H_ */

