/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Signature checking before a container is loaded (OCRE_VERIFY=1, the POSIX port's libcrypto):
 * a good container starts while unsigned, tampered and untrusted ones are refused, each with
 * its reason; and an ECDSA P-256 vector from sigstore/cosign's tests verifies through the
 * core's DER parser and the port's crypto. The signatures here are made with OpenSSL directly.
 */

#include <stdio.h>
#include <stdlib.h>

#include <openssl/pem.h>

#include "test_signing.h"

#define MOD(fn)                                                                                    \
	{                                                                                          \
		.magic = FAKE_MAGIC, .main = fn                                                    \
	}

static void returns(struct ocre_container *c)
{
	(void)c;
}

static const struct fake_module m_good = MOD(returns);

static uint8_t trusted[2][OCRE_P256_KEY_SIZE];
static EVP_PKEY *key_trusted;
static EVP_PKEY *key_other;

/* What `ocre build --sign` embeds; wasm_in_config_only names the module as the config instead. */
static void sign_image(struct signed_image *s, const void *wasm, size_t len, EVP_PKEY *k,
		       bool wasm_in_config_only)
{
	uint8_t h[32];
	char layer[72];

	sha256_of(wasm, len, h);
	hex_of(h, layer);
	if (wasm_in_config_only) {
		write_manifest(s, layer, "sha256:1111111111111111111111111111111111111111111111111111111111111111",
			       len, NULL);
	} else {
		write_manifest(s, ZERO_DIGEST, layer, len, NULL);
	}
	sign_manifest(s, k);
}

/* Verification happens within ocre_container_add, so the signature may live on this stack. */
static int add_signed(const void *wasm, size_t len, const char *name, const struct signed_image *img)
{
	struct ocre_signature sig = img ? signature_of(img) : (struct ocre_signature){0};
	struct ocre_container_meta m = {
		.name = name, .capabilities = OCRE_CAP_API, .signature = img ? &sig : NULL};

	return ocre_container_add((const uint8_t *)wasm, len, &m);
}

static void good_starts_while_unsigned_tampered_and_untrusted_are_refused(void **state)
{
	(void)state;
	static struct signed_image good, manifest_edit, other_key, bad_sig, config_only;
	struct fake_module tampered = m_good;

	sign_image(&good, &m_good, sizeof(m_good), key_trusted, false);
	/* The module's bytes changed after signing (one byte of its last field). */
	((uint8_t *)&tampered)[sizeof(tampered) - 1] ^= 1;
	/* The manifest changed after signing: its digest is no longer the payload's. */
	sign_image(&manifest_edit, &m_good, sizeof(m_good), key_trusted, false);
	manifest_edit.manifest[strlen(manifest_edit.manifest) - 2] = '3';
	sign_image(&other_key, &m_good, sizeof(m_good), key_other, false);
	sign_image(&bad_sig, &m_good, sizeof(m_good), key_trusted, false);
	bad_sig.der[bad_sig.der_len - 1] ^= 1;
	/* The module's digest appears, but as the config, not as a layer. */
	sign_image(&config_only, &m_good, sizeof(m_good), key_trusted, true);

	assert_int_equal(ocre_trust_keys((const uint8_t (*)[OCRE_P256_KEY_SIZE])trusted, 1), 0);
	int ok = add_signed(&m_good, sizeof(m_good), "good", &good);

	assert_true(ok >= 0);
	assert_int_equal(add_signed(&m_good, sizeof(m_good), "unsigned", NULL), -1);
	assert_int_equal(add_signed(&tampered, sizeof(tampered), "tampered", &good), -1);
	assert_int_equal(add_signed(&m_good, sizeof(m_good), "manifest", &manifest_edit), -1);
	assert_int_equal(add_signed(&m_good, sizeof(m_good), "untrusted", &other_key), -1);
	assert_int_equal(add_signed(&m_good, sizeof(m_good), "badsig", &bad_sig), -1);
	assert_int_equal(add_signed(&m_good, sizeof(m_good), "config", &config_only), -1);

	assert_int_equal(ocre_start_all(), 0);
	assert_int_equal(ocre_wait_all(), 0);
	assert_int_equal(ocre_container_find("good"), ok);
	assert_int_equal(ocre_container_find("tampered"), -2);
	assert_int_equal(log_count("good: signature verified (trusted key 0, "), 1);
	assert_int_equal(log_count("unsigned: refused, not started: unsigned"), 1);
	assert_int_equal(log_count("tampered: refused, not started: tampered: the Wasm's sha256 is not a layer digest"), 1);
	assert_int_equal(log_count("config: refused, not started: tampered: the Wasm's sha256 is not a layer digest"), 1);
	assert_int_equal(log_count("manifest: refused, not started: tampered: the manifest's sha256"), 1);
	assert_int_equal(log_count("untrusted: refused, not started: the signature is not by a trusted key"), 1);
	assert_int_equal(log_count("badsig: refused, not started: the signature is not by a trusted key"), 1);
	/* Each refusal is also a health event (ocre/health/refused/<name>). */
	assert_int_equal(log_count("event=refused container=tampered"), 1);
	assert_int_equal(log_count("reason=the signature is not by a trusted key"), 2);
	assert_int_equal(ocre_container_destroy(ok), 0);

	/* A second trusted key: the other key's signature is accepted now. */
	assert_int_equal(ocre_trust_keys((const uint8_t (*)[OCRE_P256_KEY_SIZE])trusted, 2), 0);
	int two = add_signed(&m_good, sizeof(m_good), "untrusted", &other_key);

	assert_true(two >= 0);
	assert_int_equal(ocre_container_destroy(two), 0);
	/* No trusted key at all: nothing runs. */
	assert_int_equal(ocre_trust_keys(NULL, 0), 0);
	assert_int_equal(add_signed(&m_good, sizeof(m_good), "good", &good), -1);
	assert_int_equal(log_count("good: refused, not started: no trusted key"), 1);
}

static size_t read_file(const char *name, char *buf, size_t cap)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", OCRE_COSIGN_VECTORS, name);
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	size_t n = fread(buf, 1, cap - 1, f);

	fclose(f);
	buf[n] = '\0';
	return n;
}

