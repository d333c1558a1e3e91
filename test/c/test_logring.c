/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The log ring (ocre/ocre_logring.h): bounded, overwrites the oldest entries, cuts long lines,
 * neutralises control characters; containers' output lines (assembled across a write's
 * iovecs) and health events land in it; SMP command 5 pages through it within a frame.
 */

#include <stdio.h>

#include <ocre/ocre_logring.h>
#include <ocre/ocre_smp.h>

#include "test_support.h"

static uint8_t mem[4096];
static struct ocre_mem m = {mem, sizeof(mem)};
static struct ocre_container c = {.meta = {.name = "app"}};

static void iov(uint32_t at, uint32_t buf, uint32_t len)
{
	ocre_mem_put_u32(&m, at, buf);
	ocre_mem_put_u32(&m, at + 4, len);
}

static struct ocre_logring_entry get(uint32_t seq)
{
	struct ocre_logring_entry e;

	memset(&e, 0, sizeof(e));
	assert_true(ocre_logring_get(seq, &e));
	assert_int_equal(e.seq, seq);
	return e;
}

static void keeps_the_newest_entries(void **state)
{
	(void)state;
	char text[32];
	uint32_t first, next;
	struct ocre_logring_entry e;

	ocre_logring_reset();
	ocre_logring_bounds(&first, &next);
	assert_int_equal(first, 0);
	assert_int_equal(next, 0);
	assert_false(ocre_logring_get(0, &e));
	for (int i = 0; i < OCRE_LOGRING_ENTRIES + 8; i++) {
		snprintf(text, sizeof(text), "line %d", i);
		ocre_logring_add(OCRE_LOGRING_STDOUT, "app", text, strlen(text));
	}
	ocre_logring_bounds(&first, &next);
	assert_int_equal(next, OCRE_LOGRING_ENTRIES + 8);
	assert_int_equal(first, 8);
	assert_false(ocre_logring_get(7, &e));
	assert_false(ocre_logring_get(next, &e));
	e = get(8);
	assert_string_equal(e.text, "line 8");
	assert_string_equal(e.name, "app");
	assert_int_equal(e.kind, OCRE_LOGRING_STDOUT);
	e = get(next - 1);
	snprintf(text, sizeof(text), "line %d", OCRE_LOGRING_ENTRIES + 7);
	assert_string_equal(e.text, text);
}

static void cuts_long_lines_and_neutralises_control_characters(void **state)
{
	(void)state;
	char longer[300];

	ocre_logring_reset();
	memset(longer, 'x', sizeof(longer));
	ocre_logring_add(OCRE_LOGRING_STDERR, "app", longer, sizeof(longer));
	ocre_logring_add(OCRE_LOGRING_STDOUT, "a\x1b]0;pwn\x07", "red \x1b[31mX\x7f\r", 12);

	struct ocre_logring_entry e = get(0);

	assert_int_equal(strlen(e.text), OCRE_LOGRING_TEXT_BYTES - 1);
	assert_string_equal(e.text + OCRE_LOGRING_TEXT_BYTES - 4, "...");
	assert_int_equal(e.text[0], 'x');
	e = get(1);
	assert_string_equal(e.text, "red ?[31mX??");
	assert_string_equal(e.name, "a?]0;pwn?");
}

