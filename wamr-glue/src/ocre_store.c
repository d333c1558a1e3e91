/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The container store (ocre/ocre_store.h): slots with headers in a flash region.
 *
 * A slot, slot_size bytes at i * slot_size:
 *   [0, 256)    header: magic, format, sequence number, part sizes, name, manifest and Wasm
 *               digests, and a sha256 of all that (its last 32 bytes)
 *   [256, 352)  three flags, one program unit each (<= 32 bytes): trial, confirmed, rejected;
 *               erased means clear, anything else set (so a half-written flag counts as set)
 *   [512, ...)  body: manifest | payload | DER signature | Wasm, back to back
 *
 * An install erases the target slot (the header's block first), writes the body, reads it back
 * and verifies it, and only then writes the header. The header is the commit record: until its
 * checksum is complete the slot does not exist, and the newest valid, not rejected slot of a
 * name is the one that runs. docs/deploy.md walks through every write step.
 *
 * Not reentrant: one caller (the device agent) owns a store.
 */

#include <string.h>

#include <ocre/ocre_store.h>

#include "ocre_internal.h"

#define HDR_SIZE      256u
#define HDR_SUM_AT    (HDR_SIZE - 32u)
#define FLAG_AT       256u
#define FLAG_UNIT     32u
#define FLAG_TRIAL    0u
#define FLAG_CONFIRM  1u
#define FLAG_REJECT   2u
#define BODY_AT       512u
#define CHUNK         256u /* body writes and read-backs: a multiple of any program unit */
#define STORE_MAGIC   0x5352434fu /* "OCRS" little-endian */
#define STORE_FORMAT  1u


/* The commit's read-back buffers: one commit at a time (the store is not reentrant). */
static uint8_t rb_manifest[OCRE_STORE_MAX_MANIFEST];
static uint8_t rb_payload[OCRE_STORE_MAX_PAYLOAD];
static uint8_t rb_der[OCRE_STORE_MAX_DER];

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static uint32_t slot_off(const struct ocre_store *s, unsigned int i)
{
	return (uint32_t)i * s->slot_size;
}

static bool is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* Names end up in logs, health topics and JSON: a conservative, bounded alphabet. */
static bool valid_name(const char *name)
{
	size_t n = 0;

	if (name == NULL || name[0] == '\0' || name[0] == '.' || name[0] == '-') {
		return false;
	}
	for (; name[n] != '\0'; n++) {
		char ch = name[n];

		if (n >= OCRE_STORE_NAME_BYTES - 1) {
			return false;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '_' || ch == '.')) {
			return false;
		}
	}
	return true;
}

static int flash_read(const struct ocre_store *s, uint32_t off, void *buf, size_t len)
{
	if (off > s->flash->size || len > s->flash->size - off) {
		return -OCRE_EINVAL;
	}
	return s->flash->read(s->flash, off, buf, len);
}

/* ---- headers and flags ------------------------------------------------------------------ */

static void encode_header(const struct ocre_store_slot *m, const uint8_t wasm_digest[32],
			  uint8_t hdr[HDR_SIZE])
{
	memset(hdr, 0, HDR_SIZE);
	put32(hdr + 0, STORE_MAGIC);
	put32(hdr + 4, STORE_FORMAT);
	put32(hdr + 8, m->seq);
	put32(hdr + 12, m->manifest_size);
	put32(hdr + 16, m->payload_size);
	put32(hdr + 20, m->der_size);
	put32(hdr + 24, m->wasm_size);
	memcpy(hdr + 32, m->name, OCRE_STORE_NAME_BYTES);
	memcpy(hdr + 96, m->manifest_digest, 32);
	memcpy(hdr + 128, wasm_digest, 32);
}

