/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The device's registry client (ocre/ocre_pull.h): HTTP/1.1 GETs of the distribution API, one
 * connection per request ("Connection: close"), bodies with a Content-Length only (what
 * distribution sends for manifests and blobs), at most one redirect. http, or https through
 * the port's TLS connect (the registry CA configured on the device; never from https to http).
 *
 * A pull: the manifest by digest (its sha256 must be the digest) or, where the device allows
 * it, by tag (its sha256 is then the digest), cosign's signature manifest
 * (tag sha256-<hex>.sig) and its payload blob, then the Wasm layer streamed into the store's
 * install while hashing it. The store reads everything back and verifies the signature before
 * the new version replaces the old one. The JSON here is only scanned, within bounds: trust
 * comes from the signature over the manifest, not from the parser.
 */

#include <stdio.h>
#include <string.h>

#include <ocre/ocre_agent.h>
#include <ocre/ocre_pull.h>

#include "ocre_internal.h"
#include "ocre_json.h"

#define HEAD_BYTES     2048u /* status line and headers of one answer */
#define PATH_BYTES     320u
#define SIG_MANIFEST   4096u /* cosign's signature manifest: one or a few layers */
#define IO_CHUNK       512u
#define TOTAL_MS       120000u /* one request, however slowly it trickles */
#define BACKOFF_MS     200u

#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_WASM     "application/wasm"
#define SIG_KEY     "dev.cosignproject.cosign/signature"

/* Failures: the network's are worth a retry, the content's are not. */
#define RETRY (-OCRE_EIO)

struct http_rsp {
	int status;
	uint64_t length;
	char location[PATH_BYTES];
};

typedef int (*sink_fn)(void *ctx, const uint8_t *p, size_t n);

/* Static: one pull at a time (the agent's thread), and a device's stack is small. */
static uint8_t head[HEAD_BYTES + 1];
static uint8_t manifest[OCRE_STORE_MAX_MANIFEST];
static uint8_t sigman[SIG_MANIFEST];
static uint8_t payload[OCRE_STORE_MAX_PAYLOAD];
static uint8_t io[IO_CHUNK];

struct buf_sink {
	uint8_t *buf;
	size_t cap;
	size_t len;
};

static int to_buffer(void *ctx, const uint8_t *p, size_t n)
{
	struct buf_sink *b = ctx;

	if (n > b->cap - b->len) {
		return -OCRE_ENOMEM;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return 0;
}

/* ---- bounded scanning ---------------------------------------------------------------------- */

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool starts_ci(const char *line, const char *prefix)
{
	for (; *prefix != '\0'; line++, prefix++) {
		if (lower(*line) != *prefix) {
			return false;
		}
	}
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	return -1;
}

/* "sha256:<64 lowercase hex>" to 32 bytes. */
static bool parse_digest(const char *text, uint8_t out[32])
{
	if (strncmp(text, "sha256:", 7) != 0 || strlen(text) != 71) {
		return false;
	}
	for (int i = 0; i < 32; i++) {
		int hi = hexval(text[7 + 2 * i]);
		int lo = hexval(text[8 + 2 * i]);

		if (hi < 0 || lo < 0) {
			return false;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z') {
		return c - 'A';
	}
	if (c >= 'a' && c <= 'z') {
		return c - 'a' + 26;
	}
	if (c >= '0' && c <= '9') {
		return c - '0' + 52;
	}
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Standard base64 with padding; returns the decoded length or -1. */
static int base64_decode(const char *in, uint8_t *out, size_t cap)
{
	size_t len = strlen(in);
	size_t n = 0;

	if (len == 0 || len % 4 != 0) {
		return -1;
	}
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		int pad = 0;

		for (int k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
			} else if (pad > 0 || (v[k] = b64val(in[i + k])) < 0) {
				return -1;
			}
		}
		uint32_t word = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
				(uint32_t)v[3];

		for (int k = 0; k < 3 - pad; k++) {
			if (n >= cap) {
				return -1;
			}
			out[n++] = (uint8_t)(word >> (16 - 8 * k));
		}
	}
	return (int)n;
}

/* ---- HTTP/1.1 ----------------------------------------------------------------------------- */

static bool valid_host(const char *h)
{
	if (h[0] == '\0') {
		return false;
	}
	for (; *h != '\0'; h++) {
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') || (*h >= '0' && *h <= '9') ||
		      *h == '.' || *h == '-')) {
			return false;
		}
	}
	return true;
}

