/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The POSIX port's sockets for the pull client (ocre/ocre_pull.h): TCP with a connect timeout
 * and a wait bound on every send and receive; TLS on OpenSSL's libssl over the same
 * non-blocking sockets, so that the same waits bound the handshake and every record.
 *
 * A handle is the socket's descriptor; a TLS connection also has an SSL in `tls`, found by
 * its descriptor (the pull client holds one connection at a time; the table has room for two).
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
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <ocre/ocre_pull.h>

#include "ocre_net_posix.h"

#define TLS_CONNS 2

static SSL_CTX *tls_ctx;
static struct {
	int fd;
	SSL *ssl;
} tls[TLS_CONNS] = {{.fd = -1}, {.fd = -1}};

static SSL *tls_of(int fd)
{
	for (int i = 0; i < TLS_CONNS; i++) {
		if (tls[i].fd == fd && tls[i].ssl != NULL) {
			return tls[i].ssl;
		}
	}
	return NULL;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

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

int ocre_posix_net_tls_ca(const char *pem_path)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	/* Only this CA: the system's store is not loaded, and verification is not optional. */
	if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_load_verify_locations(ctx, pem_path, NULL) != 1) {
		SSL_CTX_free(ctx);
		ERR_clear_error();
		return -1;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_free(tls_ctx);
	tls_ctx = ctx;
	return 0;
}

/* Waits for what OpenSSL asked for (after SSL_ERROR_WANT_READ/WRITE), until `deadline`. */
static int tls_wait(SSL *ssl, int fd, int ret, uint64_t deadline)
{
	int e = SSL_get_error(ssl, ret);
	uint64_t now = now_ms();

	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
		return e == SSL_ERROR_ZERO_RETURN ? 1 : -EIO;
	}
	if (now >= deadline) {
		return -ETIMEDOUT;
	}
	return wait_for(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, (uint32_t)(deadline - now));
}

int ocre_port_net_connect_tls(const char *host, uint16_t port, uint32_t timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	int slot = -1;

	for (int i = 0; i < TLS_CONNS && slot < 0; i++) {
		slot = tls[i].ssl == NULL ? i : -1;
	}
	if (tls_ctx == NULL) {
		return OCRE_NET_ENOCA;
	}
	if (slot < 0) {
		return -EMFILE;
	}
	int fd = ocre_port_net_connect(host, port, timeout_ms);
	SSL *ssl = fd >= 0 ? SSL_new(tls_ctx) : NULL;
	int r = 0;

	if (ssl == NULL) {
		ocre_port_net_close(fd);
		return fd < 0 ? fd : -ENOMEM;
	}
	/* The name to verify: an IP address against the certificate's IP SANs, else a DNS name. */
	X509_VERIFY_PARAM *param = SSL_get0_param(ssl);

	if (X509_VERIFY_PARAM_set1_ip_asc(param, host) != 1) {
		ERR_clear_error();
		if (SSL_set1_host(ssl, host) != 1 || SSL_set_tlsext_host_name(ssl, host) != 1) {
			r = -EINVAL;
		}
	}
	if (r == 0 && SSL_set_fd(ssl, fd) != 1) {
		r = -ENOMEM;
	}
	while (r == 0) {
		int c = SSL_connect(ssl);

		if (c == 1) {
			break;
		}
		r = tls_wait(ssl, fd, c, deadline);
		if (r != 0) {
			long v = SSL_get_verify_result(ssl);

			r = v == X509_V_OK ? (r == 1 ? -ECONNRESET : r)
			    : v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH
				? OCRE_NET_EWRONGHOST
				: OCRE_NET_EUNTRUSTED;
		}
	}
	ERR_clear_error();
	if (r != 0) {
		SSL_free(ssl);
		close(fd);
		return r;
	}
	tls[slot].fd = fd;
	tls[slot].ssl = ssl;
	return fd;
}

int ocre_port_net_send(int h, const void *buf, size_t len, uint32_t timeout_ms)
{
	const char *p = buf;
	SSL *ssl = tls_of(h);

	while (ssl != NULL && len > 0) {
		size_t n = 0;
		int r = SSL_write_ex(ssl, p, len, &n);

		if (r == 1) {
			p += n;
			len -= n;
		} else if (tls_wait(ssl, h, r, now_ms() + timeout_ms) != 0) {
			return -EIO;
		}
	}
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
	SSL *ssl = tls_of(h);
	uint64_t deadline = now_ms() + timeout_ms;

	while (ssl != NULL) {
		size_t n = 0;
		int r = SSL_read_ex(ssl, buf, len > INT32_MAX ? INT32_MAX : len, &n);

		if (r == 1) {
			return (int)n;
		}
		r = tls_wait(ssl, h, r, deadline);
		if (r != 0) {
			ERR_clear_error();
			return r == 1 ? 0 : r;
		}
	}
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
	for (int i = 0; h >= 0 && i < TLS_CONNS; i++) {
		if (tls[i].fd == h && tls[i].ssl != NULL) {
			/* No close_notify: the answer has been read, and a send could block. */
			SSL_free(tls[i].ssl);
			tls[i].ssl = NULL;
			tls[i].fd = -1;
		}
	}
	if (h >= 0) {
		close(h);
	}
}
