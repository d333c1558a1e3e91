/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The log ring (ocre/ocre_logring.h): OCRE_LOGRING_ENTRIES fixed-size entries in a static
 * array, entry `seq` at index seq % OCRE_LOGRING_ENTRIES. Nothing is allocated; an entry is
 * formatted on the writer's stack and copied in under the core's critical section.
 */

#include <stdint.h>
#include <string.h>

#include <ocre/ocre_logring.h>

#include "ocre_internal.h"

#if OCRE_HAS_LOG_RING

static struct ocre_logring_entry ring[OCRE_LOGRING_ENTRIES];
static uint32_t next_seq;

static void copy_clean(char *out, size_t cap, const char *in, size_t len)
{
	size_t n = len < cap ? len : cap - 1;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (len >= cap && cap > 4) {
		memcpy(out + cap - 4, "...", 3); /* says the line was cut */
	}
	out[n] = '\0';
}

void ocre_logring_add(enum ocre_logring_kind kind, const char *name, const char *text,
		      size_t len)
{
	struct ocre_logring_entry e;

	if (name == NULL || (text == NULL && len > 0)) {
		return;
	}
	e.kind = (uint8_t)kind;
	e.uptime_ms = ocre_port_uptime_ms();
	/* memchr, not strnlen: strnlen is POSIX, not in a strict C11 library (newlib, picolibc). */
	const char *nul = memchr(name, '\0', sizeof(e.name));

	copy_clean(e.name, sizeof(e.name), name, nul != NULL ? (size_t)(nul - name) : sizeof(e.name));
	copy_clean(e.text, sizeof(e.text), text != NULL ? text : "", len);

	unsigned int key = ocre_port_lock();

	e.seq = next_seq++;
	ring[e.seq % OCRE_LOGRING_ENTRIES] = e;
	ocre_port_unlock(key);
}

void ocre_logring_line_flush(struct ocre_logring_line *l, enum ocre_logring_kind kind,
			     const char *name)
{
	size_t n = l->len;

	/* A "\r\n" ending is one line ending. */
	if (n > 0 && n <= sizeof(l->buf) - 1 && l->buf[n - 1] == '\r') {
		n--;
	}
	if (n > 0) {
		ocre_logring_add(kind, name, l->buf, n);
	}
	l->len = 0;
}

void ocre_logring_line_feed(struct ocre_logring_line *l, enum ocre_logring_kind kind,
			    const char *name, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			ocre_logring_line_flush(l, kind, name);
		} else {
			if (l->len < sizeof(l->buf) - 1) {
				l->buf[l->len] = p[i];
			}
			if (l->len < SIZE_MAX) {
				l->len++;
			}
		}
	}
}

bool ocre_logring_get(uint32_t seq, struct ocre_logring_entry *out)
{
	bool found = false;
	unsigned int key = ocre_port_lock();
	uint32_t first = next_seq > OCRE_LOGRING_ENTRIES ? next_seq - OCRE_LOGRING_ENTRIES : 0;

	if (out != NULL && seq >= first && seq < next_seq) {
		*out = ring[seq % OCRE_LOGRING_ENTRIES];
		found = true;
	}
	ocre_port_unlock(key);
	return found;
}

void ocre_logring_bounds(uint32_t *first, uint32_t *next)
{
	unsigned int key = ocre_port_lock();

	*next = next_seq;
	*first = next_seq > OCRE_LOGRING_ENTRIES ? next_seq - OCRE_LOGRING_ENTRIES : 0;
	ocre_port_unlock(key);
}

void ocre_logring_reset(void)
{
	unsigned int key = ocre_port_lock();

	next_seq = 0;
	ocre_port_unlock(key);
}

const char *ocre_logring_kind_name(uint8_t kind)
{
	return kind == OCRE_LOGRING_STDOUT   ? "stdout"
	       : kind == OCRE_LOGRING_STDERR ? "stderr"
					     : "health";
}

#endif /* OCRE_HAS_LOG_RING */
