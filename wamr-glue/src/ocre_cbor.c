/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The CBOR subset of ocre_cbor.h.
 */

#include <string.h>

#include "ocre_cbor.h"
#include "ocre_internal.h"

static void put(struct ocre_cbor_w *w, const void *p, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/* The initial byte and argument of a data item: shortest form, as RFC 8949 prefers. */
static void head(struct ocre_cbor_w *w, uint8_t major, uint64_t v)
{
	uint8_t b[9];
	size_t n;

	if (v < 24) {
		b[0] = (uint8_t)(major << 5 | v);
		n = 1;
	} else if (v <= 0xff) {
		b[0] = (uint8_t)(major << 5 | 24);
		b[1] = (uint8_t)v;
		n = 2;
	} else if (v <= 0xffff) {
		b[0] = (uint8_t)(major << 5 | 25);
		b[1] = (uint8_t)(v >> 8);
		b[2] = (uint8_t)v;
		n = 3;
	} else if (v <= 0xffffffffu) {
		b[0] = (uint8_t)(major << 5 | 26);
		for (int i = 0; i < 4; i++) {
			b[1 + i] = (uint8_t)(v >> (24 - 8 * i));
		}
		n = 5;
	} else {
		b[0] = (uint8_t)(major << 5 | 27);
		for (int i = 0; i < 8; i++) {
			b[1 + i] = (uint8_t)(v >> (56 - 8 * i));
		}
		n = 9;
	}
	put(w, b, n);
}

void ocre_cbor_map(struct ocre_cbor_w *w, size_t pairs)
{
	head(w, 5, pairs);
}

void ocre_cbor_array(struct ocre_cbor_w *w, size_t items)
{
	head(w, 4, items);
}

void ocre_cbor_uint(struct ocre_cbor_w *w, uint64_t v)
{
	head(w, 0, v);
}

void ocre_cbor_int(struct ocre_cbor_w *w, int64_t v)
{
	if (v >= 0) {
		head(w, 0, (uint64_t)v);
	} else {
		head(w, 1, (uint64_t)(-(v + 1)));
	}
}

void ocre_cbor_text(struct ocre_cbor_w *w, const char *s, size_t n)
{
	head(w, 3, n);
	put(w, s, n);
}

void ocre_cbor_cstr(struct ocre_cbor_w *w, const char *s)
{
	ocre_cbor_text(w, s, strlen(s));
}

void ocre_cbor_bytes(struct ocre_cbor_w *w, const void *p, size_t n)
{
	head(w, 2, n);
	put(w, p, n);
}

void ocre_cbor_bool(struct ocre_cbor_w *w, bool b)
{
	uint8_t v = b ? 0xf5 : 0xf4;

	put(w, &v, 1);
}

/* Reads one head at *at: major type and argument. Indefinite lengths and reserved forms fail. */
static bool read_head(const uint8_t *buf, size_t len, size_t *at, uint8_t *major, uint64_t *arg)
{
	if (*at >= len) {
		return false;
	}
	uint8_t ib = buf[(*at)++];
	uint8_t info = ib & 0x1f;
	size_t extra;

	*major = ib >> 5;
	if (info < 24) {
		*arg = info;
		return true;
	}
	switch (info) {
	case 24:
		extra = 1;
		break;
	case 25:
		extra = 2;
		break;
	case 26:
		extra = 4;
		break;
	case 27:
		extra = 8;
		break;
	default:
		return false;
	}
	if (extra > len - *at) {
		return false;
	}
	*arg = 0;
	for (size_t i = 0; i < extra; i++) {
		*arg = (*arg << 8) | buf[(*at)++];
	}
	return true;
}

int ocre_cbor_flat_map(const uint8_t *buf, size_t len, struct ocre_cbor_field *out, size_t max)
{
	size_t at = 0;
	uint8_t major;
	uint64_t pairs;

	if (buf == NULL || !read_head(buf, len, &at, &major, &pairs) || major != 5 ||
	    pairs > max) {
		return -OCRE_EINVAL;
	}
	for (uint64_t i = 0; i < pairs; i++) {
		struct ocre_cbor_field *f = &out[i];
		uint64_t n;

		if (!read_head(buf, len, &at, &major, &n) || major != 3 || n > OCRE_CBOR_KEY_BYTES ||
		    n > len - at) {
			return -OCRE_EINVAL;
		}
		memcpy(f->key, buf + at, n);
		f->key[n] = '\0';
		at += n;
		if (!read_head(buf, len, &at, &major, &n)) {
			return -OCRE_EINVAL;
		}
		f->p = NULL;
		f->n = 0;
		f->u = n;
		switch (major) {
		case 0:
		case 1:
			break;
		case 2:
		case 3:
			if (n > len - at) {
				return -OCRE_EINVAL;
			}
			f->p = buf + at;
			f->n = (size_t)n;
			at += n;
			break;
		case 7:
			if (n != 20 && n != 21) {
				return -OCRE_EINVAL; /* only false and true */
			}
			f->u = n == 21;
			break;
		default:
			return -OCRE_EINVAL; /* nested maps, arrays, tags */
		}
		f->type = (enum ocre_cbor_type)major;
	}
	return at == len ? (int)pairs : -OCRE_EINVAL;
}

const struct ocre_cbor_field *ocre_cbor_get(const struct ocre_cbor_field *f, int n,
					    const char *key, enum ocre_cbor_type type)
{
	for (int i = 0; i < n; i++) {
		if (f[i].type == type && strcmp(f[i].key, key) == 0) {
			return &f[i];
		}
	}
	return NULL;
}
