/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The portable core's internal interfaces. Everything here except the engine (ocre_engine_*)
 * is free of WAMR and of any RTOS, so the host tests in test/c exercise it directly.
 */

#ifndef OCRE_INTERNAL_H_
#define OCRE_INTERNAL_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ocre/ocre.h>
#include <ocre/ocre_port.h>

#include "ocre_config.h"

/*
 * Port slots: one per container (its thread, its wake-up semaphore, its instance mutex), the
 * supervisor thread, ocre_start_all/ocre_wait_all's waiter, the message bus's mutex (the
 * subscription tables, matched in thread context outside the interrupt lock), and one "done"
 * semaphore per container that its thread gives when it finishes (ocre_container_stop waits
 * on it instead of polling).
 */
#define OCRE_SLOT_SUPERVISOR OCRE_MAX_CONTAINERS
#define OCRE_SLOT_MAIN       (OCRE_MAX_CONTAINERS + 1)
#define OCRE_SLOT_BUS        (OCRE_MAX_CONTAINERS + 2)
#define OCRE_SLOT_DONE(i)    (OCRE_MAX_CONTAINERS + 3 + (i))
#define OCRE_SLOT_COUNT      (2 * OCRE_MAX_CONTAINERS + 3)

/*
 * ocre's extensions (OCRE_EXT_* in ocre/ocre_abi.h, from cli/abi/contract.ts):
 * ocre_register_dispatcher(OCRE_EXT_EVENT_TYPE, name) opts in; upstream answers -EINVAL to the
 * type. "ocre:wait-v1": ocre_sleep returns as soon as an event is pending for the container,
 * and ocre_sleep(-1) waits for one with no time limit. "ocre:errno-v1": distinct publish codes.
 * "ocre:gpio-line-v1:<alias>": the line an alias names, (port << 16) | pin, or -ENODEV.
 * "ocre:sensor-status-v1": OCRE_SENSOR_STATUS_BASE + errno of the last sensor read.
 */

