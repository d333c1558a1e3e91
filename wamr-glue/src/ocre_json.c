/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Bounded scanning of JSON from outside (image manifests, cosign's payloads and signature
 * manifests): no parser, no allocation; every read stays inside the span given. What is found
 * is trusted only as far as a signature covers the document it came from.
 */

#include <stdio.h>
#include <string.h>

#include "ocre_internal.h"
#include "ocre_json.h"

long ocre_json_find(const uint8_t *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; m > 0 && i + m <= n; i++) {
		if (memcmp(hay + i, needle, m) == 0) {
			return (long)i;
		}
	}
	return -1;
}

bool ocre_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int digits = 0;

	while (*s == ' ') {
		s++;
	}
	for (; *s >= '0' && *s <= '9'; s++) {
		if (++digits > 15) {
			return false;
		}
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return digits > 0 && (*s == '\0' || *s == ' ');
}

/* Nesting deeper than this is refused: the documents scanned nest three levels at most. */
#define OCRE_JSON_MAX_DEPTH 8u

bool ocre_json_balanced(const uint8_t *buf, size_t at, size_t to, size_t *end)
{
	unsigned int depth = 0;
	bool in_string = false;

	for (size_t i = at; i < to; i++) {
		uint8_t ch = buf[i];

		if (in_string) {
			if (ch == '\\') {
				i++;
			} else if (ch == '"') {
				in_string = false;
			}
		} else if (ch == '"') {
			in_string = true;
		} else if (ch == '{' || ch == '[') {
			if (++depth > OCRE_JSON_MAX_DEPTH) {
				return false;
			}
		} else if (ch == '}' || ch == ']') {
			if (depth == 0) {
				return false;
			}
			if (--depth == 0) {
				*end = i + 1;
				return true;
			}
		}
	}
	return false;
}

bool ocre_json_next_object(const uint8_t *buf, size_t from, size_t to, size_t *ofrom, size_t *oto)
{
	size_t i = from;

	while (i < to && buf[i] != '{') {
		if (buf[i] == ']') {
			return false;
		}
		i++;
	}
	if (i >= to) {
		return false;
	}
	*ofrom = i;
	return ocre_json_balanced(buf, i, to, oto);
}

/* The string value of "key" in buf[from, to) (no escapes allowed in it), copied into out. */
bool ocre_json_string(const uint8_t *buf, size_t from, size_t to, const char *key, char *out,
			 size_t cap)
{
	char needle[64];

	(void)snprintf(needle, sizeof(needle), "\"%s\":\"", key);
	long at = ocre_json_find(buf + from, to - from, needle);

	if (at < 0) {
		return false;
	}
	size_t i = from + (size_t)at + strlen(needle);
	size_t n = 0;

	for (; i < to && buf[i] != '"'; i++) {
		if (buf[i] == '\\' || buf[i] < 0x20 || n + 1 >= cap) {
			return false;
		}
		out[n++] = (char)buf[i];
	}
	out[n] = '\0';
	return i < to;
}

bool ocre_json_number(const uint8_t *buf, size_t from, size_t to, const char *key,
			 uint64_t *out)
{
	char needle[64];
	char digits[20];
	size_t n = 0;

	(void)snprintf(needle, sizeof(needle), "\"%s\":", key);
	long at = ocre_json_find(buf + from, to - from, needle);

	if (at < 0) {
		return false;
	}
	for (size_t i = from + (size_t)at + strlen(needle); i < to && n + 1 < sizeof(digits);
	     i++) {
		if (buf[i] < '0' || buf[i] > '9') {
			break;
		}
		digits[n++] = (char)buf[i];
	}
	digits[n] = '\0';
	return ocre_parse_u64(digits, out);
}
