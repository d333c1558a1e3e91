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

#include <ocre/ocre_abi.h>

#ifdef __cplusplus
extern "C" {
#endif

enum ocre_restart_policy {
	OCRE_RESTART_NO = 0,
	OCRE_RESTART_ON_FAILURE = 1,
	OCRE_RESTART_ALWAYS = 2,
};

/*
 * A cosign signature of the image a container came from (docs/signing.md): the image manifest
 * exactly as signed, cosign's simple-signing payload naming that manifest's sha256, and the
 * ECDSA P-256 signature over the payload (ASN.1 DER). Checked before the module is loaded
 * when the core is built with signature checking (CONFIG_OCRE_VERIFY).
 */
struct ocre_signature {
	const uint8_t *manifest;
	uint32_t manifest_size;
	const uint8_t *payload;
	uint32_t payload_size;
	const uint8_t *der;
	uint32_t der_size;
};

/* A trusted public key: the uncompressed P-256 point 0x04 || X || Y. */
#define OCRE_P256_KEY_SIZE 65

struct ocre_container_meta {
	const char *name;          /* container name (C string, escaped by the generator) */
	const char *digest;        /* "sha256:<64 hex>" */
	uint32_t capabilities;     /* OCRE_CAP_* bits */
	uint32_t stack_size;       /* bytes: WAMR execution stack */
	uint32_t heap_size;        /* bytes: WAMR app heap */
	uint32_t max_memory_pages; /* linear memory maximum (64 KiB pages); 0: the module's own */
	enum ocre_restart_policy restart;
	const char *const *argv; /* argc entries */
	uint32_t argc;
	const char *const *envp; /* "KEY=VALUE", envc entries */
	uint32_t envc;
	/*
	 * GPIO lines the container may use: aliases ("led0") or "port:pin" ("0:13"). NULL: any
	 * line under OCRE_CAP_API (upstream's rule), only the board's led/sw aliases under
	 * OCRE_CAP_GPIO. Others answer -EPERM.
	 */
	const char *const *gpio_allow;
	uint32_t gpio_allow_count;
	const struct ocre_signature *signature; /* NULL: unsigned */
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
	uint32_t events_dropped_total; /* ... over every run */
	uint32_t memory_high_water;    /* bytes of linear memory, largest seen */
	uint64_t run_ms;               /* how long the current (or last) run has lasted */
	const char *trap_reason;       /* the last trap's reason, "" if none */
	uint32_t wakeups;              /* times its thread woke in ocre_sleep */
	/* Event-to-delivery latency in us, with CONFIG_OCRE_LATENCY_PROBE (else count 0). */
	uint32_t latency_count, latency_max_us, latency_avg_us;
};

/*
 * Device health: the runtime publishes each event as a message on the topic
 * "ocre/health/<event>/<container>" (content type "text/plain") to every container subscribed
 * to a matching prefix, and logs it. The payload is one line of space-separated key=value
 * pairs: "event=<event> container=<name> uptime_ms=<ms>" then the event's own fields (see
 * docs/health.md; cli/abi/health.ts is the one definition that the simulator and the tests use).
 */
enum ocre_health_event {
#define OCRE_HEALTH_EVENT(id, name, fields) OCRE_HEALTH_##id,
#include <ocre/ocre_health.def> /* generated from cli/abi/health.ts: events and their fields */
#undef OCRE_HEALTH_EVENT
	OCRE_HEALTH_COUNT
};

/* Publishes and logs a health event; fmt (may be NULL) formats the event's own fields. */
void ocre_health_emit(enum ocre_health_event event, const char *container, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

int ocre_init(void); /* 0 or -errno */
/*
 * The keys whose signatures are trusted (kept by reference; call before adding containers).
 * With signature checking compiled in, ocre_container_add refuses (-EPERM, logged) a container
 * whose signature is missing, does not match its bytes, or no trusted key made.
 */
int ocre_trust_keys(const uint8_t (*keys)[OCRE_P256_KEY_SIZE], size_t count); /* 0 or -errno */
int ocre_container_add(const uint8_t *wasm, size_t wasm_size,
		       const struct ocre_container_meta *meta); /* id >= 0 or -errno */
/* ocre_container_add's answer for a container signature checking refused (-EPERM; logged). */
#define OCRE_ADD_REFUSED (-1)
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