/* ---- logging ---------------------------------------------------------------------------- */
void ocre_log(enum ocre_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* ---- signatures (ocre_verify.c) ---------------------------------------------------------- */
/*
 * 0 when `meta` carries a valid signature, by a trusted key, of an image whose manifest names
 * exactly these Wasm bytes as a layer; else -OCRE_EPERM and *why says which check failed.
 */
int ocre_verify_container(const uint8_t *wasm, size_t wasm_size,
			  const struct ocre_container_meta *meta, const char **why);
/* The same checks for Wasm bytes known by their sha256 (installed containers, ocre_store.c). */
int ocre_verify_signed(const uint8_t wasm_hash[32], const struct ocre_signature *sig,
		       const char *name, const char **why);
/* "sha256:" and the hex of d's first `bytes` bytes (1..32), NUL-terminated: out holds
 * 8 + 2 * bytes chars. OCRE_DIGEST_TEXT_SIZE fits the whole digest. */
#define OCRE_DIGEST_TEXT_SIZE (7 + 64 + 1)
void ocre_digest_text(const uint8_t d[32], unsigned int bytes, char *out);
/* ASN.1 DER ECDSA-Sig-Value (SEQUENCE { r, s }, strict DER) to raw r || s (OCRE_VERIFY only). */
bool ocre_der_to_p256_raw(const uint8_t *der, size_t n, uint8_t raw[64]);

/* ---- the ABI: indexes and capabilities from ocre_abi.def ------------------------------- */
enum ocre_abi_index {
#define OCRE_ABI_FN(name, sig, cap) OCRE_FN_##name,
#include "ocre_abi.def"
#undef OCRE_ABI_FN
	OCRE_FN_COUNT
};

enum ocre_wasi_index {
#define OCRE_WASI_FN(name, sig) OCRE_WASI_##name,
#include "ocre_wasi.def"
#undef OCRE_WASI_FN
	OCRE_WASI_COUNT
};

extern const char *const ocre_abi_names[OCRE_FN_COUNT];
extern const uint8_t ocre_abi_caps[OCRE_FN_COUNT]; /* OCRE_CAP_* bit, 0 for core calls */

/* ---- guest linear memory ---------------------------------------------------------------- */
struct ocre_mem {
	uint8_t *base;
	uint32_t size;
};

/* base + off if [off, off + len) lies inside the memory, else NULL (len 0 is valid at size). */
void *ocre_mem_range(const struct ocre_mem *m, uint32_t off, uint32_t len);
/*
 * The NUL-terminated string at off if it ends within the memory and within max_len bytes
 * (excluding the NUL), else NULL. *len_out (optional) gets its length.
 */
const char *ocre_mem_str(const struct ocre_mem *m, uint32_t off, uint32_t max_len,
			 uint32_t *len_out);
/*
 * The bytes at off up to the first NUL, at most max_len of them and never past the end of the
 * memory (upstream's strncpy of a subscription prefix): their count, with *out pointing at them
 * (NULL when off itself is outside the memory).
 */
uint32_t ocre_mem_strn(const struct ocre_mem *m, uint32_t off, uint32_t max_len, const char **out);
bool ocre_mem_put_u32(const struct ocre_mem *m, uint32_t off, uint32_t value);
bool ocre_mem_put_u64(const struct ocre_mem *m, uint32_t off, uint64_t value);
bool ocre_mem_get_u32(const struct ocre_mem *m, uint32_t off, uint32_t *value);

/* ---- events ---------------------------------------------------------------------------- */

struct ocre_msg;

struct ocre_event {
	uint32_t type;
	uint32_t id;
	uint32_t port;
	uint32_t state;
	struct ocre_msg *msg; /* message events: the shared host copy (one reference) */
	uint32_t stamp;       /* ocre_port_cycles() when it happened (latency probe) */
};

struct ocre_event_queue {
	struct ocre_event ev[OCRE_EVENT_QUEUE_DEPTH];
	uint16_t head;
	uint16_t count;
	uint32_t dropped;
	uint32_t pushed; /* events ever queued (wraps): tells a new event from a pending one */
};

/* Callers hold ocre_port_lock. push returns false (and counts a drop) when full. */
bool ocre_evq_push(struct ocre_event_queue *q, const struct ocre_event *ev);
bool ocre_evq_pop(struct ocre_event_queue *q, struct ocre_event *ev);
/* Empties the queue, handing every message reference to release (may be NULL). */
void ocre_evq_clear(struct ocre_event_queue *q, void (*release)(struct ocre_msg *msg));

/* ---- messages ---------------------------------------------------------------------------- */
/* One host copy per publish, shared by all receivers: topic\0 content_type\0 payload. */
struct ocre_msg {
	uint32_t refs; /* under ocre_port_lock */
	uint32_t id;
	uint32_t topic_len;
	uint32_t ctype_len;
	uint32_t payload_len;
	char data[];
};

bool ocre_topic_matches(const char *prefix, const char *topic);

/* ---- containers ------------------------------------------------------------------------ */
struct ocre_gpio_cb {
	bool used;
	uint32_t port;
	uint32_t pin;
};

#define OCRE_MAX_GUEST_ALLOCS (OCRE_EVENT_QUEUE_DEPTH * 3)

/* An open file or directory of a container (ocre_wasi_fs.c): fd 4 + its index. */
struct ocre_wasi_file {
	bool used;
	bool is_dir;
	bool read, write, append;
	int handle;    /* the port's, for a file */
	uint64_t pos;  /* the next read or write, for a file */
	char path[OCRE_WASI_FS_PATH_MAX]; /* the port path, for a directory */
};

struct ocre_container {
	bool used;
	uint8_t slot;
	uint8_t *wasm;
	size_t wasm_size;
	struct ocre_container_meta meta;

	volatile enum ocre_container_state state;
	int32_t exit_code;
	uint32_t restarts;
	uint32_t failures; /* consecutive failed runs, for the back-off */
	volatile bool stop_requested;
	volatile bool killed;  /* terminated by stop or the watchdog */
	bool watchdog_killed;  /* ... by the watchdog */
	int32_t sensor_status; /* 0 or -errno of its last sensor read */
	volatile bool in_host; /* inside a host call (not the module's own code) */
	volatile uint64_t last_host_ms;
	volatile bool instantiating; /* set by start, cleared once the first instantiate returned */
	bool proc_exited;
	int32_t proc_exit_code;
	bool ext_errno; /* opted into OCRE_EXT_ERRNO_V1: distinct publish codes */

	void *engine_module;
	void *engine_inst;

	struct ocre_event_queue events;
	uint32_t dropped_reported; /* events.dropped already logged and published */
	uint64_t dropped_report_ms;
	bool ext_wait; /* opted into OCRE_EXT_WAIT_V1: ocre_sleep returns when an event is queued */
	uint32_t events_seen; /* events.pushed when it last polled or slept, + its own publishes */
	uint64_t started_ms;      /* uptime when the current run started */
	uint32_t mem_high_water;  /* largest linear memory seen, bytes (it never shrinks) */
	uint32_t dropped_total;   /* events dropped over every run */
	uint32_t wakeups;         /* returns from waits in ocre_sleep, over every run */
	uint32_t lat_count, lat_max_us; /* event-to-delivery latency (OCRE_LATENCY_PROBE) */
	uint64_t lat_sum_us;
	char trap_reason[OCRE_TRAP_REASON_BYTES]; /* the engine's exception of the last trap */
	uint8_t timers_created[OCRE_MAX_TIMERS];
	char subs[OCRE_MAX_SUBSCRIPTIONS][OCRE_MAX_PREFIX_BYTES + 1];
	uint8_t nsubs;
	struct ocre_gpio_cb gpio_cbs[OCRE_MAX_GPIO_CALLBACKS];
	uint32_t guest_allocs[OCRE_MAX_GUEST_ALLOCS]; /* message copies not yet freed */
#if OCRE_HAS_WASI_FS
	struct ocre_wasi_file files[OCRE_WASI_FS_MAX_FILES];
#endif
	uint64_t warned; /* one bit per ABI index: the -EPERM warning was logged */
};

extern struct ocre_container ocre_containers[OCRE_MAX_CONTAINERS];

/* Resets a container's runtime state for a new run (queue, timers, subscriptions...). */
/* Logs and publishes (ocre/health/overflow/...) events dropped since the last report. */
void ocre_report_overflow(struct ocre_container *c, bool force);
void ocre_container_reset_run(struct ocre_container *c);
/* Releases what a finished run held: timers, subscriptions, GPIO callbacks, queued events. */
void ocre_container_cleanup(struct ocre_container *c);
void ocre_container_gpio_release(struct ocre_container *c);

/* ---- capabilities ----------------------------------------------------------------------- */
bool ocre_cap_allowed(uint32_t held, uint32_t needed);
/*
 * Whether the container may use a GPIO line: one its meta.gpio_allow names (alias or
 * "port:pin"); without a list, any line under "ocre:api" (upstream's rule) and the board's
 * aliased lines (led0..3, sw0..3) under "gpio".
 */
bool ocre_gpio_allowed(const struct ocre_container *c, uint32_t port, uint32_t pin);
/* 0, or -EPERM after logging once per container and call. */
int ocre_cap_check(struct ocre_container *c, enum ocre_abi_index fn);

/* ---- restart policy (back-off constants: ocre/ocre_abi.h) -------------------------------- */

bool ocre_restart_wanted(enum ocre_restart_policy policy, int32_t exit_code, bool stopped);
uint32_t ocre_restart_delay_ms(uint32_t failures);
/* The exit code of a finished run. */
int32_t ocre_exit_code(bool returned, bool killed, bool proc_exited, int32_t proc_exit_code);

/* ---- the ABI, on offsets into the caller's memory (ocre_api.c), one per import ----- */
int32_t ocre_api_uname(struct ocre_container *c, const struct ocre_mem *m, uint32_t buf);
int32_t ocre_api_ocre_sleep(struct ocre_container *c, int32_t ms);
int32_t ocre_api_ocre_get_event(struct ocre_container *c, const struct ocre_mem *m,
				const uint32_t out[6]);
int32_t ocre_api_ocre_register_dispatcher(struct ocre_container *c, const struct ocre_mem *m,
					  int32_t type, uint32_t name);
int32_t ocre_api_ocre_timer_create(struct ocre_container *c, int32_t id);
int32_t ocre_api_ocre_timer_delete(struct ocre_container *c, int32_t id);
int32_t ocre_api_ocre_timer_start(struct ocre_container *c, int32_t id, int32_t ms,
				  int32_t periodic);
int32_t ocre_api_ocre_timer_stop(struct ocre_container *c, int32_t id);
int32_t ocre_api_ocre_timer_get_remaining(struct ocre_container *c, int32_t id);
int32_t ocre_api_ocre_publish_message(struct ocre_container *c, const struct ocre_mem *m,
				      uint32_t topic, uint32_t ctype, uint32_t payload,
				      int32_t len);
int32_t ocre_api_ocre_subscribe_message(struct ocre_container *c, const struct ocre_mem *m,
					uint32_t prefix);
int32_t ocre_api_ocre_messaging_free_module_event_data(struct ocre_container *c, uint32_t topic,
						       uint32_t ctype, uint32_t payload);
int32_t ocre_api_ocre_sensors_init(struct ocre_container *c);
int32_t ocre_api_ocre_sensors_discover(struct ocre_container *c);
int32_t ocre_api_ocre_sensors_open(struct ocre_container *c, int32_t handle);
int32_t ocre_api_ocre_sensors_get_handle(struct ocre_container *c, int32_t id);
int32_t ocre_api_ocre_sensors_get_channel_count(struct ocre_container *c, int32_t handle);
int32_t ocre_api_ocre_sensors_get_channel_type(struct ocre_container *c, int32_t handle,
					       int32_t ch);
double ocre_api_ocre_sensors_read(struct ocre_container *c, int32_t handle, int32_t type);
int32_t ocre_api_ocre_sensors_open_by_name(struct ocre_container *c, const struct ocre_mem *m,
					   uint32_t name);
int32_t ocre_api_ocre_sensors_get_handle_by_name(struct ocre_container *c, const struct ocre_mem *m,
						 uint32_t name);
int32_t ocre_api_ocre_sensors_get_channel_count_by_name(struct ocre_container *c,
							const struct ocre_mem *m, uint32_t name);
int32_t ocre_api_ocre_sensors_get_channel_type_by_name(struct ocre_container *c,
						       const struct ocre_mem *m, uint32_t name,
						       int32_t ch);
double ocre_api_ocre_sensors_read_by_name(struct ocre_container *c, const struct ocre_mem *m,
					  uint32_t name, int32_t type);
int32_t ocre_api_ocre_sensors_get_list(struct ocre_container *c, const struct ocre_mem *m,
				       uint32_t prefix, int32_t max);
int32_t ocre_api_ocre_gpio_init(struct ocre_container *c);
int32_t ocre_api_ocre_gpio_configure(struct ocre_container *c, int32_t port, int32_t pin,
				     int32_t dir);
int32_t ocre_api_ocre_gpio_pin_set(struct ocre_container *c, int32_t port, int32_t pin,
				   int32_t state);
int32_t ocre_api_ocre_gpio_pin_get(struct ocre_container *c, int32_t port, int32_t pin);
int32_t ocre_api_ocre_gpio_pin_toggle(struct ocre_container *c, int32_t port, int32_t pin);
int32_t ocre_api_ocre_gpio_register_callback(struct ocre_container *c, int32_t port, int32_t pin);
int32_t ocre_api_ocre_gpio_unregister_callback(struct ocre_container *c, int32_t port, int32_t pin);
int32_t ocre_api_ocre_gpio_configure_by_name(struct ocre_container *c, const struct ocre_mem *m,
					     uint32_t name, int32_t dir);
int32_t ocre_api_ocre_gpio_set_by_name(struct ocre_container *c, const struct ocre_mem *m,
				       uint32_t name, int32_t state);
int32_t ocre_api_ocre_gpio_get_by_name(struct ocre_container *c, const struct ocre_mem *m,
				       uint32_t name);
int32_t ocre_api_ocre_gpio_toggle_by_name(struct ocre_container *c, const struct ocre_mem *m,
					  uint32_t name);
int32_t ocre_api_ocre_gpio_register_callback_by_name(struct ocre_container *c,
						     const struct ocre_mem *m, uint32_t name);
int32_t ocre_api_ocre_gpio_unregister_callback_by_name(struct ocre_container *c,
						       const struct ocre_mem *m, uint32_t name);

/* ---- minimal WASI preview 1 (ocre_wasi.c); results are WASI errno values --------------- */
#define OCRE_WASI_ESUCCESS     0
#define OCRE_WASI_EACCES       2
#define OCRE_WASI_EBADF        8
#define OCRE_WASI_EEXIST       20
#define OCRE_WASI_EFAULT       21
#define OCRE_WASI_EFBIG        22
#define OCRE_WASI_EINVAL       28
#define OCRE_WASI_EIO          29
#define OCRE_WASI_EISDIR       31
#define OCRE_WASI_EMFILE       33
#define OCRE_WASI_ENAMETOOLONG 37
#define OCRE_WASI_ENOENT       44
#define OCRE_WASI_ENOSPC       51
#define OCRE_WASI_ENOSYS       52
#define OCRE_WASI_ENOTDIR      54
#define OCRE_WASI_ENOTEMPTY    55
#define OCRE_WASI_ENOTSUP      58
#define OCRE_WASI_OVERFLOW     61
#define OCRE_WASI_ENOTCAPABLE  76

int32_t ocre_wasi_fd_write(struct ocre_container *c, const struct ocre_mem *m, int32_t fd,
			   uint32_t iovs, uint32_t iovs_len, uint32_t nwritten);
int32_t ocre_wasi_fd_fdstat_get(const struct ocre_mem *m, int32_t fd, uint32_t out);
int32_t ocre_wasi_fd_prestat_get(int32_t fd);
int32_t ocre_wasi_clock_time_get(const struct ocre_mem *m, int32_t id, uint32_t out);
int32_t ocre_wasi_clock_res_get(const struct ocre_mem *m, int32_t id, uint32_t out);
int32_t ocre_wasi_random_get(const struct ocre_mem *m, uint32_t buf, uint32_t len);
/* args_* and environ_* share the layout: a list of C strings copied into the caller. */
int32_t ocre_wasi_list_sizes(const struct ocre_mem *m, const char *const *list, uint32_t n,
			     uint32_t count_out, uint32_t size_out);
int32_t ocre_wasi_list_get(const struct ocre_mem *m, const char *const *list, uint32_t n,
			   uint32_t ptrs, uint32_t buf);
void ocre_wasi_proc_exit(struct ocre_container *c, int32_t code);

/* WASI files (ocre_wasi_fs.c, OCRE_HAS_WASI_FS): fd 3 is the preopen "/", files from fd 4. */
enum ocre_wasi_fs_op {
	OCRE_WASI_FS_MKDIR,
	OCRE_WASI_FS_UNLINK,
	OCRE_WASI_FS_RMDIR,
};
void ocre_wasi_fs_close_all(struct ocre_container *c);
int32_t ocre_wasi_fs_prestat_get(struct ocre_container *c, const struct ocre_mem *m, int32_t fd,
				 uint32_t out);
int32_t ocre_wasi_fs_prestat_dir_name(struct ocre_container *c, const struct ocre_mem *m,
				      int32_t fd, uint32_t buf, uint32_t len);
int32_t ocre_wasi_fs_path_open(struct ocre_container *c, const struct ocre_mem *m, int32_t dirfd,
			       uint32_t path, uint32_t path_len, uint32_t oflags,
			       uint64_t rights, uint32_t fdflags, uint32_t fd_out);
int32_t ocre_wasi_fs_rw(struct ocre_container *c, const struct ocre_mem *m, int32_t fd,
			uint32_t iovs, uint32_t n, uint32_t done_out, bool write);
int32_t ocre_wasi_fs_seek(struct ocre_container *c, const struct ocre_mem *m, int32_t fd,
			  int64_t offset, uint32_t whence, uint32_t out);
int32_t ocre_wasi_fs_tell(struct ocre_container *c, const struct ocre_mem *m, int32_t fd,
			  uint32_t out);
int32_t ocre_wasi_fs_close(struct ocre_container *c, int32_t fd);
int32_t ocre_wasi_fs_renumber(struct ocre_container *c, int32_t from, int32_t to);
int32_t ocre_wasi_fs_fdstat_get(struct ocre_container *c, const struct ocre_mem *m, int32_t fd,
				uint32_t out);
int32_t ocre_wasi_fs_filestat_get(struct ocre_container *c, const struct ocre_mem *m, int32_t fd,
				  uint32_t out);
int32_t ocre_wasi_fs_path_filestat_get(struct ocre_container *c, const struct ocre_mem *m,
				       int32_t dirfd, uint32_t path, uint32_t len, uint32_t out);
int32_t ocre_wasi_fs_path_op(struct ocre_container *c, const struct ocre_mem *m, int32_t dirfd,
			     uint32_t path, uint32_t len, enum ocre_wasi_fs_op op);
int32_t ocre_wasi_fs_readdir(struct ocre_container *c, const struct ocre_mem *m, int32_t fd,
			     uint32_t buf, uint32_t len, uint64_t cookie, uint32_t used_out);

/* ---- raw native calls (ocre_dispatch.c) -------------------------------------------------- */
/*
 * Runs import `fn` (index in ocre_abi.def / ocre_wasi.def) with its arguments in 64-bit slots
 * (i32 values; native addresses for "*" and "$"), leaving the result in slot 0, with the
 * capability check and the watchdog's host-call marks. ocre_dispatch_wasi returns true when
 * the module called proc_exit and must be unwound.
 */
void ocre_dispatch_env(struct ocre_container *c, const struct ocre_mem *m, unsigned int fn,
		       uint64_t *args);
bool ocre_dispatch_wasi(struct ocre_container *c, const struct ocre_mem *m, unsigned int fn,
			uint64_t *args);

/* ---- device health (ocre_health.c): lifecycle and fault events on ocre/health/<event>/<name> */
/* Event names, in the order of enum ocre_health_event (ocre/ocre.h). */
extern const char *const ocre_health_names[OCRE_HEALTH_COUNT];
/*
 * Delivers a runtime-made message to every running subscriber (thread context). Returns the
 * number of receivers that queued it.
 */
int ocre_bus_publish(const char *topic, const char *ctype, const void *payload, uint32_t len);

/* ---- the engine: WAMR in the firmware (wamr/), a stand-in in the host tests -------------- */
int ocre_engine_init(void);
int ocre_engine_load(struct ocre_container *c);
void ocre_engine_unload(struct ocre_container *c);
int ocre_engine_instantiate(struct ocre_container *c);
void ocre_engine_deinstantiate(struct ocre_container *c);
/*
 * Runs the entry point; true if it returned (or called proc_exit), false on a trap, whose
 * reason (e.g. "unreachable") it leaves in c->trap_reason.
 */
bool ocre_engine_run(struct ocre_container *c);
/* Asks a running instance to stop (from another thread); it traps at its next check. */
void ocre_engine_terminate(struct ocre_container *c);
int ocre_engine_mem(struct ocre_container *c, struct ocre_mem *m);
uint32_t ocre_engine_guest_alloc(struct ocre_container *c, uint32_t size); /* 0 on failure */
void ocre_engine_guest_free(struct ocre_container *c, uint32_t offset);
bool ocre_engine_has_export(struct ocre_container *c, const char *name);
void *ocre_engine_host_alloc(size_t size);
void ocre_engine_host_free(void *ptr);
void ocre_engine_thread_begin(void);
void ocre_engine_thread_end(void);

/* Host-call bookkeeping for the watchdog, around every native call. */
void ocre_host_enter(struct ocre_container *c);
void ocre_host_leave(struct ocre_container *c);

/* The supervisor's watchdog pass: terminates runs stuck longer than limit_ms. */
void ocre_watchdog_scan(uint64_t now_ms, uint32_t limit_ms);

#endif /* OCRE_INTERNAL_H_ */
