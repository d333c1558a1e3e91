/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The device's registry client: pulls `repo@sha256:...` and its cosign signature with the
 * distribution API over HTTP/1.1 and installs it through the agent, streaming the layer to
 * flash while hashing it (never the whole layer in RAM). Sockets come from the port
 * (ocre_port_net_*, below). Every size and every wait is bounded; failures of the network are
 * retried a bounded number of times, refusals of the content are not.
 */

#ifndef OCRE_OCRE_PULL_H_
#define OCRE_OCRE_PULL_H_

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <ocre/ocre_port.h>
#include <ocre/ocre_store.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OCRE_PULL_HOST_BYTES 64
#define OCRE_PULL_REPO_BYTES 128
#define OCRE_PULL_TAG_BYTES  129 /* the distribution spec's tags: at most 128 characters */

#ifndef OCRE_PULL_RETRIES
#define OCRE_PULL_RETRIES 3 /* attempts per request after the first */
#endif
#ifndef OCRE_PULL_CONNECT_MS
#define OCRE_PULL_CONNECT_MS 5000
#endif
#ifndef OCRE_PULL_IDLE_MS
#define OCRE_PULL_IDLE_MS 10000 /* longest silence in the middle of an answer */
#endif

struct ocre_pull_req {
	char name[OCRE_STORE_NAME_BYTES]; /* the container's name on the device */
	char host[OCRE_PULL_HOST_BYTES];  /* the registry: an IPv4 address or a name */
	uint16_t port;
	bool tls; /* https: the port's TLS connect, certificate and host name verified */
	char repo[OCRE_PULL_REPO_BYTES]; /* e.g. "iot/hello" */
	uint8_t digest[32];              /* the image manifest's sha256 */
	/*
	 * Not empty: pull this tag instead, its manifest's sha256 being the digest; refused unless
	 * ocre_agent_tags_allowed(). The signature is then looked up and checked for that digest.
	 */
	char tag[OCRE_PULL_TAG_BYTES];
};

/*
 * Pulls and installs (ocre_agent_install_*). 0 and *entry on success (entry->digest is the
 * manifest's, the one a tag resolved to); otherwise *why names what failed: the network after
 * its retries, or the content (digest, size, signature), or a tag where tags are not allowed.
 */
int ocre_pull_install(const struct ocre_pull_req *req, const char **why,
		      struct ocre_store_entry *entry);

/* ---- the port's sockets: a handle >= 0, or a negative errno ---------------------------- */
int ocre_port_net_connect(const char *host, uint16_t port, uint32_t timeout_ms);
/*
 * The same over TLS (1.2 or later), the handshake included in timeout_ms. The server's
 * certificate must chain to the registry CA configured on the device and name `host` (a DNS
 * name, or an IP address in its subjectAltName); there is no way to skip either check. Then
 * send, recv and close as for a plain connection. Besides the connect errors, these (not worth
 * a retry): OCRE_NET_EUNTRUSTED, OCRE_NET_EWRONGHOST, OCRE_NET_ENOCA, or OCRE_NET_EHANDSHAKE
 * where the TLS stack does not say why (Zephyr's TLS sockets).
 */
int ocre_port_net_connect_tls(const char *host, uint16_t port, uint32_t timeout_ms);
#define OCRE_NET_EUNTRUSTED (-EACCES)  /* not signed by the registry CA (or expired) */
#define OCRE_NET_EWRONGHOST (-EPERM)   /* a valid certificate for another host */
#define OCRE_NET_ENOCA      (-ENOTSUP) /* no registry CA on the device, or no TLS */
#define OCRE_NET_EHANDSHAKE (-ECONNABORTED) /* the handshake failed, cause unknown */
/* Sends everything or fails. */
int ocre_port_net_send(int h, const void *buf, size_t len, uint32_t timeout_ms);
/* Up to len bytes: > 0 received, 0 the peer closed, < 0 an error or the timeout. */
int ocre_port_net_recv(int h, void *buf, size_t len, uint32_t timeout_ms);
void ocre_port_net_close(int h);

#ifdef __cplusplus
}
#endif

#endif /* OCRE_OCRE_PULL_H_ */
