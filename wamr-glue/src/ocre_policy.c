/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Pure decisions: capabilities, topic matching, exit codes and restarts.
 */

#include <string.h>

#include "ocre_internal.h"

bool ocre_cap_allowed(uint32_t held, uint32_t needed)
{
	/* "ocre:api" grants the whole API so that upstream containers run unchanged. */
	return needed == 0 || (held & OCRE_CAP_API) != 0 || (held & needed) == needed;
}

/* Whether the firmware was built with the feature behind a capability (Kconfig). */
static bool feature_built(uint32_t cap)
{
	switch (cap) {
	case OCRE_CAP_TIMERS:
		return OCRE_HAS_TIMERS;
	case OCRE_CAP_GPIO:
		return OCRE_HAS_GPIO;
	case OCRE_CAP_SENSORS:
		return OCRE_HAS_SENSORS;
	case OCRE_CAP_MESSAGING:
		return OCRE_HAS_MESSAGING;
	default:
		return true;
	}
}

int ocre_cap_check(struct ocre_container *c, enum ocre_abi_index fn)
{
	uint32_t needed = ocre_abi_caps[fn];

	if (!feature_built(needed)) {
		return -OCRE_ENOSYS;
	}

	if (ocre_cap_allowed(c->meta.capabilities, needed)) {
		return 0;
	}
	if ((c->warned & ((uint64_t)1 << fn)) == 0) {
		c->warned |= (uint64_t)1 << fn;
		ocre_log(OCRE_LOG_WRN, "%s: %s denied: capability missing", c->meta.name,
			 ocre_abi_names[fn]);
	}
	return -OCRE_EPERM;
}

/* Parses "port:pin" (decimal); false for anything else. */
static bool parse_line(const char *s, uint32_t *port, uint32_t *pin)
{
	uint32_t v[2] = {0, 0};
	int field = 0, digits = 0;

	for (; *s != '\0'; s++) {
		if (*s == ':' && field == 0 && digits > 0) {
			field = 1;
			digits = 0;
		} else if (*s >= '0' && *s <= '9' && digits < 6) {
			v[field] = v[field] * 10u + (uint32_t)(*s - '0');
			digits++;
		} else {
			return false;
		}
	}
	*port = v[0];
	*pin = v[1];
	return field == 1 && digits > 0;
}

static bool names_line(const char *entry, uint32_t port, uint32_t pin)
{
	uint32_t po, pi;

	if (parse_line(entry, &po, &pi) || ocre_port_gpio_lookup(entry, &po, &pi) == 0) {
		return po == port && pi == pin;
	}
	return false;
}

bool ocre_gpio_allowed(const struct ocre_container *c, uint32_t port, uint32_t pin)
{
	static const char *const board_aliases[] = {"led0", "led1", "led2", "led3",
						    "sw0",  "sw1",  "sw2",  "sw3"};

	if (c->meta.gpio_allow != NULL) {
		for (uint32_t i = 0; i < c->meta.gpio_allow_count; i++) {
			if (c->meta.gpio_allow[i] != NULL &&
			    names_line(c->meta.gpio_allow[i], port, pin)) {
				return true;
			}
		}
		return false;
	}
	if ((c->meta.capabilities & OCRE_CAP_API) != 0) {
		return true;
	}
	for (size_t i = 0; i < sizeof(board_aliases) / sizeof(board_aliases[0]); i++) {
		if (names_line(board_aliases[i], port, pin)) {
			return true;
		}
	}
	return false;
}

bool ocre_topic_matches(const char *prefix, const char *topic)
{
	size_t n = strlen(prefix);

	return strncmp(prefix, topic, n) == 0;
}

int32_t ocre_exit_code(bool returned, bool killed, bool proc_exited, int32_t proc_exit_code)
{
	if (proc_exited) {
		return proc_exit_code;
	}
	if (killed) {
		return OCRE_EXIT_KILLED;
	}
	return returned ? 0 : OCRE_EXIT_TRAP;
}

bool ocre_restart_wanted(enum ocre_restart_policy policy, int32_t exit_code, bool stopped)
{
	if (stopped) {
		return false;
	}
	switch (policy) {
	case OCRE_RESTART_ALWAYS:
		return true;
	case OCRE_RESTART_ON_FAILURE:
		return exit_code != 0;
	default:
		return false;
	}
}

uint32_t ocre_restart_delay_ms(uint32_t failures)
{
	/* 100 ms, doubling per consecutive failure, capped (as Docker and systemd do). */
	if (failures >= 16) {
		return OCRE_BACKOFF_MAX_MS;
	}
	uint32_t delay = OCRE_BACKOFF_BASE_MS << failures;

	return delay > OCRE_BACKOFF_MAX_MS ? OCRE_BACKOFF_MAX_MS : delay;
}
