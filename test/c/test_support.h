/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Shared by the host tests: cmocka, captured log lines and console output.
 */

#ifndef TEST_SUPPORT_H_
#define TEST_SUPPORT_H_

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "ocre_port_posix.h"

static char captured_log[8192];
static int captured_log_lines;
static char captured_console[8192];
static size_t captured_console_len;

static void capture_log(enum ocre_log_level level, const char *line)
{
	(void)level;
	size_t n = strlen(captured_log);

	if (n + strlen(line) + 2 < sizeof(captured_log)) {
		strcat(captured_log, line);
		strcat(captured_log, "\n");
	}
	captured_log_lines++;
}

static void capture_console(const char *buf, size_t len)
{
	if (captured_console_len + len < sizeof(captured_console)) {
		memcpy(captured_console + captured_console_len, buf, len);
		captured_console_len += len;
		captured_console[captured_console_len] = '\0';
	}
}

static inline void capture_reset(void)
{
	captured_log[0] = '\0';
	captured_log_lines = 0;
	captured_console[0] = '\0';
	captured_console_len = 0;
	ocre_posix_set_log_hook(capture_log);
	ocre_posix_set_console_hook(capture_console);
}

/*
 * Waits until `cond` holds, checking every 5 ms for at most 5 s: another thread's progress takes
 * far longer under qemu-user on a busy machine than on a device. Assert `cond` afterwards.
 */
#define WAIT_UNTIL(cond)                                                                           \
	do {                                                                                       \
		for (int wait_ms_ = 0; !(cond) && wait_ms_ < 5000; wait_ms_ += 5) {               \
			ocre_port_sleep_ms(5);                                                     \
		}                                                                                  \
	} while (0)

/* Counts occurrences of needle in the captured log. */
static inline int log_count(const char *needle)
{
	int n = 0;

	for (const char *p = captured_log; (p = strstr(p, needle)) != NULL; p++) {
		n++;
	}
	return n;
}

/* A container made by hand (no thread) from a fake module, loaded, instantiated and running. */
static inline struct ocre_container *make_container(int slot, const char *name, uint32_t caps,
						   struct fake_module *mod)
{
	struct ocre_container *c = &ocre_containers[slot];

	memset(c, 0, sizeof(*c));
	c->used = true;
	c->slot = (uint8_t)slot;
	c->meta.name = name;
	c->meta.capabilities = caps;
	c->wasm = (uint8_t *)mod;
	c->wasm_size = sizeof(*mod);
	assert_int_equal(ocre_engine_load(c), 0);
	assert_int_equal(ocre_engine_instantiate(c), 0);
	ocre_container_reset_run(c);
	c->state = OCRE_STATE_RUNNING;
	return c;
}

#endif /* TEST_SUPPORT_H_ */
