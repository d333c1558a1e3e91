/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The device agent's TCP transport (CONFIG_OCRE_AGENT_TCP): SMP frames back to back on a TCP
 * stream (each header carries its body's length), one client at a time, on
 * CONFIG_OCRE_AGENT_TCP_PORT. A frame larger than OCRE_SMP_MAX_FRAME, or a client silent for
 * OCRE_TCP_IDLE_MS in the middle of a frame or between frames, loses its connection: nothing
 * from the network is buffered beyond one frame.
 */

#include <errno.h>

#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/net/socket.h>

#include <ocre/ocre_smp.h>

#include "ocre_agent_zephyr.h"
#include "ocre_internal.h"

LOG_MODULE_REGISTER(ocre_smp_tcp, CONFIG_LOG_DEFAULT_LEVEL);

/* A host that stops mid-session frees the (single) connection after this long. */
#define OCRE_TCP_IDLE_MS 30000

K_THREAD_STACK_DEFINE(tcp_stack, CONFIG_OCRE_AGENT_TCP_STACK_SIZE);
static struct k_thread tcp_thread;
static uint8_t req[OCRE_SMP_MAX_FRAME];
static uint8_t rsp[OCRE_SMP_MAX_FRAME];
static int listen_fd = -1;

/* Reads exactly len bytes: 0, or -1 on close, error or idle timeout. */
static int read_full(int fd, uint8_t *buf, size_t len)
{
	while (len > 0) {
		struct zsock_pollfd p = {.fd = fd, .events = ZSOCK_POLLIN};

		if (zsock_poll(&p, 1, OCRE_TCP_IDLE_MS) <= 0) {
			return -1;
		}
		ssize_t n = zsock_recv(fd, buf, len, 0);

		if (n <= 0) {
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_full(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = zsock_send(fd, buf, len, 0);

		if (n <= 0) {
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void serve(int fd)
{
	for (;;) {
		size_t body;
		size_t out;

		if (read_full(fd, req, OCRE_SMP_HEADER_SIZE) != 0) {
			return;
		}
		body = ocre_smp_frame_len(req);
		if (body > sizeof(req) - OCRE_SMP_HEADER_SIZE) {
			LOG_WRN("frame of %zu bytes refused, closing", body);
			return;
		}
		if (read_full(fd, req + OCRE_SMP_HEADER_SIZE, body) != 0 ||
		    ocre_agent_zephyr_smp(req, OCRE_SMP_HEADER_SIZE + body, rsp, sizeof(rsp),
					  &out) != 0) {
			return;
		}
		if (out > 0 && write_full(fd, rsp, out) != 0) {
			return;
		}
	}
}

static void tcp_entry(void *a, void *b, void *c)
{
	ARG_UNUSED(a);
	ARG_UNUSED(b);
	ARG_UNUSED(c);

	for (;;) {
		struct sockaddr_in peer;
		socklen_t peer_len = sizeof(peer);
		int fd = zsock_accept(listen_fd, (struct sockaddr *)&peer, &peer_len);

		if (fd < 0) {
			k_msleep(100);
			continue;
		}
		serve(fd);
		(void)zsock_close(fd);
	}
}

int ocre_agent_zephyr_tcp_start(void)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(CONFIG_OCRE_AGENT_TCP_PORT),
		.sin_addr = {.s_addr = htonl(INADDR_ANY)},
	};

	if (listen_fd >= 0) {
		return -OCRE_EBUSY;
	}
	listen_fd = zsock_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	if (listen_fd < 0) {
		return -OCRE_ENODEV;
	}
	if (zsock_bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    zsock_listen(listen_fd, 1) != 0) {
		(void)zsock_close(listen_fd);
		listen_fd = -1;
		return -OCRE_ENODEV;
	}
	(void)k_thread_create(&tcp_thread, tcp_stack, K_THREAD_STACK_SIZEOF(tcp_stack), tcp_entry,
			      NULL, NULL, NULL, CONFIG_OCRE_AGENT_THREAD_PRIORITY, 0, K_NO_WAIT);
	k_thread_name_set(&tcp_thread, "ocre_smp_tcp");
	LOG_INF("agent: SMP over TCP on port %d", CONFIG_OCRE_AGENT_TCP_PORT);
	return 0;
}