static void container_output_becomes_lines(void **state)
{
	(void)state;

	ocre_logring_reset();
	capture_reset();
	/* One write of three iovecs: "Hello, " "world\nsecond\r\n\n" "tail" -> 3 lines. */
	memcpy(mem + 100, "Hello, ", 7);
	memcpy(mem + 200, "world\nsecond\r\n\n", 15);
	memcpy(mem + 300, "tail", 4);
	iov(16, 100, 7);
	iov(24, 200, 15);
	iov(32, 300, 4);
	assert_int_equal(ocre_wasi_fd_write(&c, &m, 1, 16, 3, 8), 0);
	assert_int_equal(ocre_wasi_fd_write(&c, &m, 2, 32, 1, 8), 0);

	uint32_t first, next;

	ocre_logring_bounds(&first, &next);
	assert_int_equal(next, 4);
	assert_string_equal(get(0).text, "Hello, world");
	assert_string_equal(get(1).text, "second");
	assert_string_equal(get(2).text, "tail");
	assert_int_equal(get(2).kind, OCRE_LOGRING_STDOUT);
	assert_int_equal(get(3).kind, OCRE_LOGRING_STDERR);
	assert_string_equal(get(3).name, "app");
	/* The console still got every byte. */
	assert_string_equal(captured_console, "Hello, world\nsecond\r\n\ntailtail");

	/* A refused write (bad iovec) adds nothing. */
	iov(40, 4090, 16);
	assert_int_equal(ocre_wasi_fd_write(&c, &m, 1, 40, 1, 8), OCRE_WASI_EFAULT);
	ocre_logring_bounds(&first, &next);
	assert_int_equal(next, 4);
}

static void health_events_land_in_the_ring(void **state)
{
	(void)state;

	ocre_logring_reset();
	ocre_health_emit(OCRE_HEALTH_REFUSED, "app", "reason=%s", "install: tampered");

	struct ocre_logring_entry e = get(0);

	assert_int_equal(e.kind, OCRE_LOGRING_HEALTH);
	assert_string_equal(e.name, "app");
	/* The container and uptime are the entry's own fields: the text has the event's. */
	assert_string_equal(e.text, "event=refused reason=install: tampered");
}

/* ---- SMP command 5 ------------------------------------------------------------------------ */

/* A minimal CBOR walker for the answer: the "seq" of each entry, "first" and "next". */
struct logs_answer {
	uint64_t rc, first, next;
	uint64_t seqs[64];
	int count;
};

static size_t head(const uint8_t *p, uint8_t *major, uint64_t *arg)
{
	uint8_t ai = p[0] & 0x1f;

	*major = p[0] >> 5;
	if (ai < 24) {
		*arg = ai;
		return 1;
	}
	size_t n = ai == 24 ? 1 : ai == 25 ? 2 : ai == 26 ? 4 : 8;

	*arg = 0;
	for (size_t i = 0; i < n; i++) {
		*arg = (*arg << 8) | p[1 + i];
	}
	return 1 + n;
}

/* Walks one item; `key` is the map key it is the value of (or NULL). */
static size_t walk(const uint8_t *p, const char *key, struct logs_answer *a)
{
	uint8_t major;
	uint64_t arg;
	size_t at = head(p, &major, &arg);
	char k[16];

	switch (major) {
	case 0:
		if (key != NULL && strcmp(key, "seq") == 0 && a->count < 64) {
			a->seqs[a->count++] = arg;
		} else if (key != NULL && strcmp(key, "rc") == 0) {
			a->rc = arg;
		} else if (key != NULL && strcmp(key, "first") == 0) {
			a->first = arg;
		} else if (key != NULL && strcmp(key, "next") == 0) {
			a->next = arg;
		}
		return at;
	case 2:
	case 3:
		return at + arg;
	case 4:
		for (uint64_t i = 0; i < arg; i++) {
			at += walk(p + at, NULL, a);
		}
		return at;
	case 5:
		for (uint64_t i = 0; i < arg; i++) {
			uint8_t km;
			uint64_t kl;
			size_t kh = head(p + at, &km, &kl);

			assert_int_equal(km, 3);
			assert_true(kl < sizeof(k));
			memcpy(k, p + at + kh, kl);
			k[kl] = '\0';
			at += kh + kl;
			at += walk(p + at, k, a);
		}
		return at;
	default:
		return at;
	}
}

