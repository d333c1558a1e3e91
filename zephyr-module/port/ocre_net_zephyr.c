/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The Zephyr port's sockets for the pull client (ocre/ocre_pull.h), on Zephyr's BSD sockets:
 * TCP with a connect timeout and a wait bound on every send and receive.
 */

#include <errno.h>

#include <zephyr/net/socket.h>

#include <ocre/ocre_pull.h>

static int wait_for(int fd, short events, uint32_t timeout_ms)
{
	struct zsock_pollfd p = {.fd = fd, .events = events};
	int r = zsock_poll(&p, 1, timeout_ms > INT32_MAX ? -1 : (int)timeout_ms);

	return r > 0 ? 0 : r == 0 ? -ETIMEDOUT : -errno;
}

int ocre_port_net_connect(const char *host, uint16_t port, uint32_t timeout_ms)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
	int r;

	/*
	 * An address needs no resolver: getaddrinfo allocates its answer from the C library's heap,
	 * which a firmware may not have. A name goes through DNS (CONFIG_DNS_RESOLVER).
	 */
	if (zsock_inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
#if defined(CONFIG_DNS_RESOLVER)
		struct zsock_addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
		struct zsock_addrinfo *res = NULL;

		if (zsock_getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL) {
			return -EHOSTUNREACH;
		}
		addr.sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
		zsock_freeaddrinfo(res);
#else
		return -EHOSTUNREACH;
#endif
	}
	int fd = zsock_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);

	if (fd < 0) {
		return -errno;
	}
	/* Zephyr's connect blocks up to CONFIG_NET_SOCKETS_CONNECT_TIMEOUT; the bound is there. */
	ARG_UNUSED(timeout_ms);
	r = zsock_connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	if (r != 0) {
		zsock_close(fd);
		return -ECONNREFUSED;
	}
	return fd;
}

int ocre_port_net_send(int h, const void *buf, size_t len, uint32_t timeout_ms)
{
	const char *p = buf;

	while (len > 0) {
		if (wait_for(h, ZSOCK_POLLOUT, timeout_ms) != 0) {
			return -ETIMEDOUT;
		}
		ssize_t n = zsock_send(h, p, len, 0);

		if (n <= 0) {
			return -EIO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ocre_port_net_recv(int h, void *buf, size_t len, uint32_t timeout_ms)
{
	int w = wait_for(h, ZSOCK_POLLIN, timeout_ms);

	if (w != 0) {
		return w;
	}
	ssize_t n = zsock_recv(h, buf, len, 0);

	return n < 0 ? -EIO : (int)n;
}

void ocre_port_net_close(int h)
{
	if (h >= 0) {
		zsock_close(h);
	}
}
