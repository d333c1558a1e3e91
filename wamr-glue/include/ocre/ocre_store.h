/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The container store: signed containers installed at run time, kept in a flash region (a
 * Zephyr flash-map partition, a file on POSIX) as slots with headers, two per container so that
 * an update never overwrites the version that runs, and a rollback has somewhere to go.
 * docs/deploy.md gives the layout and the argument that power loss at any write leaves the old
 * or the new version, never a broken one.
 *
 * Needs signature checking (OCRE_VERIFY): nothing is installed that a trusted key did not sign.
 */

#ifndef OCRE_OCRE_STORE_H_
#define OCRE_OCRE_STORE_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ocre/ocre.h>
#include <ocre/ocre_port.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A flash region: read anywhere, program only erased bytes (erased reads 0xff) in units of
 * write_size at write_size-aligned offsets, erase in erase_size blocks. Each call returns 0 or
 * a negative errno; a write or erase that fails part-way may leave any bytes of its range in
 * any state (the store assumes nothing else).
 */
struct ocre_flash {
	int (*read)(const struct ocre_flash *f, uint32_t off, void *buf, size_t len);
	int (*write)(const struct ocre_flash *f, uint32_t off, const void *buf, size_t len);
	int (*erase)(const struct ocre_flash *f, uint32_t off, size_t len);
	uint32_t size;       /* bytes in the region */
	uint32_t erase_size; /* erase block, a power of two */
	uint32_t write_size; /* program unit, a power of two <= OCRE_STORE_WRITE_MAX */
	void *ctx;           /* the port's */
};

#define OCRE_STORE_WRITE_MAX    32u    /* largest program unit supported */
#define OCRE_STORE_MAX_SLOTS    16u    /* slots per region: up to 8 containers with rollback */
/* Signed manifest and payload kept per version (read back into static RAM to be verified). */
#if defined(CONFIG_OCRE_STORE_MAX_MANIFEST)
#define OCRE_STORE_MAX_MANIFEST CONFIG_OCRE_STORE_MAX_MANIFEST
#elif !defined(OCRE_STORE_MAX_MANIFEST)
#define OCRE_STORE_MAX_MANIFEST 4096u
#endif
#define OCRE_STORE_MAX_PAYLOAD 1024u
#define OCRE_STORE_MAX_DER      72u
#define OCRE_STORE_NAME_BYTES   64u /* OCRE_MAX_NAME_BYTES + NUL */

/* What an installed container's versions look like (ocre_store_list). */
struct ocre_store_entry {
	char name[OCRE_STORE_NAME_BYTES];
	uint8_t manifest_digest[32]; /* sha256 of the signed manifest: the image's digest */
	uint32_t seq;                /* install sequence number: newer is larger */
	uint32_t wasm_size;
	bool confirmed; /* ran its trial period, or was installed without one */
	bool trial;     /* has been started since it was installed */
	bool has_previous; /* an older verified version is kept for a rollback */
	uint8_t previous_digest[32];
};

struct ocre_store_slot {
	bool valid;
	bool trial, confirmed, rejected;
	uint32_t seq;
	char name[OCRE_STORE_NAME_BYTES];
	uint8_t manifest_digest[32];
	uint32_t manifest_size, payload_size, der_size, wasm_size;
};

struct ocre_store {
	const struct ocre_flash *flash;
	uint32_t slot_size;
	uint8_t slot_count;
	uint32_t next_seq;
	struct ocre_store_slot slots[OCRE_STORE_MAX_SLOTS];
};

/*
 * A verified version about to be committed, for a last check by the caller (the device
 * agent's: can this firmware run it?): its manifest as signed, and its Wasm, read from flash
 * with ocre_store_candidate_read.
 */
struct ocre_store_candidate {
	const char *name;
	const uint8_t *manifest;
	uint32_t manifest_size;
	const struct ocre_store *store;
	uint32_t wasm_at; /* flash offset */
	uint32_t wasm_size;
};
/* 0 to commit; otherwise the install is refused with *why, and the old version stays. */
typedef int (*ocre_store_accept_fn)(const struct ocre_store_candidate *c, const char **why);
/* Reads [off, off + len) of the candidate's Wasm. 0 or -errno. */
int ocre_store_candidate_read(const struct ocre_store_candidate *c, uint32_t off, void *buf,
			      size_t len);