static struct logs_answer ask_logs(long since)
{
	static uint8_t rsp[OCRE_SMP_MAX_FRAME];
	uint8_t req[16] = {OCRE_SMP_OP_READ, 0, 0, 0, 0, OCRE_SMP_GROUP, 7, OCRE_SMP_CMD_LOGS};
	size_t len = OCRE_SMP_HEADER_SIZE;
	struct logs_answer a;

	memset(&a, 0, sizeof(a));
	if (since < 0) {
		req[len++] = 0xa0; /* {} */
	} else {
		/* {"since": since} with a 4-byte unsigned */
		const uint8_t body[] = {0xa1, 0x65, 's', 'i', 'n', 'c', 'e', 0x1a,
					(uint8_t)(since >> 24), (uint8_t)(since >> 16), (uint8_t)(since >> 8),
					(uint8_t)since};

		memcpy(req + len, body, sizeof(body));
		len += sizeof(body);
	}
	req[3] = (uint8_t)(len - OCRE_SMP_HEADER_SIZE);
	size_t n = ocre_smp_handle(req, len, rsp, sizeof(rsp));

	assert_true(n > OCRE_SMP_HEADER_SIZE && n <= OCRE_SMP_MAX_FRAME);
	assert_int_equal(rsp[0] & 7, OCRE_SMP_OP_READ_RSP);
	assert_int_equal(rsp[7], OCRE_SMP_CMD_LOGS);
	assert_int_equal(walk(rsp + OCRE_SMP_HEADER_SIZE, NULL, &a), n - OCRE_SMP_HEADER_SIZE);
	return a;
}

static void smp_logs_pages_through_the_ring_within_a_frame(void **state)
{
	(void)state;
	char text[OCRE_LOGRING_TEXT_BYTES + 10];

	/* Full-size entries: a frame holds only some of them. */
	ocre_logring_reset();
	memset(text, 'y', sizeof(text));
	for (int i = 0; i < OCRE_LOGRING_ENTRIES + 5; i++) {
		ocre_logring_add(OCRE_LOGRING_STDOUT, "a-container-with-a-rather-long-name-0123456789",
				 text, sizeof(text));
	}
	/* From 0: the ring overwrote 0..4, so the answer starts at "first" = 5. */
	struct logs_answer a = ask_logs(0);
	long since = 0;
	int seen = 0;
	int answers = 0;

	assert_int_equal(a.rc, 0);
	assert_int_equal(a.first, 5);
	for (;;) {
		a = ask_logs(since);
		answers++;
		assert_true(a.count <= 23);
		for (int i = 0; i < a.count; i++) {
			assert_int_equal(a.seqs[i], 5 + seen + i); /* in order, none skipped */
		}
		seen += a.count;
		if (a.count == 0) {
			break;
		}
		assert_int_equal(a.next, a.seqs[a.count - 1] + 1);
		since = (long)a.next;
	}
	assert_int_equal(seen, OCRE_LOGRING_ENTRIES);
	assert_true(answers > 2); /* it did have to page */
	assert_int_equal(a.next, OCRE_LOGRING_ENTRIES + 5);

	/* No "since": from the oldest; a "since" past the end (the device restarted): "next". */
	assert_int_equal(ask_logs(-1).seqs[0], 5);
	a = ask_logs(1000);
	assert_int_equal(a.count, 0);
	assert_int_equal(a.next, OCRE_LOGRING_ENTRIES + 5);

	/* Short entries: at most 23 per answer (the array head is one byte). */
	ocre_logring_reset();
	for (int i = 0; i < 30; i++) {
		ocre_logring_add(OCRE_LOGRING_STDOUT, "a", "b", 1);
	}
	a = ask_logs(0);
	assert_int_equal(a.count, 23);
	assert_int_equal(a.next, 23);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keeps_the_newest_entries),
		cmocka_unit_test(cuts_long_lines_and_neutralises_control_characters),
		cmocka_unit_test(container_output_becomes_lines),
		cmocka_unit_test(health_events_land_in_the_ring),
		cmocka_unit_test(smp_logs_pages_through_the_ring_within_a_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
