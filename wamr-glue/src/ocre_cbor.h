/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The CBOR (RFC 8949) subset the device agent's SMP messages use: definite-length maps,
 * arrays, unsigned and negative integers, text and byte strings, booleans. Requests are flat
 * maps with text keys; anything else is refused. Every length is checked against the buffer.
 */

#ifndef OCRE_CBOR_H_
#define OCRE_CBOR_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A bounded writer: an overflow sets `overflow` and drops the rest. */
struct ocre_cbor_w {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool overflow;
};

void ocre_cbor_map(struct ocre_cbor_w *w, size_t pairs);
void ocre_cbor_array(struct ocre_cbor_w *w, size_t items);
void ocre_cbor_uint(struct ocre_cbor_w *w, uint64_t v);
void ocre_cbor_int(struct ocre_cbor_w *w, int64_t v);
void ocre_cbor_text(struct ocre_cbor_w *w, const char *s, size_t n);
void ocre_cbor_cstr(struct ocre_cbor_w *w, const char *s);
void ocre_cbor_bytes(struct ocre_cbor_w *w, const void *p, size_t n);
void ocre_cbor_bool(struct ocre_cbor_w *w, bool b);

enum ocre_cbor_type {
	OCRE_CBOR_UINT = 0,
	OCRE_CBOR_NINT = 1,
	OCRE_CBOR_BYTES = 2,
	OCRE_CBOR_TEXT = 3,
	OCRE_CBOR_BOOL = 7,
};

#define OCRE_CBOR_KEY_BYTES 15

struct ocre_cbor_field {
	char key[OCRE_CBOR_KEY_BYTES + 1];
	enum ocre_cbor_type type;
	uint64_t u;        /* UINT; NINT: the value is -1 - u; BOOL: 0/1 */
	const uint8_t *p;  /* BYTES, TEXT: into the decoded buffer */
	size_t n;
};

/* Decodes a flat map into out[0..max): returns the number of fields or -EINVAL. */
int ocre_cbor_flat_map(const uint8_t *buf, size_t len, struct ocre_cbor_field *out, size_t max);
/* The field named `key` (of `type`), or NULL. */
const struct ocre_cbor_field *ocre_cbor_get(const struct ocre_cbor_field *f, int n,
					    const char *key, enum ocre_cbor_type type);

#endif /* OCRE_CBOR_H_ */
