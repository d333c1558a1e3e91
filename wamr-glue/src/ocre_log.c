/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 */

#include <stdarg.h>

#include "ocre_internal.h"

void ocre_log(enum ocre_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ocre_port_vlog(level, fmt, ap);
	va_end(ap);
}