/* The distribution spec's tag grammar: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}. */
static bool valid_tag(const char *t)
{
	size_t n = strnlen(t, OCRE_PULL_TAG_BYTES);

	if (n == 0 || n == OCRE_PULL_TAG_BYTES || t[0] == '.' || t[0] == '-') {
		return false;
	}
	for (; *t != '\0'; t++) {
		if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9') ||
		      *t == '.' || *t == '-' || *t == '_')) {
			return false;
		}
	}
	return true;
}

/* The distribution spec's repository name grammar, loosely: lowercase path components. */
static bool valid_repo(const char *r)
{
	if (r[0] == '\0' || r[0] == '/' || strstr(r, "..") != NULL || strstr(r, "//") != NULL) {
		return false;
	}
	for (; *r != '\0'; r++) {
		if (!((*r >= 'a' && *r <= 'z') || (*r >= '0' && *r <= '9') || *r == '.' ||
		      *r == '-' || *r == '_' || *r == '/')) {
			return false;
		}
	}
	return true;
}

/* Receives into buf until `n` bytes or close/error/idle timeout; returns bytes or < 0. */
static int recv_some(int h, uint8_t *buf, size_t n, uint64_t deadline)
{
	if (ocre_port_uptime_ms() > deadline) {
		return -OCRE_EIO;
	}
	return ocre_port_net_recv(h, buf, n, OCRE_PULL_IDLE_MS);
}

/*
 * One GET. The body of a 200 answer goes to `sink` (at most max_body bytes, exactly its
 * Content-Length); a redirect leaves its Location in rsp. 0, RETRY for the network or a 5xx,
 * or another negative value for an answer that retrying will not change.
 */
