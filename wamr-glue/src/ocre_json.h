/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Bounded JSON scanning of image manifests and cosign payloads (ocre_json.c): the verifier and the device agent.
 */

#ifndef OCRE_JSON_H_
#define OCRE_JSON_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Offset of `needle` in hay[0..n), or -1. */
long ocre_json_find(const uint8_t *hay, size_t n, const char *needle);
/* Decimal digits (at most 15) up to the end, a space or NUL. */
bool ocre_parse_u64(const char *s, uint64_t *out);
/*
 * The value opening with the bracket at buf[at] ('{' or '['), within buf[at, to): *end is one
 * past its closing bracket. Strings are skipped with their escapes, so brackets inside them do
 * not count. False when it is unbalanced or nested deeper than 8.
 */
bool ocre_json_balanced(const uint8_t *buf, size_t at, size_t to, size_t *end);
/* The next object in buf[from, to) before any ']': [*ofrom, *oto), braces included. */
bool ocre_json_next_object(const uint8_t *buf, size_t from, size_t to, size_t *ofrom, size_t *oto);
/* The string value of "key" in buf[from, to) (no escapes) into out (cap bytes with NUL). */
bool ocre_json_string(const uint8_t *buf, size_t from, size_t to, const char *key, char *out,
		      size_t cap);
/* The unsigned number value of "key" in buf[from, to). */
bool ocre_json_number(const uint8_t *buf, size_t from, size_t to, const char *key, uint64_t *out);

#endif /* OCRE_JSON_H_ */