/* Reads slot i's header and flags into s->slots[i]; an incomplete header leaves it invalid. */
static void scan_slot(struct ocre_store *s, unsigned int i)
{
	struct ocre_store_slot *m = &s->slots[i];
	uint8_t hdr[HDR_SIZE];
	uint8_t sum[32];
	uint8_t flags[3 * FLAG_UNIT];

	memset(m, 0, sizeof(*m));
	if (flash_read(s, slot_off(s, i), hdr, sizeof(hdr)) != 0 ||
	    get32(hdr) != STORE_MAGIC || get32(hdr + 4) != STORE_FORMAT ||
	    ocre_port_sha256(hdr, HDR_SUM_AT, sum) != 0 || memcmp(sum, hdr + HDR_SUM_AT, 32) != 0) {
		return;
	}
	m->seq = get32(hdr + 8);
	m->manifest_size = get32(hdr + 12);
	m->payload_size = get32(hdr + 16);
	m->der_size = get32(hdr + 20);
	m->wasm_size = get32(hdr + 24);
	memcpy(m->name, hdr + 32, OCRE_STORE_NAME_BYTES);
	m->name[OCRE_STORE_NAME_BYTES - 1] = '\0';
	memcpy(m->manifest_digest, hdr + 96, 32);
	/* A checksummed header with impossible sizes is not ours to trust either. */
	if (m->manifest_size > OCRE_STORE_MAX_MANIFEST ||
	    m->payload_size > OCRE_STORE_MAX_PAYLOAD || m->der_size > OCRE_STORE_MAX_DER ||
	    m->wasm_size > s->slot_size || !valid_name(m->name) ||
	    (uint64_t)BODY_AT + m->manifest_size + m->payload_size + m->der_size + m->wasm_size >
		    s->slot_size) {
		return;
	}
	if (flash_read(s, slot_off(s, i) + FLAG_AT, flags, sizeof(flags)) != 0) {
		return;
	}
	for (unsigned int f = 0; f < 3; f++) {
		bool set = false;

		for (unsigned int b = 0; b < FLAG_UNIT; b++) {
			set |= flags[f * FLAG_UNIT + b] != 0xff;
		}
		if (f == FLAG_TRIAL) {
			m->trial = set;
		} else if (f == FLAG_CONFIRM) {
			m->confirmed = set;
		} else {
			m->rejected = set;
		}
	}
	m->valid = true;
}

static int set_flag(struct ocre_store *s, int slot, unsigned int flag)
{
	static const uint8_t zeros[OCRE_STORE_WRITE_MAX];
	int ret = s->flash->write(s->flash, slot_off(s, (unsigned int)slot) + FLAG_AT +
						    flag * FLAG_UNIT,
				  zeros, s->flash->write_size);

	/* Whatever the write left, read back what the flash now says. */
	scan_slot(s, (unsigned int)slot);
	return ret;
}

int ocre_store_open(struct ocre_store *s, const struct ocre_flash *flash, uint8_t slot_count)
{
	if (s == NULL || flash == NULL || flash->read == NULL || flash->write == NULL ||
	    flash->erase == NULL || slot_count < 2 || slot_count > OCRE_STORE_MAX_SLOTS ||
	    !is_pow2(flash->erase_size) || !is_pow2(flash->write_size) ||
	    flash->write_size > OCRE_STORE_WRITE_MAX) {
		return -OCRE_EINVAL;
	}
	memset(s, 0, sizeof(*s));
	s->flash = flash;
	s->slot_count = slot_count;
	s->slot_size = (flash->size / slot_count) & ~(flash->erase_size - 1);
	if (s->slot_size <= BODY_AT) {
		return -OCRE_EINVAL;
	}
	for (unsigned int i = 0; i < slot_count; i++) {
		scan_slot(s, i);
		if (s->slots[i].valid && s->slots[i].seq >= s->next_seq) {
			s->next_seq = s->slots[i].seq + 1;
		}
	}
	return 0;
}

/* ---- which slot runs -------------------------------------------------------------------- */

static bool of(const struct ocre_store_slot *m, const char *name)
{
	return m->valid && strncmp(m->name, name, OCRE_STORE_NAME_BYTES) == 0;
}

/* The newest valid, not rejected slot of `name` other than `except`, or -ENOENT. */
static int newest(const struct ocre_store *s, const char *name, int except)
{
	int best = -OCRE_ENOENT;

	if (name == NULL) {
		return -OCRE_ENOENT;
	}
	for (int i = 0; i < s->slot_count; i++) {
		const struct ocre_store_slot *m = &s->slots[i];

		if (i != except && of(m, name) && !m->rejected &&
		    (best < 0 || m->seq > s->slots[best].seq)) {
			best = i;
		}
	}
	return best;
}

int ocre_store_active(const struct ocre_store *s, const char *name)
{
	return newest(s, name, -1);
}

int ocre_store_previous(const struct ocre_store *s, const char *name)
{
	int active = newest(s, name, -1);

	return active < 0 ? active : newest(s, name, active);
}