static int http_get(const char *host, uint16_t port, bool tls, const char *path,
		    const char *accept, uint64_t max_body, sink_fn sink, void *ctx, struct http_rsp *rsp,
		    const char **why)
{
	char req[PATH_BYTES + OCRE_PULL_HOST_BYTES + 200];
	uint64_t deadline = ocre_port_uptime_ms() + TOTAL_MS;
	int n = snprintf(req, sizeof(req),
			 "GET %s HTTP/1.1\r\nHost: %s:%u\r\nUser-Agent: ocre-device\r\n"
			 "Accept: %s\r\nConnection: close\r\n\r\n",
			 path, host, (unsigned int)port, accept);

	memset(rsp, 0, sizeof(*rsp));
	if (n <= 0 || (size_t)n >= sizeof(req)) {
		*why = "request too long";
		return -OCRE_EINVAL;
	}
	int h = tls ? ocre_port_net_connect_tls(host, port, OCRE_PULL_CONNECT_MS)
		    : ocre_port_net_connect(host, port, OCRE_PULL_CONNECT_MS);

	/* A certificate that does not verify stays so: refused, not retried. */
	if (h == OCRE_NET_EUNTRUSTED || h == OCRE_NET_EWRONGHOST || h == OCRE_NET_ENOCA ||
	    h == OCRE_NET_EHANDSHAKE) {
		*why = h == OCRE_NET_EUNTRUSTED
			       ? "TLS: the registry's certificate is not signed by the device's "
				 "registry CA (or is expired)"
		       : h == OCRE_NET_EWRONGHOST
			       ? "TLS: the registry's certificate is for another host name"
		       : h == OCRE_NET_ENOCA
			       ? "TLS: the device has no registry CA configured (or no TLS)"
			       : "TLS: the handshake failed (the registry's certificate did not "
				 "verify against the device's registry CA and host name, or no "
				 "common cipher)";
		return -OCRE_EPERM;
	}
	if (h < 0) {
		*why = tls ? "cannot connect to the registry (TLS)" : "cannot connect to the registry";
		return RETRY;
	}
	int ret = ocre_port_net_send(h, req, (size_t)n, OCRE_PULL_IDLE_MS);
	size_t got = 0;
	long end = -1;

	if (ret != 0) {
		*why = "the registry closed the connection";
		ret = RETRY;
		goto out;
	}
	/* Status line and headers, bounded. */
	while (end < 0) {
		if (got >= HEAD_BYTES) {
			*why = "the registry's answer headers are too large";
			ret = -OCRE_EINVAL;
			goto out;
		}
		int r = recv_some(h, head + got, HEAD_BYTES - got, deadline);

		if (r <= 0) {
			*why = "the registry closed the connection before answering";
			ret = RETRY;
			goto out;
		}
		got += (size_t)r;
		end = ocre_json_find(head, got, "\r\n\r\n");
	}
	head[end + 2] = '\0';
	/* "HTTP/1.1 200 OK" */
	if (strncmp((char *)head, "HTTP/1.", 7) != 0 || head[8] != ' ' || head[9] < '1' ||
	    head[9] > '5' || head[10] < '0' || head[10] > '9' || head[11] < '0' ||
	    head[11] > '9') {
		*why = "not an HTTP/1.x answer";
		ret = -OCRE_EINVAL;
		goto out;
	}
	rsp->status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
	bool has_length = false;

	for (char *line = strstr((char *)head, "\r\n") + 2; *line != '\0';) {
		char *eol = strstr(line, "\r\n");

		if (eol == NULL) {
			break;
		}
		*eol = '\0';
		if (starts_ci(line, "content-length:")) {
			has_length = ocre_parse_u64(line + 15, &rsp->length);
			if (!has_length) {
				*why = "a malformed Content-Length";
				ret = -OCRE_EINVAL;
				goto out;
			}
		} else if (starts_ci(line, "transfer-encoding:")) {
			*why = "a chunked answer (only Content-Length bodies are read)";
			ret = -OCRE_EINVAL;
			goto out;
		} else if (starts_ci(line, "location:")) {
			const char *v = line + 9;

			while (*v == ' ') {
				v++;
			}
			if (strlen(v) >= sizeof(rsp->location)) {
				*why = "a redirect Location too long";
				ret = -OCRE_EINVAL;
				goto out;
			}
			strcpy(rsp->location, v);
		}
		line = eol + 2;
	}
	if (rsp->status >= 300 && rsp->status < 400) {
		ret = rsp->location[0] != '\0' ? 0 : -OCRE_EINVAL;
		*why = "a redirect without a Location";
		goto out;
	}
	if (rsp->status != 200) {
		*why = rsp->status == 404   ? "not found in the registry"
		       : rsp->status == 401 ? "the registry wants credentials (not supported)"
					    : "the registry answered with an error";
		ret = rsp->status >= 500 ? RETRY : -OCRE_ENOENT;
		goto out;
	}
	if (!has_length || rsp->length > max_body) {
		*why = has_length ? "the answer is larger than allowed" : "an answer without Content-Length";
		ret = -OCRE_ENOMEM;
		goto out;
	}
	/* The body: what came with the headers, then the rest, exactly Content-Length bytes. */
	uint64_t left = rsp->length;
	size_t extra = got - (size_t)end - 4;

	if (extra > left) {
		extra = (size_t)left; /* a server that sends more is cut at its own length */
	}
	ret = extra > 0 ? sink(ctx, head + end + 4, extra) : 0;
	left -= extra;
	while (ret == 0 && left > 0) {
		int r = recv_some(h, io, left < IO_CHUNK ? (size_t)left : IO_CHUNK, deadline);

		if (r <= 0) {
			*why = "truncated: the registry closed the connection mid-body";
			ret = RETRY;
			break;
		}
		ret = sink(ctx, io, (size_t)r);
		left -= (uint64_t)r;
	}
	if (ret != 0 && ret != RETRY) {
		*why = "the body was refused (too large or a flash write failed)";
	}
out:
	ocre_port_net_close(h);
	return ret;
}

/*
 * A GET that follows at most one redirect, to any host (blob storage may differ): from http to
 * http or https, from https to https only.
 */
