/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Limits and features. On Zephyr they come from Kconfig (CONFIG_OCRE_*, force-included by the
 * build); elsewhere (host tests, other RTOSes) from -D flags, else the defaults below.
 */

#ifndef OCRE_CONFIG_H_
#define OCRE_CONFIG_H_

#ifdef CONFIG_OCRE_MAX_CONTAINERS
#define OCRE_MAX_CONTAINERS CONFIG_OCRE_MAX_CONTAINERS
#elif !defined(OCRE_MAX_CONTAINERS)
#define OCRE_MAX_CONTAINERS 4
#endif

#ifdef CONFIG_OCRE_MAX_TIMERS
#define OCRE_MAX_TIMERS CONFIG_OCRE_MAX_TIMERS
#elif !defined(OCRE_MAX_TIMERS)
#define OCRE_MAX_TIMERS 4
#endif

#ifdef CONFIG_OCRE_MAX_SUBSCRIPTIONS
#define OCRE_MAX_SUBSCRIPTIONS CONFIG_OCRE_MAX_SUBSCRIPTIONS
#elif !defined(OCRE_MAX_SUBSCRIPTIONS)
#define OCRE_MAX_SUBSCRIPTIONS 4
#endif

#ifdef CONFIG_OCRE_EVENT_QUEUE_DEPTH
#define OCRE_EVENT_QUEUE_DEPTH CONFIG_OCRE_EVENT_QUEUE_DEPTH
#elif !defined(OCRE_EVENT_QUEUE_DEPTH)
#define OCRE_EVENT_QUEUE_DEPTH 16
#endif

#ifdef CONFIG_OCRE_MAX_MESSAGE_SIZE
#define OCRE_MAX_MESSAGE_SIZE CONFIG_OCRE_MAX_MESSAGE_SIZE
#elif !defined(OCRE_MAX_MESSAGE_SIZE)
#define OCRE_MAX_MESSAGE_SIZE 1024
#endif

#ifdef CONFIG_OCRE_MAX_GPIO_CALLBACKS
#define OCRE_MAX_GPIO_CALLBACKS CONFIG_OCRE_MAX_GPIO_CALLBACKS
#elif !defined(OCRE_MAX_GPIO_CALLBACKS)
#define OCRE_MAX_GPIO_CALLBACKS 4
#endif

#ifdef CONFIG_OCRE_WATCHDOG_MS
#define OCRE_WATCHDOG_MS CONFIG_OCRE_WATCHDOG_MS
#elif !defined(OCRE_WATCHDOG_MS)
#define OCRE_WATCHDOG_MS 5000
#endif

/* Log WAMR's pool use after each instantiation: debug builds only (it costs flash). */
#if defined(CONFIG_OCRE_LOG_LEVEL) && CONFIG_OCRE_LOG_LEVEL >= 4
#define OCRE_LOG_POOL_USE 1
#elif !defined(OCRE_LOG_POOL_USE)
#define OCRE_LOG_POOL_USE 0
#endif

#ifdef CONFIG_OCRE_WAMR_HEAP_POOL_SIZE
#define OCRE_WAMR_HEAP_POOL_SIZE CONFIG_OCRE_WAMR_HEAP_POOL_SIZE
#elif !defined(OCRE_WAMR_HEAP_POOL_SIZE)
#define OCRE_WAMR_HEAP_POOL_SIZE (64 * 1024)
#endif

/* Features: with Kconfig only what is enabled; without it everything. */
#if defined(CONFIG_OCRE) && !defined(CONFIG_OCRE_TIMERS)
#define OCRE_HAS_TIMERS 0
#else
#define OCRE_HAS_TIMERS 1
#endif
#if defined(CONFIG_OCRE) && !defined(CONFIG_OCRE_GPIO)
#define OCRE_HAS_GPIO 0
#else
#define OCRE_HAS_GPIO 1
#endif
#if defined(CONFIG_OCRE) && !defined(CONFIG_OCRE_SENSORS)
#define OCRE_HAS_SENSORS 0
#else
#define OCRE_HAS_SENSORS 1
#endif
#if defined(CONFIG_OCRE) && !defined(CONFIG_OCRE_MESSAGING)
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

/* Longest topic and content type accepted by publish, in bytes without the NUL. */
#define OCRE_MAX_TOPIC_BYTES   127
/* Longest subscription prefix (cli/abi/table.ts MAX_TOPIC_PREFIX_BYTES). */
#define OCRE_MAX_PREFIX_BYTES  63
/* Longest device, sensor or export name taken from a container. */
#define OCRE_MAX_NAME_BYTES    63
/* uname: 6 fields of 80 bytes (upstream's layout; its header's 65 is wrong). */
#define OCRE_UNAME_FIELD_BYTES 80
#define OCRE_UNAME_FIELDS      6
#if defined(CONFIG_OCRE_LATENCY_PROBE) || defined(OCRE_LATENCY_PROBE)
#define OCRE_HAS_LATENCY_PROBE 1
#else
#define OCRE_HAS_LATENCY_PROBE 0
#endif

/* Longest trap reason kept for the health event and the shell. */
#define OCRE_TRAP_REASON_BYTES 48
/* Overflow reports (log and health event) while a run goes on: at most one per this period. */
#define OCRE_OVERFLOW_REPORT_MS 1000
/* Longest single timer interval (upstream's range). */
#define OCRE_TIMER_MAX_MS      65535

#endif /* OCRE_CONFIG_H_ */