int ocre_store_list(const struct ocre_store *s, struct ocre_store_entry *out, size_t max)
{
	size_t n = 0;

	for (int i = 0; i < s->slot_count && n < max; i++) {
		const struct ocre_store_slot *m = &s->slots[i];

		if (!m->valid || ocre_store_active(s, m->name) != i) {
			continue;
		}
		struct ocre_store_entry *e = &out[n++];
		int prev = ocre_store_previous(s, m->name);

		memset(e, 0, sizeof(*e));
		memcpy(e->name, m->name, sizeof(e->name));
		memcpy(e->manifest_digest, m->manifest_digest, 32);
		e->seq = m->seq;
		e->wasm_size = m->wasm_size;
		e->confirmed = m->confirmed;
		e->trial = m->trial;
		e->has_previous = prev >= 0;
		if (prev >= 0) {
			memcpy(e->previous_digest, s->slots[prev].manifest_digest, 32);
		}
	}
	return (int)n;
}

/* ---- install ---------------------------------------------------------------------------- */

int ocre_store_install_begin(struct ocre_store *s, const struct ocre_store_install_req *req,
			     struct ocre_store_install *in)
{
	if (s == NULL || req == NULL || in == NULL || !valid_name(req->name)) {
		return -OCRE_EINVAL;
	}
	memset(in, 0, sizeof(*in));
	if (req->manifest_size == 0 || req->manifest_size > OCRE_STORE_MAX_MANIFEST ||
	    req->payload_size == 0 || req->payload_size > OCRE_STORE_MAX_PAYLOAD ||
	    req->der_size < 8 || req->der_size > OCRE_STORE_MAX_DER || req->wasm_size < 8) {
		return -OCRE_EINVAL;
	}
	uint64_t total = (uint64_t)req->manifest_size + req->payload_size + req->der_size +
			 req->wasm_size;

	if (BODY_AT + total > s->slot_size) {
		return -OCRE_ENOMEM;
	}
	/* The slot of this name that does not run (its previous or a rejected version), else a
	 * free one: never the running version's.
	 */
	int active = ocre_store_active(s, req->name);
	int target = -1;

	for (int i = 0; i < s->slot_count && target < 0; i++) {
		if (i != active && of(&s->slots[i], req->name)) {
			target = i;
		}
	}
	for (int i = 0; i < s->slot_count && target < 0; i++) {
		if (!s->slots[i].valid) {
			target = i;
		}
	}
	if (target < 0) {
		return -OCRE_ENOMEM;
	}
	/* The header's block first: from here the slot holds no version at all. */
	uint32_t off = slot_off(s, (unsigned int)target);
	uint32_t span = (uint32_t)((BODY_AT + total + s->flash->erase_size - 1) &
				   ~(uint64_t)(s->flash->erase_size - 1));
	uint32_t first = s->flash->erase_size < span ? s->flash->erase_size : span;

	s->slots[target].valid = false;
	int ret = s->flash->erase(s->flash, off, first);

	if (ret == 0 && span > first) {
		ret = s->flash->erase(s->flash, off + first, span - first);
	}
	if (ret != 0) {
		return -OCRE_EIO;
	}
	in->store = s;
	in->slot = (uint8_t)target;
	in->total = (uint32_t)total;
	in->meta.manifest_size = req->manifest_size;
	in->meta.payload_size = req->payload_size;
	in->meta.der_size = req->der_size;
	in->meta.wasm_size = req->wasm_size;
	strncpy(in->meta.name, req->name, OCRE_STORE_NAME_BYTES - 1);
	if (req->expect_digest != NULL) {
		memcpy(in->meta.manifest_digest, req->expect_digest, 32);
		in->expect_digest = true;
	}
	in->accept = req->accept;
	in->active = true;
	return 0;
}

static int flush(struct ocre_store_install *in, bool last)
{
	const struct ocre_flash *f = in->store->flash;
	uint32_t n = in->buffered;

	if (n == 0) {
		return 0;
	}
	if (last) {
		/* Pad the tail to the program unit with erased bytes. */
		uint32_t unit = f->write_size;

		while (n % unit != 0) {
			in->buf[n++] = 0xff;
		}
	}
	uint32_t at = slot_off(in->store, in->slot) + BODY_AT + in->done - in->buffered;
	int ret = f->write(f, at, in->buf, n);

	in->buffered = 0;
	return ret == 0 ? 0 : -OCRE_EIO;
}

int ocre_store_install_write(struct ocre_store_install *in, const void *data, size_t len)
{
	const uint8_t *p = data;

	if (in == NULL || !in->active || (len > 0 && data == NULL)) {
		return -OCRE_EINVAL;
	}
	if (len > in->total - in->done) {
		return -OCRE_EINVAL; /* more than was announced */
	}
	while (len > 0) {
		uint32_t room = (uint32_t)sizeof(in->buf) - in->buffered;
		uint32_t n = len < room ? (uint32_t)len : room;

		memcpy(in->buf + in->buffered, p, n);
		in->buffered += n;
		in->done += n;
		p += n;
		len -= n;
		if (in->buffered == sizeof(in->buf)) {
			int ret = flush(in, false);

			if (ret != 0) {
				return ret;
			}
		}
	}
	return 0;
}

