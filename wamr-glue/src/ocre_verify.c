/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The root of trust: before a container's module is loaded, its bytes are checked against a
 * cosign signature of the image they came from (docs/signing.md). Three links, each checked:
 *   1. sha256(wasm) is a layer digest in the image manifest,
 *   2. sha256(manifest) is the docker-manifest-digest the simple-signing payload claims,
 *   3. the payload's ECDSA P-256 signature verifies with one of the trusted keys.
 * The crypto is the port's (PSA/mbedTLS on Zephyr, libcrypto on POSIX); the bytes are parsed
 * here, bounded, before anything is trusted.
 */

#include <string.h>

#include "ocre_internal.h"
#include "ocre_json.h"

/* A manifest of a few layers is < 2 KiB; a payload < 1 KiB. Larger ones are refused. */
#define OCRE_MAX_MANIFEST_BYTES 16384u
#define OCRE_MAX_PAYLOAD_BYTES  4096u
#define DIGEST_TEXT_LEN         (OCRE_DIGEST_TEXT_SIZE - 1) /* "sha256:" + hex */

static const uint8_t (*trusted_keys)[OCRE_P256_KEY_SIZE];
static size_t trusted_count;

int ocre_trust_keys(const uint8_t (*keys)[OCRE_P256_KEY_SIZE], size_t count)
{
	if (!OCRE_HAS_VERIFY) {
		return -OCRE_ENOSYS;
	}
	if ((keys == NULL && count > 0) || count > OCRE_MAX_TRUSTED_KEYS) {
		return -OCRE_EINVAL;
	}
	for (size_t i = 0; i < count; i++) {
		if (keys[i][0] != 0x04) {
			return -OCRE_EINVAL;
		}
	}
	trusted_keys = keys;
	trusted_count = count;
	return 0;
}

void ocre_digest_text(const uint8_t d[32], unsigned int bytes, char *out)
{
	static const char hex[] = "0123456789abcdef";

	memcpy(out, "sha256:", 7);
	for (unsigned int i = 0; i < bytes && i < 32u; i++) {
		out[7 + 2 * i] = hex[d[i] >> 4];
		out[8 + 2 * i] = hex[d[i] & 0x0f];
	}
	out[7 + 2 * (bytes < 32u ? bytes : 32u)] = '\0';
}

#if OCRE_HAS_VERIFY

/*
 * The JSON value of `key` (an array or object) found in buf[0..n): sets [*from, *to) to its
 * bytes including brackets. Returns false when the key is missing or the value is unbalanced.
 */
static bool json_span(const uint8_t *buf, size_t n, const char *key, size_t *from, size_t *to)
{
	long at = ocre_json_find(buf, n, key);

	if (at < 0) {
		return false;
	}
	size_t i = (size_t)at + strlen(key);

	while (i < n && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t')) {
		i++;
	}
	if (i >= n || (buf[i] != '[' && buf[i] != '{')) {
		return false;
	}
	*from = i;
	return ocre_json_balanced(buf, i, n, to);
}

/* True when `"<field>":"<digest>"` occurs in buf[from..to). */
static bool has_digest_field(const uint8_t *buf, size_t from, size_t to, const char *field,
			     const char *digest)
{
	char needle[48 + DIGEST_TEXT_LEN];
	size_t f = strlen(field);

	if (f + DIGEST_TEXT_LEN + 6 > sizeof(needle)) {
		return false;
	}
	needle[0] = '"';
	memcpy(needle + 1, field, f);
	memcpy(needle + 1 + f, "\":\"", 3);
	memcpy(needle + 4 + f, digest, DIGEST_TEXT_LEN);
	needle[4 + f + DIGEST_TEXT_LEN] = '"';
	needle[5 + f + DIGEST_TEXT_LEN] = '\0';
	return ocre_json_find(buf + from, to - from, needle) >= 0;
}

/* One DER INTEGER (strict: minimal, non-negative, at most 32 value bytes) into a 32-byte field. */
static bool der_integer(const uint8_t *der, size_t n, size_t *at, uint8_t out[32])
{
	size_t i = *at;

	if (i + 2 > n || der[i] != 0x02) {
		return false;
	}
	size_t len = der[i + 1];

	i += 2;
	if (len == 0 || len > 33 || i + len > n || (der[i] & 0x80) != 0) {
		return false;
	}
	if (der[i] == 0x00) {
		/* A leading zero only where the next byte would read as negative. */
		if (len == 1 || (der[i + 1] & 0x80) == 0) {
			return false;
		}
		i++;
		len--;
	}
	if (len > 32) {
		return false;
	}
	memset(out, 0, 32);
	memcpy(out + 32 - len, der + i, len);
	*at = i + len;
	return true;
}

