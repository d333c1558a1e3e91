/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The log ring: a bounded ring of the device's recent health events (installed, updated,
 * rolledback, refused, trapped, exited, ...) and its containers' output lines, kept in RAM so
 * that the host (`ocre device logs`, SMP command 5) and the shell (`ocre logs`) can read them
 * after the fact. Every entry has a sequence number that only grows, so a reader asks for
 * "everything from N on" and learns what it missed when the ring overwrote it.
 *
 * Writers are container threads and the agent's; readers copy one entry at a time. Both take
 * the core's short critical section (ocre_port_lock) only for the copy.
 */

#ifndef OCRE_OCRE_LOGRING_H_
#define OCRE_OCRE_LOGRING_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Entries kept; the oldest is overwritten first. */
#if defined(CONFIG_OCRE_LOG_RING_ENTRIES)
#define OCRE_LOGRING_ENTRIES CONFIG_OCRE_LOG_RING_ENTRIES
#elif !defined(OCRE_LOGRING_ENTRIES)
#define OCRE_LOGRING_ENTRIES 32
#endif
/* Longest text kept per entry, NUL included; longer lines are cut (and end in "..."). */
#if defined(CONFIG_OCRE_LOG_RING_LINE_BYTES)
#define OCRE_LOGRING_TEXT_BYTES CONFIG_OCRE_LOG_RING_LINE_BYTES
#elif !defined(OCRE_LOGRING_TEXT_BYTES)
#define OCRE_LOGRING_TEXT_BYTES 128
#endif
#define OCRE_LOGRING_NAME_BYTES 64 /* OCRE_MAX_NAME_BYTES + NUL */

enum ocre_logring_kind {
	OCRE_LOGRING_HEALTH = 0, /* text: "event=<name> <its fields>" (docs/health.md) */
	OCRE_LOGRING_STDOUT = 1, /* a line a container wrote to fd 1 */
	OCRE_LOGRING_STDERR = 2, /* ... to fd 2 */
};

struct ocre_logring_entry {
	uint32_t seq;
	uint64_t uptime_ms;
	uint8_t kind; /* enum ocre_logring_kind */
	char name[OCRE_LOGRING_NAME_BYTES];
	char text[OCRE_LOGRING_TEXT_BYTES];
};

/*
 * Adds one entry (thread context). `len` is the text's whole length, of which only the first
 * OCRE_LOGRING_TEXT_BYTES - 1 bytes are read: a longer text is cut and ends in "...". Control
 * characters become '?', so that the shell can print the text as it is.
 */
void ocre_logring_add(enum ocre_logring_kind kind, const char *name, const char *text,
		      size_t len);

/*
 * A container's output, assembled into lines across the pieces of one write (WASI fd_write's
 * iovecs): feed the pieces, then flush. '\n' ends a line; the write's last piece without one is
 * a line of its own. Empty lines are skipped.
 */
struct ocre_logring_line {
	size_t len; /* the line's length so far (bytes past the buffer are counted, not kept) */
	char buf[OCRE_LOGRING_TEXT_BYTES];
};
void ocre_logring_line_feed(struct ocre_logring_line *l, enum ocre_logring_kind kind,
			    const char *name, const char *p, size_t n);
void ocre_logring_line_flush(struct ocre_logring_line *l, enum ocre_logring_kind kind,
			     const char *name);
/* Copies entry `seq` into *out: false when it was overwritten or does not exist yet. */
bool ocre_logring_get(uint32_t seq, struct ocre_logring_entry *out);
/* The oldest sequence number still kept, and the one the next entry will get. */
void ocre_logring_bounds(uint32_t *first, uint32_t *next);
/* Forgets every entry (tests; sequence numbers start again at 0). */
void ocre_logring_reset(void);
const char *ocre_logring_kind_name(uint8_t kind);

#ifdef __cplusplus
}
#endif

#endif /* OCRE_OCRE_LOGRING_H_ */