void ocre_store_install_abort(struct ocre_store_install *in)
{
	if (in != NULL) {
		in->active = false; /* the slot has no header: it holds nothing */
	}
}

/* sha256 of `len` bytes of flash at `off`, read back in chunks. */
static int hash_flash(const struct ocre_store *s, uint32_t off, uint32_t len, uint8_t out[32])
{
	struct ocre_sha256 ctx;
	uint8_t chunk[CHUNK];
	int ret = ocre_port_sha256_begin(&ctx);

	if (ret != 0) {
		return ret;
	}
	while (len > 0 && ret == 0) {
		uint32_t n = len < CHUNK ? len : CHUNK;

		ret = flash_read(s, off, chunk, n);
		if (ret == 0) {
			ret = ocre_port_sha256_update(&ctx, chunk, n);
		}
		off += n;
		len -= n;
	}
	int end = ocre_port_sha256_end(&ctx, ret == 0 ? out : NULL);

	return ret != 0 ? ret : end;
}

int ocre_store_install_commit(struct ocre_store_install *in, const char **why)
{
	static const char *unused;

	if (why == NULL) {
		why = &unused;
	}
	*why = "";
	if (in == NULL || !in->active) {
		return -OCRE_EINVAL;
	}
	in->active = false;
	if (in->done != in->total) {
		*why = "incomplete: fewer bytes than announced";
		return -OCRE_EINVAL;
	}
	struct ocre_store *s = in->store;
	struct ocre_store_slot *m = &in->meta;
	uint32_t body = slot_off(s, in->slot) + BODY_AT;
	uint8_t wasm_hash[32];
	uint8_t digest[32];

	if (flush(in, true) != 0) {
		*why = "flash write failed";
		return -OCRE_EIO;
	}
	/* Everything below reads what the flash holds, not what was sent. */
	if (flash_read(s, body, rb_manifest, m->manifest_size) != 0 ||
	    flash_read(s, body + m->manifest_size, rb_payload, m->payload_size) != 0 ||
	    flash_read(s, body + m->manifest_size + m->payload_size, rb_der, m->der_size) != 0 ||
	    hash_flash(s, body + m->manifest_size + m->payload_size + m->der_size, m->wasm_size,
		       wasm_hash) != 0 ||
	    ocre_port_sha256(rb_manifest, m->manifest_size, digest) != 0) {
		*why = "flash read-back failed";
		return -OCRE_EIO;
	}
	if (in->expect_digest && memcmp(digest, m->manifest_digest, 32) != 0) {
		*why = "the manifest's sha256 is not the digest asked for";
		return -OCRE_EPERM;
	}
	memcpy(m->manifest_digest, digest, 32);
	struct ocre_signature sig = {
		.manifest = rb_manifest,
		.manifest_size = m->manifest_size,
		.payload = rb_payload,
		.payload_size = m->payload_size,
		.der = rb_der,
		.der_size = m->der_size,
	};

	if (ocre_verify_signed(wasm_hash, &sig, m->name, why) != 0) {
		return -OCRE_EPERM;
	}
	if (in->accept != NULL) {
		const struct ocre_store_candidate c = {
			.name = m->name,
			.manifest = rb_manifest,
			.manifest_size = m->manifest_size,
			.store = s,
			.wasm_at = body + m->manifest_size + m->payload_size + m->der_size,
			.wasm_size = m->wasm_size,
		};

		if (in->accept(&c, why) != 0) {
			return -OCRE_EPERM;
		}
	}
	/* The commit record: one write of the checksummed header. */
	uint8_t hdr[HDR_SIZE];

	m->seq = s->next_seq;
	encode_header(m, wasm_hash, hdr);
	if (ocre_port_sha256(hdr, HDR_SUM_AT, hdr + HDR_SUM_AT) != 0) {
		*why = "sha256 unavailable";
		return -OCRE_EIO;
	}
	int ret = s->flash->write(s->flash, slot_off(s, in->slot), hdr, sizeof(hdr));

	scan_slot(s, in->slot);
	if (ret != 0 || !s->slots[in->slot].valid) {
		*why = "flash write failed";
		return -OCRE_EIO;
	}
	s->next_seq++;
	return 0;
}

