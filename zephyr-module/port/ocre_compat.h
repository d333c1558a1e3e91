/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Differences between the Zephyr versions the port supports (3.7 LTS and 4.x).
 */

#ifndef OCRE_COMPAT_H_
#define OCRE_COMPAT_H_

#include <zephyr/version.h>

/* 4.0 added DEVICE_API_IS(): sensors can then be found among all devices. */
#if KERNEL_VERSION_NUMBER >= ZEPHYR_VERSION(4, 0, 0)
#define OCRE_HAS_DEVICE_API_IS 1
#else
#define OCRE_HAS_DEVICE_API_IS 0
#endif

/* Random numbers: the random subsystem exists only with an entropy source configured. */
#if defined(CONFIG_ENTROPY_HAS_DRIVER) || defined(CONFIG_TEST_RANDOM_GENERATOR) ||                 \
	defined(CONFIG_TIMER_RANDOM_GENERATOR) || defined(CONFIG_XOSHIRO_RANDOM_GENERATOR)
#define OCRE_HAS_SYS_RAND 1
#else
#define OCRE_HAS_SYS_RAND 0
#endif

#endif /* OCRE_COMPAT_H_ */
