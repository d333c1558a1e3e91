/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The device agent's SMP group (ocre/ocre_smp.h): requests decoded from CBOR, checked, handed
 * to the agent, answered with MCUmgr's "rc" and, on an error, a reason in "rsn" (what Zephyr's
 * MCUmgr sends with CONFIG_MCUMGR_SMP_VERBOSE_ERR_RESPONSE).
 */

#include <string.h>

#include <ocre/ocre_agent.h>
#include <ocre/ocre_logring.h>
#include <ocre/ocre_pull.h>
#include <ocre/ocre_smp.h>

#include "ocre_cbor.h"
#include "ocre_internal.h"

#define MAX_FIELDS 12
#define MAX_CHUNK  1024u

size_t ocre_smp_frame_len(const uint8_t hdr[OCRE_SMP_HEADER_SIZE])
{
	return ((size_t)hdr[2] << 8) | hdr[3];
}

static int rc_of(int err)
{
	switch (err) {
	case 0:
		return OCRE_SMP_EOK;
	case -OCRE_ENOMEM:
		return OCRE_SMP_ENOMEM;
	case -OCRE_EINVAL:
		return OCRE_SMP_EINVAL;
	case -OCRE_ENOENT:
		return OCRE_SMP_ENOENT;
	case -OCRE_EBUSY:
		return OCRE_SMP_EBUSY;
	case -OCRE_EPERM:
		return OCRE_SMP_EACCESSDENIED;
	case -OCRE_ENOSYS:
		return OCRE_SMP_ENOTSUP;
	default:
		return OCRE_SMP_EUNKNOWN;
	}
}

/* A text field as a bounded C string; false when absent, too long or not printable ASCII. */
static bool text_field(const struct ocre_cbor_field *f, int n, const char *key, char *out,
		       size_t cap)
{
	const struct ocre_cbor_field *v = ocre_cbor_get(f, n, key, OCRE_CBOR_TEXT);

	if (v == NULL || v->n == 0 || v->n >= cap) {
		return false;
	}
	for (size_t i = 0; i < v->n; i++) {
		if (v->p[i] < 0x21 || v->p[i] > 0x7e) {
			return false;
		}
	}
	memcpy(out, v->p, v->n);
	out[v->n] = '\0';
	return true;
}

static bool uint_field(const struct ocre_cbor_field *f, int n, const char *key, uint32_t *out)
{
	const struct ocre_cbor_field *v = ocre_cbor_get(f, n, key, OCRE_CBOR_UINT);

	if (v == NULL || v->u > UINT32_MAX) {
		return false;
	}
	*out = (uint32_t)v->u;
	return true;
}

static void answer_rc(struct ocre_cbor_w *w, int err, const char *why)
{
	bool reason = err != 0 && why != NULL && why[0] != '\0';

	ocre_cbor_map(w, reason ? 2 : 1);
	ocre_cbor_cstr(w, "rc");
	ocre_cbor_uint(w, (uint64_t)rc_of(err));
	if (reason) {
		ocre_cbor_cstr(w, "rsn");
		ocre_cbor_cstr(w, why);
	}
}

static void write_entry(struct ocre_cbor_w *w, const struct ocre_store_entry *e)
{
	char d[OCRE_DIGEST_TEXT_SIZE];

	ocre_cbor_map(w, e->has_previous ? 7 : 6);
	ocre_cbor_cstr(w, "name");
	ocre_cbor_cstr(w, e->name);
	ocre_cbor_cstr(w, "digest");
	ocre_digest_text(e->manifest_digest, 32, d);
	ocre_cbor_cstr(w, d);
	ocre_cbor_cstr(w, "seq");
	ocre_cbor_uint(w, e->seq);
	ocre_cbor_cstr(w, "size");
	ocre_cbor_uint(w, e->wasm_size);
	ocre_cbor_cstr(w, "confirmed");
	ocre_cbor_bool(w, e->confirmed);
	ocre_cbor_cstr(w, "running");
	ocre_cbor_bool(w, ocre_agent_container(e->name) >= 0);
	if (e->has_previous) {
		ocre_cbor_cstr(w, "previous");
		ocre_digest_text(e->previous_digest, 32, d);
		ocre_cbor_cstr(w, d);
	}
}

static void cmd_list(struct ocre_cbor_w *w)
{
	static struct ocre_store_entry e[OCRE_STORE_MAX_SLOTS];
	int n = ocre_agent_list(e, OCRE_STORE_MAX_SLOTS);

	if (n < 0) {
		answer_rc(w, n, "no container store");
		return;
	}
	ocre_cbor_map(w, 2);
	ocre_cbor_cstr(w, "rc");
	ocre_cbor_uint(w, 0);
	ocre_cbor_cstr(w, "containers");
	ocre_cbor_array(w, (size_t)n);
	for (int i = 0; i < n; i++) {
		write_entry(w, &e[i]);
	}
}