static int get(const struct ocre_pull_req *r, const char *path, const char *accept,
	       uint64_t max_body, sink_fn sink, void *ctx, const char **why)
{
	static struct http_rsp rsp;
	int ret = http_get(r->host, r->port, r->tls, path, accept, max_body, sink, ctx, &rsp, why);

	if (ret != 0 || rsp.status < 300 || rsp.status >= 400) {
		return ret;
	}
	/* "http[s]://host[:port]/path" or "/path". */
	char host[OCRE_PULL_HOST_BYTES];
	const char *loc = rsp.location;
	bool tls = strncmp(loc, "https://", 8) == 0;
	size_t skip = tls ? 8 : 7;
	uint16_t port = tls ? 443 : 80;
	const char *p = loc;

	if (loc[0] == '/') {
		strcpy(host, r->host);
		port = r->port;
		tls = r->tls;
	} else if (r->tls && !tls) {
		*why = "a redirect from https to another scheme (refused: it would drop TLS)";
		return -OCRE_EPERM;
	} else if (tls || strncmp(loc, "http://", 7) == 0) {
		const char *slash = strchr(loc + skip, '/');
		const char *colon = strchr(loc + skip, ':');
		size_t hl = (size_t)((colon != NULL && (slash == NULL || colon < slash) ? colon
										: slash) -
				     (loc + skip));

		if (slash == NULL || hl == 0 || hl >= sizeof(host)) {
			*why = "a redirect to an unusable Location";
			return -OCRE_EINVAL;
		}
		memcpy(host, loc + skip, hl);
		host[hl] = '\0';
		if (colon != NULL && colon < slash) {
			uint64_t v;
			char digits[8];
			size_t dl = (size_t)(slash - colon - 1);

			if (dl == 0 || dl >= sizeof(digits)) {
				*why = "a redirect to an unusable Location";
				return -OCRE_EINVAL;
			}
			memcpy(digits, colon + 1, dl);
			digits[dl] = '\0';
			if (!ocre_parse_u64(digits, &v) || v == 0 || v > 65535) {
				*why = "a redirect to an unusable Location";
				return -OCRE_EINVAL;
			}
			port = (uint16_t)v;
		}
		p = slash;
		if (!valid_host(host)) {
			*why = "a redirect to an unusable Location";
			return -OCRE_EINVAL;
		}
	} else {
		*why = "a redirect to a scheme other than http or https";
		return -OCRE_EINVAL;
	}
	for (const char *c = p; *c != '\0'; c++) {
		if (*c <= 0x20 || *c >= 0x7f) {
			*why = "a redirect to an unusable Location";
			return -OCRE_EINVAL;
		}
	}
	/* Copied out: the second answer reuses rsp. */
	char path2[PATH_BYTES];

	strcpy(path2, p);
	ret = http_get(host, port, tls, path2, accept, max_body, sink, ctx, &rsp, why);
	if (ret == 0 && rsp.status >= 300 && rsp.status < 400) {
		*why = "more than one redirect";
		return -OCRE_EINVAL;
	}
	return ret;
}

/* get() with bounded retries of network failures. */
static int get_retry(const struct ocre_pull_req *r, const char *path, const char *accept,
		     uint64_t max_body, struct buf_sink *b, const char **why)
{
	int ret = RETRY;

	for (int attempt = 0; attempt <= OCRE_PULL_RETRIES && ret == RETRY; attempt++) {
		if (attempt > 0) {
			ocre_port_sleep_ms(BACKOFF_MS << (attempt - 1));
		}
		b->len = 0;
		ret = get(r, path, accept, max_body, to_buffer, b, why);
	}
	return ret;
}

/* ---- the pull ----------------------------------------------------------------------------- */

struct layer_sink {
	struct ocre_sha256 sha;
	uint64_t got;
};

static int to_store(void *ctx, const uint8_t *p, size_t n)
{
	struct layer_sink *l = ctx;

	l->got += n;
	if (ocre_port_sha256_update(&l->sha, p, n) != 0) {
		return -OCRE_EIO;
	}
	return ocre_agent_install_write(p, n) == 0 ? 0 : -OCRE_ENOMEM;
}

/* The layer of mediaType `type` (or carrying `key`) in a manifest's "layers". */
static bool find_layer(const uint8_t *m, size_t n, const char *marker, char digest[72],
		       uint64_t *size, size_t *ofrom, size_t *oto)
{
	long at = ocre_json_find(m, n, "\"layers\":");
	size_t from;
	size_t to;

	if (at < 0) {
		return false;
	}
	for (size_t i = (size_t)at + 9; ocre_json_next_object(m, i, n, &from, &to); i = to) {
		if (ocre_json_find(m + from, to - from, marker) >= 0 &&
		    ocre_json_string(m, from, to, "digest", digest, 72) &&
		    ocre_json_number(m, from, to, "size", size)) {
			*ofrom = from;
			*oto = to;
			return true;
		}
	}
	return false;
}

