/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Limits and features. On Zephyr they come from Kconfig (CONFIG_OCRE_*, force-included by the
 * build); elsewhere (host tests, other RTOSes) from -D flags, else the defaults of the ABI
 * contract (ocre_limits.h, generated from cli/abi/contract.ts).
 */

#ifndef OCRE_CONFIG_H_
#define OCRE_CONFIG_H_

#include "ocre_limits.h"

/* Log WAMR's pool use after each instantiation: debug builds only (it costs flash). */
#if defined(CONFIG_OCRE_LOG_LEVEL) && CONFIG_OCRE_LOG_LEVEL >= 4
#define OCRE_LOG_POOL_USE 1
#elif !defined(OCRE_LOG_POOL_USE)
#define OCRE_LOG_POOL_USE 0
#endif

/*
 * Features: with Kconfig only what is enabled; without it everything but what -DOCRE_<F>=0
 * leaves out (a POSIX device built without GPIO, test/c).
 */
#if (defined(CONFIG_OCRE) && !defined(CONFIG_OCRE_TIMERS)) || (defined(OCRE_TIMERS) && !OCRE_TIMERS)
#define OCRE_HAS_TIMERS 0
#else
#define OCRE_HAS_TIMERS 1
#endif
#if (defined(CONFIG_OCRE) && !defined(CONFIG_OCRE_GPIO)) || (defined(OCRE_GPIO) && !OCRE_GPIO)
#define OCRE_HAS_GPIO 0
#else
#define OCRE_HAS_GPIO 1
#endif
/* GPIO edge events (ocre_gpio_register_callback*), a part of GPIO: Kconfig OCRE_GPIO_EVENTS. */
#if !OCRE_HAS_GPIO || (defined(CONFIG_OCRE) && !defined(CONFIG_OCRE_GPIO_EVENTS))
#define OCRE_HAS_GPIO_EVENTS 0
#else
#define OCRE_HAS_GPIO_EVENTS 1
#endif
#if (defined(CONFIG_OCRE) && !defined(CONFIG_OCRE_SENSORS)) || (defined(OCRE_SENSORS) && !OCRE_SENSORS)
#define OCRE_HAS_SENSORS 0
#else
#define OCRE_HAS_SENSORS 1
#endif
#if (defined(CONFIG_OCRE) && !defined(CONFIG_OCRE_MESSAGING)) || (defined(OCRE_MESSAGING) && !OCRE_MESSAGING)
#define OCRE_HAS_MESSAGING 0
#else
#define OCRE_HAS_MESSAGING 1
#endif
#if defined(CONFIG_OCRE_WASI_FULL) || defined(OCRE_WASI_FULL)
#define OCRE_HAS_WASI_FULL 1
#else
#define OCRE_HAS_WASI_FULL 0
#endif
/*
 * WASI files for the minimal WASI (ocre_wasi_fs.c): Kconfig CONFIG_OCRE_WASI_FS on Zephyr,
 * -DOCRE_WASI_FS=1 elsewhere (the port provides ocre_port_fs_*).
 */
#if defined(CONFIG_OCRE_WASI_FS) || (defined(OCRE_WASI_FS) && OCRE_WASI_FS)
#define OCRE_HAS_WASI_FS 1
#else
#define OCRE_HAS_WASI_FS 0
#endif
#if defined(CONFIG_OCRE_WASI_FS_MAX_FILES)
#define OCRE_WASI_FS_MAX_FILES CONFIG_OCRE_WASI_FS_MAX_FILES
#elif !defined(OCRE_WASI_FS_MAX_FILES)
#define OCRE_WASI_FS_MAX_FILES 4
#endif
#if defined(CONFIG_OCRE_WASI_FS_MAX_FILE_SIZE)
#define OCRE_WASI_FS_MAX_FILE_BYTES CONFIG_OCRE_WASI_FS_MAX_FILE_SIZE
#elif !defined(OCRE_WASI_FS_MAX_FILE_BYTES)
#define OCRE_WASI_FS_MAX_FILE_BYTES 65536u
#endif
/* A port path ("<container>/<guest path>", NUL included) and one directory entry's name. */
#if defined(CONFIG_OCRE_WASI_FS_PATH_MAX)
#define OCRE_WASI_FS_PATH_MAX CONFIG_OCRE_WASI_FS_PATH_MAX
#elif !defined(OCRE_WASI_FS_PATH_MAX)
#define OCRE_WASI_FS_PATH_MAX 128
#endif
#define OCRE_WASI_FS_NAME_MAX 64
/*
 * Signature checking before a container is loaded: Kconfig CONFIG_OCRE_VERIFY on Zephyr,
 * -DOCRE_VERIFY=1 elsewhere (it needs the port's ocre_port_sha256/ecdsa_p256_verify).
 */
#if defined(CONFIG_OCRE_VERIFY) || (defined(OCRE_VERIFY) && OCRE_VERIFY)
#define OCRE_HAS_VERIFY 1
#else
#define OCRE_HAS_VERIFY 0
#endif
#ifdef CONFIG_OCRE_MAX_TRUSTED_KEYS
#define OCRE_MAX_TRUSTED_KEYS CONFIG_OCRE_MAX_TRUSTED_KEYS
#elif !defined(OCRE_MAX_TRUSTED_KEYS)
#define OCRE_MAX_TRUSTED_KEYS 4
#endif

/* The device agent's registry client: CONFIG_OCRE_AGENT_PULL on Zephyr; elsewhere built in. */
#if defined(CONFIG_OCRE) && !defined(CONFIG_OCRE_AGENT_PULL)
#define OCRE_HAS_AGENT_PULL 0
#else
#define OCRE_HAS_AGENT_PULL 1
#endif

/*
 * The log ring (ocre_logring.c): recent health events and container output lines in RAM, for
 * `ocre device logs` and the shell. CONFIG_OCRE_LOG_RING on Zephyr (default on with the agent);
 * elsewhere built in.
 */
#if defined(CONFIG_OCRE) && !defined(CONFIG_OCRE_LOG_RING)
#define OCRE_HAS_LOG_RING 0
#else
#define OCRE_HAS_LOG_RING 1
#endif

/* Longest topic and content type accepted by publish, in bytes without the NUL. */
#define OCRE_MAX_TOPIC_BYTES OCRE_MAX_TOPIC_SIZE
#if defined(CONFIG_OCRE_LATENCY_PROBE) || defined(OCRE_LATENCY_PROBE)
#define OCRE_HAS_LATENCY_PROBE 1
#else
#define OCRE_HAS_LATENCY_PROBE 0
#endif

/* Longest trap reason kept for the health event and the shell. */
#define OCRE_TRAP_REASON_BYTES 48
/* Overflow reports (log and health event) while a run goes on: at most one per this period. */
#define OCRE_OVERFLOW_REPORT_MS 1000

#endif /* OCRE_CONFIG_H_ */