/* Finishes an install (committed or refused) with the answer the host shows. */
static void answer_commit(struct ocre_cbor_w *w, int ret, const char *why,
			  const struct ocre_store_entry *e, uint32_t off)
{
	if (ret != 0) {
		answer_rc(w, ret, why);
		return;
	}
	ocre_cbor_map(w, 4);
	ocre_cbor_cstr(w, "rc");
	ocre_cbor_uint(w, 0);
	ocre_cbor_cstr(w, "off");
	ocre_cbor_uint(w, off);
	ocre_cbor_cstr(w, "seq");
	ocre_cbor_uint(w, e->seq);
	ocre_cbor_cstr(w, "entry");
	write_entry(w, e);
}

/*
 * Install chunks, as MCUmgr's image upload: {"off": 0, "name", "msz", "psz", "dsz", "wsz",
 * optional "sha" (32 bytes: the manifest digest asked for), "data"}, then {"off", "data"}.
 * Each answer gives the next offset; a wrong offset gets the expected one back.
 */
static void cmd_install(struct ocre_cbor_w *w, const struct ocre_cbor_field *f, int n)
{
	static uint32_t next_off;
	static uint32_t total;
	const struct ocre_cbor_field *data = ocre_cbor_get(f, n, "data", OCRE_CBOR_BYTES);
	uint32_t off;

	if (data == NULL || data->n > MAX_CHUNK || !uint_field(f, n, "off", &off)) {
		answer_rc(w, -OCRE_EINVAL, "an install chunk needs \"off\" and \"data\" (<= 1024 bytes)");
		return;
	}
	if (off == 0) {
		char name[OCRE_STORE_NAME_BYTES];
		struct ocre_store_install_req req = {.name = name};
		const struct ocre_cbor_field *sha = ocre_cbor_get(f, n, "sha", OCRE_CBOR_BYTES);

		if (!text_field(f, n, "name", name, sizeof(name)) ||
		    !uint_field(f, n, "msz", &req.manifest_size) ||
		    !uint_field(f, n, "psz", &req.payload_size) ||
		    !uint_field(f, n, "dsz", &req.der_size) ||
		    !uint_field(f, n, "wsz", &req.wasm_size) || (sha != NULL && sha->n != 32)) {
			answer_rc(w, -OCRE_EINVAL,
				  "the first chunk needs name, msz, psz, dsz, wsz (and sha: 32 bytes)");
			return;
		}
		req.expect_digest = sha != NULL ? sha->p : NULL;
		int ret = ocre_agent_install_begin(&req);

		if (ret != 0) {
			answer_rc(w, ret,
				  ret == -OCRE_ENOMEM ? "does not fit: no free slot or too large"
						      : "refused: a size or the name is out of bounds");
			return;
		}
		next_off = 0;
		total = req.manifest_size + req.payload_size + req.der_size + req.wasm_size;
	} else if (!ocre_agent_installing() || off != next_off) {
		ocre_cbor_map(w, 3);
		ocre_cbor_cstr(w, "rc");
		ocre_cbor_uint(w, OCRE_SMP_EBADSTATE);
		ocre_cbor_cstr(w, "off");
		ocre_cbor_uint(w, ocre_agent_installing() ? next_off : 0);
		ocre_cbor_cstr(w, "rsn");
		ocre_cbor_cstr(w, "unexpected offset");
		return;
	}
	if (ocre_agent_install_write(data->p, data->n) != 0) {
		ocre_agent_install_abort();
		answer_rc(w, -OCRE_EINVAL, "more data than announced, or a flash write failed");
		return;
	}
	next_off += (uint32_t)data->n;
	if (next_off < total) {
		ocre_cbor_map(w, 2);
		ocre_cbor_cstr(w, "rc");
		ocre_cbor_uint(w, 0);
		ocre_cbor_cstr(w, "off");
		ocre_cbor_uint(w, next_off);
		return;
	}
	const char *why = "";
	struct ocre_store_entry e;
	int ret = ocre_agent_install_commit(&why, &e);

	answer_commit(w, ret, why, &e, next_off);
}

