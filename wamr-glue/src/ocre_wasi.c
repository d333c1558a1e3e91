/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The minimal WASI preview 1 set for small boards: console output, clocks, randomness,
 * arguments and environment. Results are WASI errno values (not POSIX ones).
 */

#include <string.h>

#include <ocre/ocre_logring.h>

#include "ocre_internal.h"

#define WASI_IOV_MAX 1024 /* as POSIX IOV_MAX; bounds the iovec array a module can pass */

#define WASI_FILETYPE_CHARACTER_DEVICE 2
#define WASI_RIGHT_FD_READ             (1u << 1)
#define WASI_RIGHT_FD_WRITE            (1u << 6)

int32_t ocre_wasi_fd_write(struct ocre_container *c, const struct ocre_mem *m, int32_t fd,
			   uint32_t iovs, uint32_t iovs_len, uint32_t nwritten)
{
	(void)c; /* used only by the log ring */
	if (fd != 1 && fd != 2) {
		return OCRE_WASI_EBADF;
	}
	if (iovs_len > WASI_IOV_MAX || ocre_mem_range(m, iovs, iovs_len * 8u) == NULL ||
	    ocre_mem_range(m, nwritten, 4) == NULL) {
		return OCRE_WASI_EFAULT;
	}
	/* Validate every buffer before writing any, so a bad iovec writes nothing. */
	uint32_t total = 0;

	for (uint32_t i = 0; i < iovs_len; i++) {
		uint32_t buf, len;

		(void)ocre_mem_get_u32(m, iovs + i * 8u, &buf);
		(void)ocre_mem_get_u32(m, iovs + i * 8u + 4u, &len);
		if (ocre_mem_range(m, buf, len) == NULL) {
			return OCRE_WASI_EFAULT;
		}
		if (total + len < total) {
			return OCRE_WASI_OVERFLOW;
		}
		total += len;
	}
#if OCRE_HAS_LOG_RING
	/* Kept for `ocre device logs` and the shell, a line per entry. */
	struct ocre_logring_line line = {.len = 0};
	enum ocre_logring_kind kind = fd == 1 ? OCRE_LOGRING_STDOUT : OCRE_LOGRING_STDERR;
	const char *name = c != NULL && c->meta.name != NULL ? c->meta.name : "?";
#endif

	for (uint32_t i = 0; i < iovs_len; i++) {
		uint32_t buf, len;

		(void)ocre_mem_get_u32(m, iovs + i * 8u, &buf);
		(void)ocre_mem_get_u32(m, iovs + i * 8u + 4u, &len);
		if (len > 0) {
			ocre_port_console_write((const char *)m->base + buf, len);
#if OCRE_HAS_LOG_RING
			ocre_logring_line_feed(&line, kind, name, (const char *)m->base + buf, len);
#endif
		}
	}
#if OCRE_HAS_LOG_RING
	ocre_logring_line_flush(&line, kind, name);
#endif
	(void)ocre_mem_put_u32(m, nwritten, total);
	return OCRE_WASI_ESUCCESS;
}

int32_t ocre_wasi_fd_fdstat_get(const struct ocre_mem *m, int32_t fd, uint32_t out)
{
	uint8_t *p = ocre_mem_range(m, out, 24);

	if (fd < 0 || fd > 2) {
		return OCRE_WASI_EBADF;
	}
	if (p == NULL) {
		return OCRE_WASI_EFAULT;
	}
	/*
	 * A character device without seek rights: wasi-libc then treats stdout as a terminal
	 * and line-buffers it, so a container's printf shows up before it exits.
	 */
	memset(p, 0, 24);
	p[0] = WASI_FILETYPE_CHARACTER_DEVICE;
	(void)ocre_mem_put_u64(m, out + 8, fd == 0 ? WASI_RIGHT_FD_READ : WASI_RIGHT_FD_WRITE);
	return OCRE_WASI_ESUCCESS;
}

int32_t ocre_wasi_fd_prestat_get(int32_t fd)
{
	/* No preopened directories: EBADF ends wasi-libc's scan (any other error aborts it). */
	(void)fd;
	return OCRE_WASI_EBADF;
}

int32_t ocre_wasi_clock_time_get(const struct ocre_mem *m, int32_t id, uint32_t out)
{
	uint64_t t;

	switch (id) {
	case 0: /* realtime */
		t = ocre_port_realtime_ns();
		break;
	case 1: /* monotonic */
	case 2: /* process CPU time: approximated by the monotonic clock */
	case 3: /* thread CPU time */
		t = ocre_port_monotonic_ns();
		break;
	default:
		return OCRE_WASI_EINVAL;
	}
	return ocre_mem_put_u64(m, out, t) ? OCRE_WASI_ESUCCESS : OCRE_WASI_EFAULT;
}

int32_t ocre_wasi_clock_res_get(const struct ocre_mem *m, int32_t id, uint32_t out)
{
	if (id < 0 || id > 3) {
		return OCRE_WASI_EINVAL;
	}
	return ocre_mem_put_u64(m, out, 1000000u) ? OCRE_WASI_ESUCCESS : OCRE_WASI_EFAULT;
}

int32_t ocre_wasi_random_get(const struct ocre_mem *m, uint32_t buf, uint32_t len)
{
	void *p = ocre_mem_range(m, buf, len);

	if (p == NULL) {
		return OCRE_WASI_EFAULT;
	}
	return ocre_port_random(p, len) == 0 ? OCRE_WASI_ESUCCESS : OCRE_WASI_EIO;
}

static uint32_t list_bytes(const char *const *list, uint32_t n)
{
	uint32_t total = 0;

	for (uint32_t i = 0; i < n; i++) {
		total += (uint32_t)strlen(list[i]) + 1u;
	}
	return total;
}

int32_t ocre_wasi_list_sizes(const struct ocre_mem *m, const char *const *list, uint32_t n,
			     uint32_t count_out, uint32_t size_out)
{
	if (ocre_mem_range(m, count_out, 4) == NULL || ocre_mem_range(m, size_out, 4) == NULL) {
		return OCRE_WASI_EFAULT;
	}
	(void)ocre_mem_put_u32(m, count_out, n);
	(void)ocre_mem_put_u32(m, size_out, list_bytes(list, n));
	return OCRE_WASI_ESUCCESS;
}

int32_t ocre_wasi_list_get(const struct ocre_mem *m, const char *const *list, uint32_t n,
			   uint32_t ptrs, uint32_t buf)
{
	uint32_t total = list_bytes(list, n);
	char *dst = ocre_mem_range(m, buf, total);

	if (ocre_mem_range(m, ptrs, n * 4u) == NULL || dst == NULL) {
		return OCRE_WASI_EFAULT;
	}
	uint32_t off = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = (uint32_t)strlen(list[i]) + 1u;

		(void)ocre_mem_put_u32(m, ptrs + i * 4u, buf + off);
		memcpy(dst + off, list[i], len);
		off += len;
	}
	return OCRE_WASI_ESUCCESS;
}

void ocre_wasi_proc_exit(struct ocre_container *c, int32_t code)
{
	c->proc_exited = true;
	c->proc_exit_code = code;
}