int ocre_pull_install(const struct ocre_pull_req *r, const char **why,
		      struct ocre_store_entry *entry)
{
	static const char *unused;
	char path[PATH_BYTES];
	char want[OCRE_DIGEST_TEXT_SIZE];
	char wasm_digest[72];
	char payload_digest[72];
	static char sig_b64[128];
	uint8_t der[OCRE_STORE_MAX_DER];
	uint8_t hash[32];
	uint8_t digest[32];
	uint8_t layer_hash[32];
	uint64_t wasm_size;
	uint64_t payload_size;
	size_t from;
	size_t to;
	struct buf_sink b;
	int ret;

	if (why == NULL) {
		why = &unused;
	}
	*why = "";
	if (r == NULL || !valid_host(r->host) || r->port == 0 || !valid_repo(r->repo) ||
	    strnlen(r->name, sizeof(r->name)) == sizeof(r->name) ||
	    (r->tag[0] != '\0' && !valid_tag(r->tag))) {
		*why = "a malformed pull request (host, port, repository, tag or name)";
		return -OCRE_EINVAL;
	}
	bool by_tag = r->tag[0] != '\0';

	if (by_tag && !ocre_agent_tags_allowed()) {
		*why = "this device pulls by digest only (tags are not allowed: "
		       "CONFIG_OCRE_AGENT_PULL_TAGS)";
		ret = -OCRE_EPERM;
		goto refused;
	}
	if (by_tag) {
		ocre_log(OCRE_LOG_INF, "%s: pulling %s://%s:%u/%s:%s", r->name,
			 r->tls ? "https" : "http", r->host, (unsigned int)r->port, r->repo, r->tag);
	} else {
		ocre_digest_text(r->digest, 32, want);
		ocre_log(OCRE_LOG_INF, "%s: pulling %s://%s:%u/%s@%s", r->name,
			 r->tls ? "https" : "http", r->host, (unsigned int)r->port, r->repo, want);
	}

	/*
	 * 1. The manifest, by digest (its bytes must hash to the digest asked for) or by tag (its
	 * bytes' hash is the digest from here on: the signature must be for exactly these bytes).
	 */
	(void)snprintf(path, sizeof(path), "/v2/%s/manifests/%s", r->repo, by_tag ? r->tag : want);
	b = (struct buf_sink){.buf = manifest, .cap = sizeof(manifest)};
	ret = get_retry(r, path, MT_MANIFEST, sizeof(manifest), &b, why);
	if (ret != 0) {
		goto refused;
	}
	size_t manifest_len = b.len;

	if (ocre_port_sha256(manifest, manifest_len, digest) != 0 ||
	    (!by_tag && memcmp(digest, r->digest, 32) != 0)) {
		*why = "wrong digest: the manifest's sha256 is not the digest asked for";
		ret = -OCRE_EPERM;
		goto refused;
	}
	if (by_tag) {
		ocre_digest_text(digest, 32, want);
		ocre_log(OCRE_LOG_INF, "%s: tag %s is %s", r->name, r->tag, want);
	}
	if (!find_layer(manifest, manifest_len, "\"mediaType\":\"" MT_WASM "\"", wasm_digest,
			&wasm_size, &from, &to) ||
	    !parse_digest(wasm_digest, layer_hash) || wasm_size < 8 ||
	    wasm_size > OCRE_AGENT_MAX_WASM) {
		*why = "the manifest has no application/wasm layer of an acceptable size";
		ret = -OCRE_EINVAL;
		goto refused;
	}