static void cmd_name(struct ocre_cbor_w *w, const struct ocre_cbor_field *f, int n, uint8_t cmd)
{
	char name[OCRE_STORE_NAME_BYTES];

	if (!text_field(f, n, "name", name, sizeof(name))) {
		answer_rc(w, -OCRE_EINVAL, "\"name\" is missing or not a container name");
		return;
	}
	int ret = cmd == OCRE_SMP_CMD_REMOVE ? ocre_agent_remove(name)
					     : ocre_agent_rollback(name, "asked by the host");

	answer_rc(w, ret,
		  ret == -OCRE_ENOENT ? (cmd == OCRE_SMP_CMD_REMOVE ? "no such container"
								    : "no previous version to go back to")
				      : "failed");
}

#if OCRE_HAS_AGENT_PULL
/*
 * {"name", "host", "port", "repo", "sha": 32 bytes | "tag": text[, "tls": true]}: the device
 * pulls repo@sha (or repo:tag, where it allows tags) itself, over https when "tls" is true.
 */
static void cmd_pull(struct ocre_cbor_w *w, const struct ocre_cbor_field *f, int n)
{
	static struct ocre_pull_req req;
	const struct ocre_cbor_field *sha = ocre_cbor_get(f, n, "sha", OCRE_CBOR_BYTES);
	uint32_t port;

	memset(&req, 0, sizeof(req));
	if (!text_field(f, n, "name", req.name, sizeof(req.name)) ||
	    !text_field(f, n, "host", req.host, sizeof(req.host)) ||
	    !text_field(f, n, "repo", req.repo, sizeof(req.repo)) ||
	    !uint_field(f, n, "port", &port) || port == 0 || port > 65535) {
		answer_rc(w, -OCRE_EINVAL, "a pull needs name, host, port, repo and sha (32 bytes)");
		return;
	}
	bool tagged = ocre_cbor_get(f, n, "tag", OCRE_CBOR_TEXT) != NULL;

	if (tagged ? sha != NULL || !text_field(f, n, "tag", req.tag, sizeof(req.tag))
		   : sha == NULL || sha->n != 32) {
		answer_rc(w, -OCRE_EINVAL, "a pull needs either sha (32 bytes) or tag (text), not both");
		return;
	}
	const struct ocre_cbor_field *tls = ocre_cbor_get(f, n, "tls", OCRE_CBOR_BOOL);

	req.port = (uint16_t)port;
	req.tls = tls != NULL && tls->u == 1;
	if (!tagged) {
		memcpy(req.digest, sha->p, 32);
	}
	const char *why = "";
	struct ocre_store_entry e;
	int ret = ocre_pull_install(&req, &why, &e);

	answer_commit(w, ret, why, &e, e.wasm_size);
}
#else
static void cmd_pull(struct ocre_cbor_w *w, const struct ocre_cbor_field *f, int n)
{
	(void)f;
	(void)n;
	answer_rc(w, -OCRE_ENOSYS, "this device has no registry client (CONFIG_OCRE_AGENT_PULL)");
}
#endif

#if OCRE_HAS_LOG_RING
/* At most 23 entries per answer, so that the array's CBOR head is one byte, patched at the end. */
#define LOGS_MAX_ENTRIES 23
/* CBOR bytes of an entry besides its name and text (keys, heads, numbers), rounded up. */
#define LOGS_ENTRY_OVERHEAD 64
/* Room kept for the answer's last key and value ("next": a uint32). */
#define LOGS_TAIL 16

/*
 * {"since"?: seq} -> {"rc", "first", "entries": [{"seq", "ms", "kind", "name", "text"}], "next"}:
 * the entries from max(since, first) on, as many as fit in a frame; "next" is the sequence to
 * ask for next (less than "since" after the device restarted). "first" > "since" tells the host
 * that the ring overwrote what it had not read yet.
 */
