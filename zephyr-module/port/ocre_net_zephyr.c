/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The Zephyr port's sockets for the pull client (ocre/ocre_pull.h), on Zephyr's BSD sockets:
 * TCP with a connect timeout and a wait bound on every send and receive. With
 * CONFIG_OCRE_AGENT_PULL_TLS, TLS sockets (mbedTLS): the registry CA is a TLS credential built
 * into the firmware from CONFIG_OCRE_AGENT_PULL_TLS_CA_FILE, peer verification is required and
 * the host name is checked; send and receive are the same calls on the TLS socket.
 */

#include <errno.h>
#include <string.h>

#include <zephyr/net/socket.h>
#if defined(CONFIG_OCRE_AGENT_PULL_TLS)
#include <zephyr/net/tls_credentials.h>
#endif

#include <ocre/ocre_pull.h>

static int wait_for(int fd, short events, uint32_t timeout_ms)
{
	struct zsock_pollfd p = {.fd = fd, .events = events};
	int r = zsock_poll(&p, 1, timeout_ms > INT32_MAX ? -1 : (int)timeout_ms);

	return r > 0 ? 0 : r == 0 ? -ETIMEDOUT : -errno;
}

/* A connected socket of `proto`; `setup` (if any) configures it before connecting. */
static int open_socket(const char *host, uint16_t port, int proto, int (*setup)(int fd,
									    const char *host))
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
	int fd = zsock_socket(AF_INET, SOCK_STREAM, proto);

	if (fd < 0) {
		return -errno;
	}
	r = setup != NULL ? setup(fd, host) : 0;
	if (r != 0) {
		zsock_close(fd);
		return r;
	}
	/*
	 * Zephyr's connect blocks up to CONFIG_NET_SOCKETS_CONNECT_TIMEOUT, and a TLS socket's
	 * handshake is part of it, with the same bound: the bound is there.
	 */
	r = zsock_connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	if (r != 0) {
		/* A TLS socket says ECONNABORTED when the handshake failed (mbedTLS logs why). */
		r = proto != IPPROTO_TCP && errno == ECONNABORTED ? OCRE_NET_EHANDSHAKE
								   : -ECONNREFUSED;
		zsock_close(fd);
		return r;
	}
	return fd;
}

int ocre_port_net_connect(const char *host, uint16_t port, uint32_t timeout_ms)
{
	ARG_UNUSED(timeout_ms);
	return open_socket(host, port, IPPROTO_TCP, NULL);
}

#if defined(CONFIG_OCRE_AGENT_PULL_TLS)
/* The registry CA, PEM with its terminating NUL (mbedTLS parses a PEM buffer so). */
static const unsigned char registry_ca[] = {
#include "ocre_registry_ca.inc"
	0x00};
static bool ca_added;

/*
 * A handshake's mbedTLS allocations peaked at 43,340 bytes in QEMU (docs/deploy.md "TLS");
 * OCRE_AGENT_PULL_TLS defaults the heap to 48 KiB. Less fails every pull at run time.
 */
BUILD_ASSERT(CONFIG_MBEDTLS_HEAP_SIZE >= 45056,
	     "a pull over https needs CONFIG_MBEDTLS_HEAP_SIZE >= 45056 (docs/deploy.md)");

static int tls_setup(int fd, const char *host)
{
	static const sec_tag_t tags[] = {CONFIG_OCRE_AGENT_PULL_TLS_SEC_TAG};
	int verify = TLS_PEER_VERIFY_REQUIRED;

	if (zsock_setsockopt(fd, SOL_TLS, TLS_SEC_TAG_LIST, tags, sizeof(tags)) != 0 ||
	    zsock_setsockopt(fd, SOL_TLS, TLS_PEER_VERIFY, &verify, sizeof(verify)) != 0 ||
	    zsock_setsockopt(fd, SOL_TLS, TLS_HOSTNAME, host, strlen(host) + 1) != 0) {
		return -errno;
	}
	return 0;
}

int ocre_port_net_connect_tls(const char *host, uint16_t port, uint32_t timeout_ms)
{
	ARG_UNUSED(timeout_ms);
	if (!ca_added) {
		int r = tls_credential_add(CONFIG_OCRE_AGENT_PULL_TLS_SEC_TAG,
					   TLS_CREDENTIAL_CA_CERTIFICATE, registry_ca,
					   sizeof(registry_ca));

		if (r != 0 && r != -EEXIST) {
			return OCRE_NET_ENOCA;
		}
		ca_added = true;
	}
	return open_socket(host, port, IPPROTO_TLS_1_2, tls_setup);
}
#else
int ocre_port_net_connect_tls(const char *host, uint16_t port, uint32_t timeout_ms)
{
	ARG_UNUSED(host);
	ARG_UNUSED(port);
	ARG_UNUSED(timeout_ms);
	return OCRE_NET_ENOCA;
}
#endif

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