	/* 2. cosign's signature: its manifest under sha256-<hex>.sig, then the payload blob. */
	(void)snprintf(path, sizeof(path), "/v2/%s/manifests/sha256-%s.sig", r->repo, want + 7);
	b = (struct buf_sink){.buf = sigman, .cap = sizeof(sigman)};
	ret = get_retry(r, path, MT_MANIFEST, sizeof(sigman), &b, why);
	if (ret != 0) {
		if (ret == -OCRE_ENOENT) {
			*why = "unsigned: no cosign signature (sha256-<hex>.sig) in the registry";
			ret = -OCRE_EPERM;
		}
		goto refused;
	}
	if (!find_layer(sigman, b.len, "\"" SIG_KEY "\":", payload_digest, &payload_size, &from,
			&to) ||
	    !ocre_json_string(sigman, from, to, SIG_KEY, sig_b64, sizeof(sig_b64)) ||
	    payload_size == 0 || payload_size > OCRE_STORE_MAX_PAYLOAD ||
	    !parse_digest(payload_digest, hash)) {
		*why = "the signature manifest has no usable cosign signature layer";
		ret = -OCRE_EPERM;
		goto refused;
	}
	int der_len = base64_decode(sig_b64, der, sizeof(der));

	if (der_len < 8) {
		*why = "the signature annotation is not base64 of a DER signature";
		ret = -OCRE_EPERM;
		goto refused;
	}
	(void)snprintf(path, sizeof(path), "/v2/%s/blobs/%s", r->repo, payload_digest);
	b = (struct buf_sink){.buf = payload, .cap = sizeof(payload)};
	ret = get_retry(r, path, "application/octet-stream", payload_size, &b, why);
	if (ret != 0) {
		goto refused;
	}
	uint8_t got_hash[32];

	if (b.len != payload_size || ocre_port_sha256(payload, b.len, got_hash) != 0 ||
	    memcmp(got_hash, hash, 32) != 0) {
		*why = "the signature payload does not match its digest";
		ret = -OCRE_EPERM;
		goto refused;
	}
	size_t payload_len = b.len;

	/* 3. The layer, streamed into the store's install while hashing; retried from the top. */
	(void)snprintf(path, sizeof(path), "/v2/%s/blobs/%s", r->repo, wasm_digest);
	ret = RETRY;
	for (int attempt = 0; attempt <= OCRE_PULL_RETRIES && ret == RETRY; attempt++) {
		struct ocre_store_install_req req = {
			.name = r->name,
			.manifest_size = (uint32_t)manifest_len,
			.payload_size = (uint32_t)payload_len,
			.der_size = (uint32_t)der_len,
			.wasm_size = (uint32_t)wasm_size,
			.expect_digest = digest,
		};
		struct layer_sink l = {.got = 0};

		if (attempt > 0) {
			ocre_log(OCRE_LOG_WRN, "%s: %s, retrying", r->name, *why);
			ocre_port_sleep_ms(BACKOFF_MS << (attempt - 1));
		}
		ret = ocre_agent_install_begin(&req);
		if (ret != 0) {
			*why = ret == -OCRE_ENOMEM ? "does not fit in the container store"
						   : "the image's sizes are out of bounds";
			goto refused;
		}
		if (ocre_agent_install_write(manifest, manifest_len) != 0 ||
		    ocre_agent_install_write(payload, payload_len) != 0 ||
		    ocre_agent_install_write(der, (size_t)der_len) != 0 ||
		    ocre_port_sha256_begin(&l.sha) != 0) {
			ocre_agent_install_abort();
			*why = "a flash write failed";
			ret = -OCRE_EIO;
			goto refused;
		}
		ret = get(r, path, "application/octet-stream", wasm_size, to_store, &l, why);
		(void)ocre_port_sha256_end(&l.sha, ret == 0 ? got_hash : NULL);
		if (ret != 0) {
			ocre_agent_install_abort();
		}
	}
	if (ret != 0) {
		goto refused;
	}
	if (memcmp(got_hash, layer_hash, 32) != 0) {
		ocre_agent_install_abort();
		*why = "tampered: the layer's sha256 is not its digest";
		ret = -OCRE_EPERM;
		goto refused;
	}
	/* 4. The store reads it all back and verifies the signature before it replaces anything. */
	return ocre_agent_install_commit(why, entry);

refused:
	ocre_log(OCRE_LOG_ERR, "%s: pull refused: %s", r->name, *why);
	ocre_health_emit(OCRE_HEALTH_REFUSED, r->name, "reason=pull: %s", *why);
	return ret;
}
