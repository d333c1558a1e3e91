/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Controls of the POSIX port's simulated hardware and output, for tests and host tools.
 */

#ifndef OCRE_PORT_POSIX_H_
#define OCRE_PORT_POSIX_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ocre/ocre_port.h>

#define OCRE_POSIX_GPIO_PORTS 2

/* Drives a simulated pin (as an external signal would); an enabled callback fires on change. */
void ocre_posix_gpio_drive(uint32_t port, uint32_t pin, bool level);
bool ocre_posix_gpio_irq_enabled(uint32_t port, uint32_t pin);

/*
 * Instrumentation for the host tests: how often a slot's wait returned (each return is a
 * wake-up of the waiting thread), how often ocre_port_sleep_ms ran (a poll), and whether the
 * calling thread holds the core's interrupt lock.
 */
unsigned int ocre_posix_wait_returns(unsigned int slot);
unsigned int ocre_posix_sleep_calls(void);
bool ocre_posix_in_lock(void);

typedef void (*ocre_posix_console_hook)(const char *buf, size_t len);
typedef void (*ocre_posix_log_hook)(enum ocre_log_level level, const char *line);

/* Redirects container output / runtime log lines (NULL: back to stdout / stderr). */
void ocre_posix_set_console_hook(ocre_posix_console_hook hook);
void ocre_posix_set_log_hook(ocre_posix_log_hook hook);
/* The folder WASI files live under (ocre_fs_posix.c): <dir>/<container name>/... */
void ocre_posix_set_fs_root(const char *dir);

#endif /* OCRE_PORT_POSIX_H_ */
