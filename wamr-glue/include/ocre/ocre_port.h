/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * What the portable core needs from an RTOS. Objects are named by small indexes instead of
 * handles so that a port can keep them in static arrays (Zephyr: K_THREAD_STACK_ARRAY_DEFINE,
 * k_timer arrays) and the core stays free of RTOS types.
 *
 * Context rules: ocre_port_lock/unlock, ocre_port_wake and the ocre_core_* callbacks may run in
 * interrupt context; everything else runs in thread context.
 */

#ifndef OCRE_OCRE_PORT_H_
#define OCRE_OCRE_PORT_H_

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OCRE_PORT_FOREVER UINT32_MAX

enum ocre_log_level {
	OCRE_LOG_ERR = 1,
	OCRE_LOG_WRN = 2,
	OCRE_LOG_INF = 3,
	OCRE_LOG_DBG = 4,
};

/* Time */
uint64_t ocre_port_uptime_ms(void);
uint64_t ocre_port_monotonic_ns(void);
uint64_t ocre_port_realtime_ns(void); /* wall clock; uptime-based where there is none */
int ocre_port_random(void *buf, size_t len);
/* A free-running counter for the latency probe (Zephyr: k_cycle_get_32), and its unit. */
uint32_t ocre_port_cycles(void);
uint32_t ocre_port_cycles_to_us(uint32_t cycles);

/* One short critical section for the whole core; usable from interrupts (Zephyr: spinlock). */
unsigned int ocre_port_lock(void);
void ocre_port_unlock(unsigned int key);

/*
 * Binary semaphores, one per slot (OCRE_SLOT_* in the core): slots 0..max_containers-1 belong
 * to the containers. Wait returns 0 when woken, -EAGAIN on timeout. Every object behind a
 * slot must exist before the first ocre_* call (static or SYS_INIT on Zephyr): nothing is
 * created lazily, so no two threads can race to create it.
 */
int ocre_port_wait(unsigned int slot, uint32_t timeout_ms);
void ocre_port_wake(unsigned int slot);
void ocre_port_yield(void);
void ocre_port_sleep_ms(uint32_t ms);

/* Sleeping mutexes, one per slot (thread context only): guard a container's engine instance. */
void ocre_port_mutex_lock(unsigned int slot);
void ocre_port_mutex_unlock(unsigned int slot);

/*
 * Threads, one per slot as above; slot max_containers is the supervisor (restart back-off and
 * the watchdog). A slot's thread is started again only after its entry returned.
 */
int ocre_port_thread_start(unsigned int slot, void (*entry)(void *arg), void *arg);

/* Timers, slot = container * max_timers + (timer id - 1); expiry calls ocre_core_timer_expired. */
int ocre_port_timer_start(unsigned int slot, uint32_t interval_ms, bool periodic);
void ocre_port_timer_stop(unsigned int slot);
uint32_t ocre_port_timer_remaining_ms(unsigned int slot);
void ocre_core_timer_expired(unsigned int slot);

/* GPIO: port is a controller index, pin its line. Edges call ocre_core_gpio_changed. */
int ocre_port_gpio_configure(uint32_t port, uint32_t pin, bool output);
int ocre_port_gpio_set(uint32_t port, uint32_t pin, bool level);
int ocre_port_gpio_get(uint32_t port, uint32_t pin); /* 0/1 or -errno */
int ocre_port_gpio_toggle(uint32_t port, uint32_t pin);
int ocre_port_gpio_irq(uint32_t port, uint32_t pin, bool enable);
int ocre_port_gpio_lookup(const char *name, uint32_t *port, uint32_t *pin); /* e.g. "led0" */
/* Whether the board has that line (an installed image's GPIO allow-list is checked with it). */
bool ocre_port_gpio_exists(uint32_t port, uint32_t pin);
void ocre_core_gpio_changed(uint32_t port, uint32_t pin, int level);
/* The same for a change the port saw at `cycles` (ocre_port_cycles) and reports later. */
void ocre_core_gpio_changed_at(uint32_t port, uint32_t pin, int level, uint32_t cycles);

