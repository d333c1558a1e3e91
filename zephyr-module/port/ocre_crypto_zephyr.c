/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The Zephyr port's crypto for signature checking (CONFIG_OCRE_VERIFY), from Zephyr's mbedTLS
 * module: SHA-256, and ECDSA P-256 verification through p256-m, the PSA Crypto driver mbedTLS
 * ships for that curve, called directly. PSA's front end (psa_crypto_init) insists on a seeded
 * RNG even to verify, and boards without an entropy source (mps2-an521 in QEMU) have none;
 * verifying needs no randomness, and p256-m alone is a few KiB.
 */

#include <zephyr/toolchain.h>
#include <mbedtls/sha256.h>
#include <p256-m.h>

#include "ocre_internal.h"

int ocre_port_sha256(const uint8_t *data, size_t len, uint8_t hash[32])
{
	return mbedtls_sha256(data, len, hash, 0) == 0 ? 0 : -OCRE_EIO;
}

BUILD_ASSERT(sizeof(mbedtls_sha256_context) <= sizeof(struct ocre_sha256),
	     "struct ocre_sha256 is too small for mbedTLS's SHA-256 context");

int ocre_port_sha256_begin(struct ocre_sha256 *ctx)
{
	mbedtls_sha256_context *c = (mbedtls_sha256_context *)ctx->opaque;

	mbedtls_sha256_init(c);
	return mbedtls_sha256_starts(c, 0) == 0 ? 0 : -OCRE_EIO;
}

int ocre_port_sha256_update(struct ocre_sha256 *ctx, const void *data, size_t len)
{
	return mbedtls_sha256_update((mbedtls_sha256_context *)ctx->opaque, data, len) == 0
		       ? 0
		       : -OCRE_EIO;
}

int ocre_port_sha256_end(struct ocre_sha256 *ctx, uint8_t hash[32])
{
	mbedtls_sha256_context *c = (mbedtls_sha256_context *)ctx->opaque;
	uint8_t discard[32];
	int ret = mbedtls_sha256_finish(c, hash != NULL ? hash : discard);

	mbedtls_sha256_free(c);
	return ret == 0 ? 0 : -OCRE_EIO;
}

int ocre_port_ecdsa_p256_verify(const uint8_t key[65], const uint8_t hash[32], const uint8_t sig[64])
{
	if (key[0] != 0x04) {
		return -OCRE_EINVAL;
	}
	/* p256-m takes the point without its 0x04 prefix. */
	return p256_ecdsa_verify(sig, key + 1, hash, 32) == P256_SUCCESS ? 0 : -OCRE_EPERM;
}