/*
 * What an install will write: every size is checked against the limits and the slot before
 * anything is erased. expect_digest, when not NULL, is the manifest digest asked for
 * (`repo@sha256:...`): a manifest with another digest is refused. accept, when not NULL, has
 * the last say once the version is verified.
 */
struct ocre_store_install_req {
	const char *name;
	uint32_t manifest_size, payload_size, der_size, wasm_size;
	const uint8_t *expect_digest; /* 32 bytes or NULL */
	ocre_store_accept_fn accept;
};

/* An install in progress: the parts are streamed in order manifest, payload, signature, Wasm. */
struct ocre_store_install {
	struct ocre_store *store;
	uint8_t slot;
	uint32_t total; /* body bytes expected */
	uint32_t done;  /* body bytes received */
	uint32_t buffered;
	uint8_t buf[256]; /* a multiple of every program unit */
	struct ocre_store_slot meta;
	ocre_store_accept_fn accept;
	bool expect_digest;
	bool active;
};

/* Scans the region (nothing is written). 0 or -errno (-EINVAL: the geometry does not fit). */
int ocre_store_open(struct ocre_store *s, const struct ocre_flash *flash, uint8_t slot_count);

/* Installed containers, the version that runs for each; returns how many (<= max). */
int ocre_store_list(const struct ocre_store *s, struct ocre_store_entry *out, size_t max);

int ocre_store_install_begin(struct ocre_store *s, const struct ocre_store_install_req *req,
			     struct ocre_store_install *in);
int ocre_store_install_write(struct ocre_store_install *in, const void *data, size_t len);
/*
 * Reads the written slot back, checks the manifest digest asked for and the signature against
 * the trusted keys (ocre_verify_signed), asks the request's accept, and only then writes the
 * header that makes it the newest version. On a refusal *why says which check failed and the old version stays.
 */
int ocre_store_install_commit(struct ocre_store_install *in, const char **why);
void ocre_store_install_abort(struct ocre_store_install *in);

/*
 * The version of `name` that runs: its slot index, or -ENOENT. A rolled-back (rejected) version
 * never runs again; of the others the newest does.
 */
int ocre_store_active(const struct ocre_store *s, const char *name);
/* The version a rollback of `name` would return to, or -ENOENT. */
int ocre_store_previous(const struct ocre_store *s, const char *name);

/* Marks the running version of `name`: started (its trial began), confirmed (trial passed). */
int ocre_store_mark_trial(struct ocre_store *s, const char *name);
int ocre_store_confirm(struct ocre_store *s, const char *name);
/* Rolls `name` back to its previous version (-ENOENT if there is none): the newest is rejected. */
int ocre_store_rollback(struct ocre_store *s, const char *name);
/* Erases every version of `name`, the older first. */
int ocre_store_remove(struct ocre_store *s, const char *name);

/*
 * The boot rule (MCUboot's "test" images): a version that had started its trial but was never
 * confirmed when the device went down is rolled back when a previous version exists. Returns
 * the number of versions rolled back.
 */
int ocre_store_boot(struct ocre_store *s);

/*
 * Reads slot `slot`'s parts into the caller's buffers (sizes checked against the caps given)
 * and fills sig to point into them, ready for ocre_container_add (which verifies them again).
 */
struct ocre_store_loaded {
	uint8_t *manifest;
	uint32_t manifest_cap;
	uint8_t *payload;
	uint32_t payload_cap;
	uint8_t *der;
	uint32_t der_cap;
	uint8_t *wasm;
	uint32_t wasm_cap;
	uint32_t wasm_size;
	struct ocre_signature sig;
};
int ocre_store_load(const struct ocre_store *s, int slot, struct ocre_store_loaded *out);

/*
 * The rollback rule for a version on trial (portable, no I/O): a run that ended with a trap or
 * a non-zero exit code within trial_ms of starting condemns it; running for trial_ms confirms
 * it. Returns the decision for one observation.
 */
enum ocre_trial_verdict {
	OCRE_TRIAL_PENDING = 0,
	OCRE_TRIAL_CONFIRM,
	OCRE_TRIAL_ROLLBACK,
};
enum ocre_trial_verdict ocre_trial_judge(bool finished, int32_t exit_code, uint64_t ran_ms,
					 uint32_t trial_ms);

#ifdef __cplusplus
}
#endif

#endif /* OCRE_OCRE_STORE_H_ */