static void cmd_logs(struct ocre_cbor_w *w, const struct ocre_cbor_field *f, int n)
{
	static struct ocre_logring_entry e;
	uint32_t since = 0;
	uint32_t first;
	uint32_t next;
	const struct ocre_cbor_field *s = ocre_cbor_get(f, n, "since", OCRE_CBOR_UINT);

	if (s != NULL) {
		if (s->u > UINT32_MAX) {
			answer_rc(w, -OCRE_EINVAL, "\"since\" is not a sequence number");
			return;
		}
		since = (uint32_t)s->u;
	}
	ocre_logring_bounds(&first, &next);
	ocre_cbor_map(w, 4);
	ocre_cbor_cstr(w, "rc");
	ocre_cbor_uint(w, 0);
	ocre_cbor_cstr(w, "first");
	ocre_cbor_uint(w, first);
	ocre_cbor_cstr(w, "entries");
	size_t head = w->len;
	uint8_t count = 0;
	uint32_t seq = since > first ? since : first;

	ocre_cbor_array(w, 0); /* patched below */
	for (; seq < next && count < LOGS_MAX_ENTRIES && !w->overflow; seq++) {
		if (!ocre_logring_get(seq, &e)) {
			continue; /* overwritten since the bounds were read */
		}
		if (w->len + LOGS_ENTRY_OVERHEAD + strlen(e.name) + strlen(e.text) + LOGS_TAIL >
		    w->cap) {
			break;
		}
		ocre_cbor_map(w, 5);
		ocre_cbor_cstr(w, "seq");
		ocre_cbor_uint(w, e.seq);
		ocre_cbor_cstr(w, "ms");
		ocre_cbor_uint(w, e.uptime_ms);
		ocre_cbor_cstr(w, "kind");
		ocre_cbor_cstr(w, ocre_logring_kind_name(e.kind));
		ocre_cbor_cstr(w, "name");
		ocre_cbor_cstr(w, e.name);
		ocre_cbor_cstr(w, "text");
		ocre_cbor_cstr(w, e.text);
		count++;
	}
	if (!w->overflow) {
		w->buf[head] = (uint8_t)(0x80u | count);
	}
	ocre_cbor_cstr(w, "next");
	ocre_cbor_uint(w, count > 0 || since <= next ? seq : next);
}
#else
static void cmd_logs(struct ocre_cbor_w *w, const struct ocre_cbor_field *f, int n)
{
	(void)f;
	(void)n;
	answer_rc(w, -OCRE_ENOSYS, "this device keeps no log ring (CONFIG_OCRE_LOG_RING)");
}
#endif

size_t ocre_smp_handle(const uint8_t *req, size_t len, uint8_t *rsp, size_t cap)
{
	struct ocre_cbor_field f[MAX_FIELDS];
	struct ocre_cbor_w w = {.buf = rsp + OCRE_SMP_HEADER_SIZE,
				.cap = cap - OCRE_SMP_HEADER_SIZE};

	if (req == NULL || len < OCRE_SMP_HEADER_SIZE || cap < OCRE_SMP_MAX_FRAME) {
		return 0;
	}
	uint8_t op = req[0] & 0x07;
	uint16_t group = (uint16_t)((req[4] << 8) | req[5]);
	uint8_t cmd = req[7];
	int n = ocre_smp_frame_len(req) == len - OCRE_SMP_HEADER_SIZE
			? ocre_cbor_flat_map(req + OCRE_SMP_HEADER_SIZE, len - OCRE_SMP_HEADER_SIZE,
					     f, MAX_FIELDS)
			: -OCRE_EINVAL;

	if (group != OCRE_SMP_GROUP || (op != OCRE_SMP_OP_READ && op != OCRE_SMP_OP_WRITE)) {
		answer_rc(&w, -OCRE_ENOSYS, "unknown group or operation");
	} else if (n < 0) {
		answer_rc(&w, -OCRE_EINVAL, "the body is not a flat CBOR map");
	} else if (op == OCRE_SMP_OP_READ && cmd == OCRE_SMP_CMD_LIST) {
		cmd_list(&w);
	} else if (op == OCRE_SMP_OP_WRITE && cmd == OCRE_SMP_CMD_INSTALL) {
		cmd_install(&w, f, n);
	} else if (op == OCRE_SMP_OP_WRITE &&
		   (cmd == OCRE_SMP_CMD_REMOVE || cmd == OCRE_SMP_CMD_ROLLBACK)) {
		cmd_name(&w, f, n, cmd);
	} else if (op == OCRE_SMP_OP_READ && cmd == OCRE_SMP_CMD_LOGS) {
		cmd_logs(&w, f, n);
	} else if (op == OCRE_SMP_OP_WRITE && cmd == OCRE_SMP_CMD_PULL) {
		cmd_pull(&w, f, n);
	} else {
		answer_rc(&w, -OCRE_ENOSYS, "unknown command");
	}
	if (w.overflow) {
		w.len = 0;
		w.overflow = false;
		answer_rc(&w, -OCRE_ENOMEM, "the answer does not fit in a frame");
	}
	/* The response header: version 1 (SMP v2), the op's response, same group, seq and id. */
	rsp[0] = (uint8_t)((1u << 3) | (op == OCRE_SMP_OP_READ ? OCRE_SMP_OP_READ_RSP : OCRE_SMP_OP_WRITE_RSP));
	rsp[1] = 0;
	rsp[2] = (uint8_t)(w.len >> 8);
	rsp[3] = (uint8_t)w.len;
	rsp[4] = req[4];
	rsp[5] = req[5];
	rsp[6] = req[6];
	rsp[7] = cmd;
	return OCRE_SMP_HEADER_SIZE + w.len;
}