/*
 * Sensors, by index 0..count-1 in discovery order. channel_type maps a channel index to its
 * type (a Zephyr SENSOR_CHAN_* value); a read names the channel by that type, as upstream's
 * ABI does, and the core passes only a type that channel_type reported for the sensor.
 */
int ocre_port_sensor_count(void);
const char *ocre_port_sensor_name(int sensor);
int ocre_port_sensor_channel_count(int sensor);
int ocre_port_sensor_channel_type(int sensor, int channel);
int ocre_port_sensor_read(int sensor, int type, double *value);

/* Identity for uname: sysname, nodename, release, version, machine. */
const char *ocre_port_uname_field(int field);

/*
 * Crypto for signature checking (CONFIG_OCRE_VERIFY only): SHA-256, and ECDSA P-256 verification
 * of a 32-byte hash with a raw r||s signature (64 bytes) against an uncompressed point (65 bytes).
 * Verify returns 0 for a valid signature, -EBADMSG-like negative values otherwise.
 */
int ocre_port_sha256(const uint8_t *data, size_t len, uint8_t hash[32]);
int ocre_port_ecdsa_p256_verify(const uint8_t key[65], const uint8_t hash[32], const uint8_t sig[64]);

/*
 * Incremental SHA-256 for data that never sits in RAM at once (a layer streamed to flash, the
 * container store's read-back check). The context is the port's own, kept in this opaque,
 * aligned block (a port checks at build time that its context fits); every begin is paired
 * with one end, which also releases what begin took.
 */
struct ocre_sha256 {
	uint64_t opaque[32];
};
int ocre_port_sha256_begin(struct ocre_sha256 *ctx);
int ocre_port_sha256_update(struct ocre_sha256 *ctx, const void *data, size_t len);
int ocre_port_sha256_end(struct ocre_sha256 *ctx, uint8_t hash[32]); /* NULL hash: discard */

/*
 * Files for WASI (OCRE_WASI_FS only). Paths are relative to the port's own root (Zephyr:
 * CONFIG_OCRE_WASI_FS_ROOT), "/"-separated, and made by the core after it checked them: no
 * "..", no empty or "." component, bounded by OCRE_WASI_FS_PATH_MAX. Handles are the port's
 * (small indexes). Results are 0 or -errno (read/write: bytes or -errno). stat does not follow
 * a symbolic link: it reports OCRE_FS_LINK, and the core refuses the path.
 */
enum ocre_fs_type {
	OCRE_FS_OTHER = 0,
	OCRE_FS_FILE,
	OCRE_FS_DIR,
	OCRE_FS_LINK,
};
#define OCRE_FS_O_READ   (1u << 0)
#define OCRE_FS_O_WRITE  (1u << 1)
#define OCRE_FS_O_CREATE (1u << 2)
#define OCRE_FS_O_EXCL   (1u << 3)
#define OCRE_FS_O_TRUNC  (1u << 4)
int ocre_port_fs_stat(const char *path, enum ocre_fs_type *type, uint64_t *size);
int ocre_port_fs_open(const char *path, uint32_t flags, int *handle);
int ocre_port_fs_read(int handle, uint64_t offset, void *buf, size_t len);
int ocre_port_fs_write(int handle, uint64_t offset, const void *buf, size_t len);
int ocre_port_fs_size(int handle, uint64_t *size);
int ocre_port_fs_close(int handle);
int ocre_port_fs_mkdir(const char *path);
int ocre_port_fs_unlink(const char *path); /* a file */
int ocre_port_fs_rmdir(const char *path);  /* an empty directory */
/* The index-th entry of a directory (no "." or ".."): 1 and its name and type, 0 past the end. */
int ocre_port_fs_dirent(const char *path, uint32_t index, char *name, size_t name_len,
			enum ocre_fs_type *type);

/* Console (container stdout/stderr) and the runtime's own log. */
void ocre_port_console_write(const char *buf, size_t len);
void ocre_port_vlog(enum ocre_log_level level, const char *fmt, va_list ap);

#ifdef __cplusplus
}
#endif

#endif /* OCRE_OCRE_PORT_H_ */