/* sigstore/cosign pkg/cosign/verify_bundle_test.go: key, sha256 of the payload, DER signature. */
static void cosign_vector_verifies_through_der_parser_and_port(void **state)
{
	(void)state;
	char text[512];
	uint8_t point[65];
	uint8_t hash[32];
	uint8_t der[80];
	uint8_t raw[64];

	read_file("cosign-hashedrekord.pub", text, sizeof(text));
	BIO *bio = BIO_new_mem_buf(text, -1);
	EVP_PKEY *k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);

	assert_non_null(k);
	p256_point(k, point);
	EVP_PKEY_free(k);
	BIO_free(bio);
	read_file("cosign-hashedrekord.sha256", text, sizeof(text));
	for (int i = 0; i < 32; i++) {
		unsigned int byte;

		assert_int_equal(sscanf(text + 2 * i, "%2x", &byte), 1);
		hash[i] = (uint8_t)byte;
	}
	size_t b64 = read_file("cosign-hashedrekord.sig.b64", text, sizeof(text));
	int n = EVP_DecodeBlock(der, (const uint8_t *)text, (int)b64);

	assert_true(n > 0);
	/* EVP_DecodeBlock counts the '=' padding as zero bytes. */
	n -= (text[b64 - 1] == '=') + (text[b64 - 2] == '=');
	assert_true(ocre_der_to_p256_raw(der, (size_t)n, raw));
	assert_int_equal(ocre_port_ecdsa_p256_verify(point, hash, raw), 0);
	hash[0] ^= 1;
	assert_true(ocre_port_ecdsa_p256_verify(point, hash, raw) != 0);
	/* Non-minimal or truncated DER is refused. */
	assert_false(ocre_der_to_p256_raw(der, (size_t)n - 1, raw));
	der[1]++;
	assert_false(ocre_der_to_p256_raw(der, (size_t)n, raw));
}

static int setup(void **state)
{
	(void)state;
	capture_reset();
	return ocre_init();
}

int main(void)
{
	key_trusted = EVP_EC_gen("P-256");
	key_other = EVP_EC_gen("P-256");
	p256_point(key_trusted, trusted[0]);
	p256_point(key_other, trusted[1]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(good_starts_while_unsigned_tampered_and_untrusted_are_refused, setup),
		cmocka_unit_test_setup(cosign_vector_verifies_through_der_parser_and_port, setup),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	EVP_PKEY_free(key_trusted);
	EVP_PKEY_free(key_other);
	return rc;
}