bool ocre_der_to_p256_raw(const uint8_t *der, size_t n, uint8_t raw[64])
{
	if (n < 8 || n > 72 || der[0] != 0x30 || der[1] != n - 2) {
		return false;
	}
	size_t at = 2;

	return der_integer(der, n, &at, raw) && der_integer(der, n, &at, raw + 32) && at == n;
}

int ocre_verify_signed(const uint8_t wasm_hash[32], const struct ocre_signature *sig,
		       const char *name, const char **why)
{
	uint64_t started = ocre_port_monotonic_ns();
	uint8_t hash[32];
	char digest[OCRE_DIGEST_TEXT_SIZE];
	size_t from;
	size_t to;

	if (sig == NULL || sig->manifest == NULL || sig->payload == NULL || sig->der == NULL) {
		*why = "unsigned (no signature embedded)";
		return -OCRE_EPERM;
	}
	if (trusted_count == 0) {
		*why = "no trusted key in this firmware (ocre build --trust <key.pub>)";
		return -OCRE_EPERM;
	}
	if (sig->manifest_size > OCRE_MAX_MANIFEST_BYTES ||
	    sig->payload_size > OCRE_MAX_PAYLOAD_BYTES) {
		*why = "oversized signed manifest or payload";
		return -OCRE_EPERM;
	}
	/* 1. The Wasm bytes are a layer of the manifest. */
	ocre_digest_text(wasm_hash, 32, digest);
	if (!json_span(sig->manifest, sig->manifest_size, "\"layers\":", &from, &to) ||
	    !has_digest_field(sig->manifest, from, to, "digest", digest)) {
		*why = "tampered: the Wasm's sha256 is not a layer digest of the signed manifest";
		return -OCRE_EPERM;
	}
	/* 2. The payload claims exactly this manifest, as a cosign image signature. */
	if (ocre_port_sha256(sig->manifest, sig->manifest_size, hash) != 0) {
		*why = "sha256 unavailable";
		return -OCRE_EPERM;
	}
	ocre_digest_text(hash, 32, digest);
	if (!json_span(sig->payload, sig->payload_size, "\"critical\":", &from, &to) ||
	    ocre_json_find(sig->payload + from, to - from,
		 "\"type\":\"cosign container image signature\"") < 0) {
		*why = "the signed payload is not a cosign image signature";
		return -OCRE_EPERM;
	}
	if (!has_digest_field(sig->payload, from, to, "docker-manifest-digest", digest)) {
		*why = "tampered: the manifest's sha256 is not the digest the payload signs";
		return -OCRE_EPERM;
	}
	/* 3. A trusted key signed the payload. */
	uint8_t raw[64];

	if (!ocre_der_to_p256_raw(sig->der, sig->der_size, raw)) {
		*why = "the signature is not an ECDSA P-256 DER signature";
		return -OCRE_EPERM;
	}
	if (ocre_port_sha256(sig->payload, sig->payload_size, hash) != 0) {
		*why = "sha256 unavailable";
		return -OCRE_EPERM;
	}
	for (size_t i = 0; i < trusted_count; i++) {
		if (ocre_port_ecdsa_p256_verify(trusted_keys[i], hash, raw) == 0) {
			ocre_log(OCRE_LOG_INF, "%s: signature verified (trusted key %u, %u us)",
				 name, (unsigned int)i,
				 (unsigned int)((ocre_port_monotonic_ns() - started) / 1000u));
			return 0;
		}
	}
	*why = "the signature is not by a trusted key";
	return -OCRE_EPERM;
}

int ocre_verify_container(const uint8_t *wasm, size_t wasm_size,
			  const struct ocre_container_meta *meta, const char **why)
{
	uint8_t hash[32];

	if (ocre_port_sha256(wasm, wasm_size, hash) != 0) {
		*why = "sha256 unavailable";
		return -OCRE_EPERM;
	}
	return ocre_verify_signed(hash, meta->signature, meta->name, why);
}

#else /* !OCRE_HAS_VERIFY */

int ocre_verify_container(const uint8_t *wasm, size_t wasm_size,
			  const struct ocre_container_meta *meta, const char **why)
{
	(void)wasm;
	(void)wasm_size;
	(void)meta;
	(void)why;
	return 0;
}

#endif /* OCRE_HAS_VERIFY */
