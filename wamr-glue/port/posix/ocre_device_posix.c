/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * A POSIX "device" for the host tests and for trying `ocre deploy` without hardware: the
 * device agent over a file-backed flash region, serving SMP frames over TCP on loopback.
 * Built without WAMR (ocre_engine_none.c): it installs, verifies, pulls, lists, removes and
 * rolls back, but runs no container.
 *
 *   ocre-device --listen 127.0.0.1:0 --flash FILE --trust KEY.pub [--trust ...]
 *               [--flash-size BYTES] [--slots N] [--serial pty] [--registry-ca CA.pem]
 *               [--allow-tags]
 *
 * --registry-ca: the CA that registries reached over https must chain to (their certificate
 * and host name are always verified; without it the device pulls over http only).
 * --allow-tags: the device may resolve a tag itself (CONFIG_OCRE_AGENT_PULL_TAGS on Zephyr).
 * Prints "ocre-device listening on HOST:PORT" on stdout once it accepts connections; logs and
 * health events go to stderr. With --serial pty it also serves SMP's serial framing (MCUmgr's
 * console transport) on a new pseudo-terminal, whose path it prints first as
 * "ocre-device serial on /dev/pts/N": the way a board's console would carry it. SIGTERM or
 * SIGINT ends it.
 */

/* Guarded: builds such as WAMR's Linux platform pass -D_GNU_SOURCE already. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <ocre/ocre_agent.h>
#include <ocre/ocre_smp.h>

#include "ocre_flash_posix.h"
#include "ocre_net_posix.h"

#define MAX_KEYS      4
#define FRAME_WAIT_MS 10000 /* a frame's bytes must all arrive within this */
#define POLL_MS       100   /* the agent's trial checks run at least this often */

static volatile sig_atomic_t stopping;
static uint8_t keys[MAX_KEYS][OCRE_P256_KEY_SIZE];
static uint8_t req[OCRE_SMP_MAX_FRAME];
static uint8_t rsp[OCRE_SMP_MAX_FRAME];
static uint8_t serial_out[OCRE_SMP_SERIAL_MAX];
static struct ocre_smp_serial_rx serial_rx;
static int serial_fd = -1;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int usage(const char *why)
{
	fprintf(stderr,
		"ocre-device: %s\nusage: ocre-device --listen HOST:PORT --flash FILE --trust KEY.pub "
		"[--trust KEY.pub]... [--flash-size BYTES] [--slots N] [--serial pty] "
		"[--registry-ca CA.pem] [--allow-tags]\n",
		why);
	return 2;
}

static bool load_key(const char *path, uint8_t out[OCRE_P256_KEY_SIZE])
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f != NULL ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;
	size_t n = 0;
	bool ok = k != NULL && EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, out,
								OCRE_P256_KEY_SIZE, &n) == 1 &&
		  n == OCRE_P256_KEY_SIZE;

	EVP_PKEY_free(k);
	if (f != NULL) {
		fclose(f);
	}
	return ok;
}

/* Reads exactly n bytes within the frame's time budget. */
static bool read_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};

		if (poll(&pf, 1, FRAME_WAIT_MS) <= 0) {
			return false;
		}
		ssize_t r = recv(fd, p, n, 0);

		if (r <= 0) {
			return false;
		}
		p += r;
		n -= (size_t)r;
	}
	return true;
}

static bool write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = send(fd, p, n, MSG_NOSIGNAL);

		if (r <= 0) {
			return false;
		}
		p += r;
		n -= (size_t)r;
	}
	return true;
}

/* A pseudo-terminal in raw mode standing for the board's console; prints its path. */
static int open_pty(void)
{
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	struct termios t;

	if (fd < 0 || grantpt(fd) != 0 || unlockpt(fd) != 0 || tcgetattr(fd, &t) != 0) {
		return -1;
	}
	cfmakeraw(&t);
	(void)tcsetattr(fd, TCSANOW, &t);
	/*
	 * Hold the terminal side open too: without any opener the master reports a hang-up on
	 * every poll (a busy loop) and loses what the host writes between two of its sessions.
	 */
	const char *name = ptsname(fd);
	int keep = name != NULL ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;

	if (keep < 0 || tcgetattr(keep, &t) != 0) {
		return -1;
	}
	cfmakeraw(&t);
	(void)tcsetattr(keep, TCSANOW, &t);
	printf("ocre-device serial on %s\n", name);
	return fd;
}

/* Bytes from the console: frames among them are answered on the same console. */
static void serve_serial(void)
{
	uint8_t chunk[256];
	ssize_t n = read(serial_fd, chunk, sizeof(chunk));

	for (ssize_t i = 0; i < n; i++) {
		const uint8_t *frame;
		size_t len;

		if (ocre_smp_serial_feed(&serial_rx, chunk[i], &frame, &len) != 1) {
			continue;
		}
		size_t out = ocre_smp_handle(frame, len, rsp, sizeof(rsp));
		size_t lines = out > 0 ? ocre_smp_serial_encode(rsp, out, serial_out,
								  sizeof(serial_out))
				       : 0;

		for (size_t done = 0; done < lines;) {
			ssize_t w = write(serial_fd, serial_out + done, lines - done);

			if (w <= 0) {
				break;
			}
			done += (size_t)w;
		}
	}
}

/*
 * Waits up to POLL_MS for `fd`, meanwhile applying the trial rule and serving the serial
 * console (whatever the TCP side is doing); the events on `fd`, 0 when none.
 */
