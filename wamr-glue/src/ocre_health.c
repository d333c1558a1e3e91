/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Device health: lifecycle and fault events as messages on "ocre/health/<event>/<container>",
 * so that a container with the messaging capability can watch the others, and as log lines.
 * The payload format is defined once in cli/abi/health.ts (the simulator emits the same
 * lines; test/c/test_health.c and test/sim-health.test.ts check both against it).
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <ocre/ocre_logring.h>

#include "ocre_internal.h"

#define HEALTH_TOPIC_PREFIX "ocre/health/"
#define HEALTH_CTYPE        "text/plain"
#define HEALTH_LINE_BYTES   256

const char *const ocre_health_names[OCRE_HEALTH_COUNT] = {
#define OCRE_HEALTH_EVENT(id, name, fields) [OCRE_HEALTH_##id] = name,
#include <ocre/ocre_health.def>
#undef OCRE_HEALTH_EVENT
};

/* Thread context only (it formats and takes the bus mutex): never from an interrupt. */
void ocre_health_emit(enum ocre_health_event event, const char *container, const char *fmt, ...)
{
	char topic[sizeof(HEALTH_TOPIC_PREFIX) + 16 + OCRE_MAX_NAME_BYTES + 1];
	char line[HEALTH_LINE_BYTES];

	if ((unsigned int)event >= OCRE_HEALTH_COUNT || container == NULL) {
		return;
	}
	const char *name = ocre_health_names[event];
	int n = snprintf(line, sizeof(line), "event=%s container=%s uptime_ms=%llu", name,
			 container, (unsigned long long)ocre_port_uptime_ms());

	int fields = -1; /* where the event's own fields start in line */

	if (n > 0 && (size_t)n < sizeof(line) - 1 && fmt != NULL) {
		va_list ap;

		line[n++] = ' ';
		fields = n;
		va_start(ap, fmt);
		(void)vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	(void)snprintf(topic, sizeof(topic), HEALTH_TOPIC_PREFIX "%s/%.*s", name,
		       OCRE_MAX_NAME_BYTES, container);
	ocre_log(event == OCRE_HEALTH_STARTED || event == OCRE_HEALTH_EXITED ? OCRE_LOG_INF
									      : OCRE_LOG_WRN,
		 "health %s", line);
#if OCRE_HAS_LOG_RING
	/* The ring's entry has the container and the uptime: it keeps "event=<name> <fields>". */
	char kept[OCRE_LOGRING_TEXT_BYTES + 8];
	int k = snprintf(kept, sizeof(kept), "event=%s%s%s", name, fields > 0 ? " " : "",
			 fields > 0 ? line + fields : "");

	if (k > 0) {
		ocre_logring_add(OCRE_LOGRING_HEALTH, container, kept, (size_t)k);
	}
#else
	(void)fields;
#endif
#if OCRE_HAS_MESSAGING
	(void)ocre_bus_publish(topic, HEALTH_CTYPE, line, (uint32_t)strlen(line));
#endif
}
