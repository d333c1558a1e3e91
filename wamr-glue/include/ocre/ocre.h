/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The public C API of the Ocre shim. The generated firmware's main.c uses only the first four
 * functions; the rest serve the shell and integrators who manage containers themselves.
 */

#ifndef OCRE_OCRE_H_
#define OCRE_OCRE_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Capability bits of struct ocre_container_meta.capabilities. */
#define OCRE_CAP_API         (1u << 0) /* "ocre:api": the whole Ocre API, as upstream */
#define OCRE_CAP_TIMERS      (1u << 1)
#define OCRE_CAP_GPIO        (1u << 2)
#define OCRE_CAP_SENSORS     (1u << 3)
#define OCRE_CAP_MESSAGING   (1u << 4)
#define OCRE_CAP_SHARED_HEAP (1u << 5)
#define OCRE_CAP_NETWORKING  (1u << 6)
#define OCRE_CAP_FILESYSTEM  (1u << 7)

/* Exit codes the runtime reports for containers that did not exit by themselves. */
#define OCRE_EXIT_TRAP   134 /* the module trapped (like SIGABRT) */
#define OCRE_EXIT_KILLED 137 /* stopped by the watchdog or by ocre_container_stop (like SIGKILL)   \
			      */

enum ocre_restart_policy {
	OCRE_RESTART_NO = 0,
	OCRE_RESTART_ON_FAILURE = 1,
	OCRE_RESTART_ALWAYS = 2,
};

struct ocre_container_meta {
	const char *name;          /* container name (C string, escaped by the generator) */
	const char *digest;        /* "sha256:<64 hex>" */
	uint32_t capabilities;     /* OCRE_CAP_* bits */
	uint32_t stack_size;       /* bytes: WAMR execution stack */
	uint32_t heap_size;        /* bytes: WAMR app heap */
	uint32_t max_memory_pages; /* linear memory maximum (64 KiB pages) */
	enum ocre_restart_policy restart;
	const char *const *argv; /* argc entries */
	uint32_t argc;
	const char *const *envp; /* "KEY=VALUE", envc entries */
	uint32_t envc;
};

enum ocre_container_state {
	OCRE_STATE_CREATED = 0, /* added, never started */
	OCRE_STATE_RUNNING,     /* its thread runs the module */
	OCRE_STATE_BACKOFF,     /* exited, waiting to be restarted */
	OCRE_STATE_EXITED,      /* exited for good (policy or stop) */
};

struct ocre_container_status {
	const char *name;
	enum ocre_container_state state;
	int32_t exit_code;       /* last exit code, valid once it has exited */
	uint32_t restarts;       /* restarts since it was added */
	uint32_t events_dropped; /* events lost to a full queue, this run */
};

int ocre_init(void); /* 0 or -errno */
int ocre_container_add(const uint8_t *wasm, size_t wasm_size,
		       const struct ocre_container_meta *meta); /* id >= 0 or -errno */
int ocre_start_all(void);                                       /* 0 or -errno */
int ocre_wait_all(void); /* blocks; first non-zero exit code, else 0 */

int ocre_container_start(int id);          /* 0, -EBUSY if running, -ENOENT */
int ocre_container_stop(int id);           /* 0: stops it and waits; no restart follows */
int ocre_container_restart(int id);        /* stop (if running) then start */
int ocre_container_destroy(int id);        /* stop, then forget it and free its module */
int ocre_container_find(const char *name); /* id or -ENOENT */
int ocre_container_status(int id, struct ocre_container_status *out); /* 0 or -ENOENT */

#ifdef __cplusplus
}
#endif

#endif /* OCRE_OCRE_H_ */