static short wait_for(int fd)
{
	struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = serial_fd, .events = POLLIN}};
	int r = poll(p, serial_fd >= 0 ? 2 : 1, POLL_MS);

	ocre_agent_poll();
	if (r > 0 && serial_fd >= 0 && (p[1].revents & POLLIN) != 0) {
		serve_serial();
	}
	return r > 0 ? p[0].revents : 0;
}

/* Serves one connection until the host closes it or sends a malformed frame. */
static void serve(int fd)
{
	while (!stopping) {
		if ((wait_for(fd) & (POLLIN | POLLHUP | POLLERR)) == 0) {
			continue;
		}
		if (!read_all(fd, req, OCRE_SMP_HEADER_SIZE)) {
			return;
		}
		size_t len = ocre_smp_frame_len(req);

		if (len > sizeof(req) - OCRE_SMP_HEADER_SIZE) {
			fprintf(stderr, "ocre-device: a %zu-byte frame, over the limit: closing\n", len);
			return;
		}
		if (!read_all(fd, req + OCRE_SMP_HEADER_SIZE, len)) {
			return;
		}
		size_t out = ocre_smp_handle(req, OCRE_SMP_HEADER_SIZE + len, rsp, sizeof(rsp));

		if (out == 0 || !write_all(fd, rsp, out)) {
			return;
		}
	}
}

int main(int argc, char **argv)
{
	const char *listen_at = NULL;
	const char *flash_path = NULL;
	unsigned long flash_size = 1024 * 1024;
	unsigned long slots = 8;
	size_t nkeys = 0;
	bool allow_tags = false;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--allow-tags") == 0) {
			allow_tags = true;
			continue;
		}
		if (v == NULL) {
			return usage("an option without its value");
		}
		if (strcmp(argv[i], "--listen") == 0) {
			listen_at = v;
		} else if (strcmp(argv[i], "--flash") == 0) {
			flash_path = v;
		} else if (strcmp(argv[i], "--flash-size") == 0) {
			flash_size = strtoul(v, NULL, 10);
		} else if (strcmp(argv[i], "--slots") == 0) {
			slots = strtoul(v, NULL, 10);
		} else if (strcmp(argv[i], "--serial") == 0) {
			if (strcmp(v, "pty") != 0) {
				return usage("--serial takes pty");
			}
			serial_fd = 0; /* opened once the agent runs */
		} else if (strcmp(argv[i], "--registry-ca") == 0) {
			if (ocre_posix_net_tls_ca(v) != 0) {
				return usage("--registry-ca needs a PEM file of CA certificates");
			}
		} else if (strcmp(argv[i], "--trust") == 0) {
			if (nkeys == MAX_KEYS || !load_key(v, keys[nkeys])) {
				return usage("--trust needs a P-256 public key PEM (at most 4)");
			}
			nkeys++;
		} else {
			return usage("unknown option");
		}
		i++;
	}
	if (listen_at == NULL || flash_path == NULL || nkeys == 0) {
		return usage("--listen, --flash and --trust are required");
	}
	if (flash_size < 64 * 1024 || flash_size > 64ul * 1024 * 1024 || slots < 2 ||
	    slots > OCRE_STORE_MAX_SLOTS) {
		return usage("--flash-size must be 64 KiB..64 MiB and --slots 2..16");
	}
	char host[64];
	const char *colon = strrchr(listen_at, ':');
	struct sockaddr_in addr = {.sin_family = AF_INET};

	if (colon == NULL || (size_t)(colon - listen_at) >= sizeof(host)) {
		return usage("--listen takes HOST:PORT");
	}
	memcpy(host, listen_at, (size_t)(colon - listen_at));
	host[colon - listen_at] = '\0';
	addr.sin_port = htons((uint16_t)strtoul(colon + 1, NULL, 10));
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
		return usage("--listen takes an IPv4 address");
	}

	static struct ocre_posix_flash pf;
	static struct ocre_store store;

	if (ocre_posix_flash_open(&pf, flash_path, (uint32_t)flash_size, 4096, 8) != 0 ||
	    ocre_store_open(&store, &pf.flash, (uint8_t)slots) != 0) {
		fprintf(stderr, "ocre-device: cannot open the flash file %s\n", flash_path);
		return 1;
	}
	const struct ocre_agent_config cfg = {
		.store = &store, .run = false, .allow_tags = allow_tags};

	if (ocre_trust_keys((const uint8_t(*)[OCRE_P256_KEY_SIZE])keys, nkeys) != 0 ||
	    ocre_agent_init(&cfg) != 0) {
		fprintf(stderr, "ocre-device: cannot start the agent\n");
		return 1;
	}
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	socklen_t alen = sizeof(addr);

	(void)setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(ls, 4) != 0 ||
	    getsockname(ls, (struct sockaddr *)&addr, &alen) != 0) {
		fprintf(stderr, "ocre-device: cannot listen on %s: %s\n", listen_at, strerror(errno));
		return 1;
	}
	if (serial_fd == 0 && (serial_fd = open_pty()) < 0) {
		fprintf(stderr, "ocre-device: cannot open a pseudo-terminal\n");
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_signal};

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ocre-device listening on %s:%u\n", host, (unsigned int)ntohs(addr.sin_port));
	fflush(stdout);
	while (!stopping) {
		if ((wait_for(ls) & POLLIN) == 0) {
			continue;
		}
		int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0) {
			serve(fd);
			close(fd);
		}
	}
	close(ls);
	ocre_posix_flash_close(&pf);
	return 0;
}
