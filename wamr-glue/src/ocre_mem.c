/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Bounds checks for everything a module hands in. WAMR's "*" signature letter only proves
 * that one byte is addressable, so every length is checked here against the memory's size,
 * in 64-bit arithmetic so that off + len cannot wrap.
 */

#include <string.h>

#include "ocre_internal.h"

void *ocre_mem_range(const struct ocre_mem *m, uint32_t off, uint32_t len)
{
	if (m == NULL || m->base == NULL) {
		return NULL;
	}
	if ((uint64_t)off + (uint64_t)len > (uint64_t)m->size) {
		return NULL;
	}
	return m->base + off;
}

const char *ocre_mem_str(const struct ocre_mem *m, uint32_t off, uint32_t max_len,
			 uint32_t *len_out)
{
	if (m == NULL || m->base == NULL || off >= m->size) {
		return NULL;
	}
	uint32_t avail = m->size - off;
	uint32_t scan = avail < max_len + 1u ? avail : max_len + 1u;
	const char *s = (const char *)m->base + off;
	const char *nul = memchr(s, '\0', scan);

	if (nul == NULL) {
		return NULL;
	}
	if (len_out != NULL) {
		*len_out = (uint32_t)(nul - s);
	}
	return s;
}

uint32_t ocre_mem_strn(const struct ocre_mem *m, uint32_t off, uint32_t max_len, const char **out)
{
	*out = NULL;
	if (m == NULL || m->base == NULL || off >= m->size) {
		return 0;
	}
	uint32_t avail = m->size - off;
	uint32_t scan = avail < max_len ? avail : max_len;
	const char *s = (const char *)m->base + off;
	const char *nul = memchr(s, '\0', scan);

	*out = s;
	return nul != NULL ? (uint32_t)(nul - s) : scan;
}

/* Wasm memory is little-endian whatever the host is. */
bool ocre_mem_put_u32(const struct ocre_mem *m, uint32_t off, uint32_t value)
{
	uint8_t *p = ocre_mem_range(m, off, 4);

	if (p == NULL) {
		return false;
	}
	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(value >> (8 * i));
	}
	return true;
}

bool ocre_mem_put_u64(const struct ocre_mem *m, uint32_t off, uint64_t value)
{
	uint8_t *p = ocre_mem_range(m, off, 8);

	if (p == NULL) {
		return false;
	}
	for (int i = 0; i < 8; i++) {
		p[i] = (uint8_t)(value >> (8 * i));
	}
	return true;
}

bool ocre_mem_get_u32(const struct ocre_mem *m, uint32_t off, uint32_t *value)
{
	const uint8_t *p = ocre_mem_range(m, off, 4);

	if (p == NULL) {
		return false;
	}
	*value = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
		 ((uint32_t)p[3] << 24);
	return true;
}
