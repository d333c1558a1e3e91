/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The POSIX port's sockets for the pull client (ocre/ocre_pull.h): TCP with a connect timeout
 * and a wait bound on every send and receive.
 */

/* Guarded: builds such as WAMR's Linux platform pass -D_GNU_SOURCE already. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ocre/ocre_pull.h>

static int wait_for(int fd, short events, uint32_t timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = events};
	int r;

	do {
		r = poll(&p, 1, timeout_ms > INT32_MAX ? -1 : (int)timeout_ms);
	} while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : r == 0 ? -ETIMEDOUT : -errno;
}

int ocre_port_net_connect(const char *host, uint16_t port, uint32_t timeout_ms)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	char service[8];
	int fd = -1;

	(void)snprintf(service, sizeof(service), "%u", (unsigned int)port);
	if (getaddrinfo(host, service, &hints, &res) != 0 || res == NULL) {
		return -EHOSTUNREACH;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		freeaddrinfo(res);
		return -errno;
	}
	int r = connect(fd, res->ai_addr, res->ai_addrlen);
	int err = 0;
	socklen_t len = sizeof(err);

	freeaddrinfo(res);
	if (r != 0 && errno != EINPROGRESS) {
		close(fd);
		return -ECONNREFUSED;
	}
	if (r != 0 && (wait_for(fd, POLLOUT, timeout_ms) != 0 ||
		       getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)) {
		close(fd);
		return -ECONNREFUSED;
	}
	return fd;
}

int ocre_port_net_send(int h, const void *buf, size_t len, uint32_t timeout_ms)
{
	const char *p = buf;

	while (len > 0) {
		if (wait_for(h, POLLOUT, timeout_ms) != 0) {
			return -ETIMEDOUT;
		}
		ssize_t n = send(h, p, len, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			continue;
		}
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
	for (;;) {
		int w = wait_for(h, POLLIN, timeout_ms);

		if (w != 0) {
			return w;
		}
		ssize_t n = recv(h, buf, len, 0);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			continue;
		}
		return n < 0 ? -EIO : (int)n;
	}
}

void ocre_port_net_close(int h)
{
	if (h >= 0) {
		close(h);
	}
}
