/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Bounded JSON scanning for the device agent (ocre_json.c).
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
/* The next object in buf[from, to): [*ofrom, *oto), braces included; strings skipped. */
bool ocre_json_next_object(const uint8_t *buf, size_t from, size_t to, size_t *ofrom, size_t *oto);
/* The string value of "key" in buf[from, to) (no escapes) into out (cap bytes with NUL). */
bool ocre_json_string(const uint8_t *buf, size_t from, size_t to, const char *key, char *out,
		      size_t cap);
/* The unsigned number value of "key" in buf[from, to). */
bool ocre_json_number(const uint8_t *buf, size_t from, size_t to, const char *key, uint64_t *out);

#endif /* OCRE_JSON_H_ */