int ocre_store_candidate_read(const struct ocre_store_candidate *c, uint32_t off, void *buf,
			      size_t len)
{
	if (c == NULL || c->store == NULL || off > c->wasm_size || len > c->wasm_size - off) {
		return -OCRE_EINVAL;
	}
	return flash_read(c->store, c->wasm_at + off, buf, len);
}

/* ---- trial, rollback, removal ----------------------------------------------------------- */

int ocre_store_mark_trial(struct ocre_store *s, const char *name)
{
	int a = ocre_store_active(s, name);

	if (a < 0) {
		return a;
	}
	return s->slots[a].trial ? 0 : set_flag(s, a, FLAG_TRIAL);
}

int ocre_store_confirm(struct ocre_store *s, const char *name)
{
	int a = ocre_store_active(s, name);

	if (a < 0) {
		return a;
	}
	return s->slots[a].confirmed ? 0 : set_flag(s, a, FLAG_CONFIRM);
}

int ocre_store_rollback(struct ocre_store *s, const char *name)
{
	int a = ocre_store_active(s, name);

	if (a < 0 || ocre_store_previous(s, name) < 0) {
		return -OCRE_ENOENT;
	}
	return set_flag(s, a, FLAG_REJECT);
}

int ocre_store_remove(struct ocre_store *s, const char *name)
{
	int active = ocre_store_active(s, name);
	int found = 0;

	if (name == NULL) {
		return -OCRE_EINVAL;
	}
	/* The others first, so that a cut leaves the running version, not an older one. */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < s->slot_count; i++) {
			if (!of(&s->slots[i], name) || (pass == 0) == (i == active)) {
				continue;
			}
			found++;
			s->slots[i].valid = false;
			if (s->flash->erase(s->flash, slot_off(s, (unsigned int)i),
					    s->flash->erase_size) != 0) {
				scan_slot(s, (unsigned int)i);
				return -OCRE_EIO;
			}
		}
	}
	return found > 0 ? 0 : -OCRE_ENOENT;
}

int ocre_store_boot(struct ocre_store *s)
{
	int rolled = 0;

	for (int i = 0; i < s->slot_count; i++) {
		const struct ocre_store_slot *m = &s->slots[i];

		if (m->valid && ocre_store_active(s, m->name) == i && m->trial && !m->confirmed &&
		    ocre_store_previous(s, m->name) >= 0) {
			ocre_log(OCRE_LOG_WRN, "%s: version %u never confirmed, rolling back",
				 m->name, (unsigned int)m->seq);
			if (set_flag(s, i, FLAG_REJECT) == 0) {
				rolled++;
			}
		}
	}
	return rolled;
}

/* ---- loading ---------------------------------------------------------------------------- */

int ocre_store_load(const struct ocre_store *s, int slot, struct ocre_store_loaded *out)
{
	if (s == NULL || out == NULL || slot < 0 || slot >= s->slot_count ||
	    !s->slots[slot].valid) {
		return -OCRE_ENOENT;
	}
	const struct ocre_store_slot *m = &s->slots[slot];
	uint32_t at = slot_off(s, (unsigned int)slot) + BODY_AT;

	if (m->manifest_size > out->manifest_cap || m->payload_size > out->payload_cap ||
	    m->der_size > out->der_cap || m->wasm_size > out->wasm_cap) {
		return -OCRE_ENOMEM;
	}
	if (flash_read(s, at, out->manifest, m->manifest_size) != 0 ||
	    flash_read(s, at + m->manifest_size, out->payload, m->payload_size) != 0 ||
	    flash_read(s, at + m->manifest_size + m->payload_size, out->der, m->der_size) != 0 ||
	    flash_read(s, at + m->manifest_size + m->payload_size + m->der_size, out->wasm,
		       m->wasm_size) != 0) {
		return -OCRE_EIO;
	}
	out->wasm_size = m->wasm_size;
	out->sig = (struct ocre_signature){
		.manifest = out->manifest,
		.manifest_size = m->manifest_size,
		.payload = out->payload,
		.payload_size = m->payload_size,
		.der = out->der,
		.der_size = m->der_size,
	};
	return 0;
}

/* ---- the trial rule --------------------------------------------------------------------- */

enum ocre_trial_verdict ocre_trial_judge(bool finished, int32_t exit_code, uint64_t ran_ms,
					 uint32_t trial_ms)
{
	if (ran_ms >= trial_ms) {
		return OCRE_TRIAL_CONFIRM; /* it lasted the trial period, whatever happens next */
	}
	if (!finished) {
		return OCRE_TRIAL_PENDING;
	}
	return exit_code == 0 ? OCRE_TRIAL_CONFIRM : OCRE_TRIAL_ROLLBACK;
}
