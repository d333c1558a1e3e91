/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The device agent: installs, updates, removes and rolls back signed containers in the
 * container store (ocre/ocre_store.h) at run time, runs what is installed next to the embedded
 * containers, and rolls back a new version that fails its trial. Transports (SMP over TCP or
 * the console, the registry pull client) call it; it never blocks on I/O itself.
 *
 * One thread calls the agent (the transport's): it is not reentrant.
 */

#ifndef OCRE_OCRE_AGENT_H_
#define OCRE_OCRE_AGENT_H_

#include <stdbool.h>
#include <stdint.h>

#include <ocre/ocre_store.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Installed containers that can run at once, and the largest module each may be. */
#if defined(CONFIG_OCRE_AGENT_MAX_RUNNING)
#define OCRE_AGENT_MAX_RUNNING CONFIG_OCRE_AGENT_MAX_RUNNING
#elif !defined(OCRE_AGENT_MAX_RUNNING)
#define OCRE_AGENT_MAX_RUNNING 2
#endif
#if defined(CONFIG_OCRE_AGENT_MAX_WASM)
#define OCRE_AGENT_MAX_WASM CONFIG_OCRE_AGENT_MAX_WASM
#elif !defined(OCRE_AGENT_MAX_WASM)
#define OCRE_AGENT_MAX_WASM 65536
#endif
/* The trial period: a new version that fails sooner is rolled back. */
#if defined(CONFIG_OCRE_AGENT_TRIAL_MS)
#define OCRE_AGENT_TRIAL_MS CONFIG_OCRE_AGENT_TRIAL_MS
#elif !defined(OCRE_AGENT_TRIAL_MS)
#define OCRE_AGENT_TRIAL_MS 10000
#endif

struct ocre_agent_config {
	struct ocre_store *store; /* opened (ocre_store_open) */
	uint32_t trial_ms;        /* 0: OCRE_AGENT_TRIAL_MS */
	/*
	 * Start installed containers (ocre_init must have run). false: the store alone, for a
	 * host without an engine (the POSIX device of the tests).
	 */
	bool run;
	/*
	 * The registry client may resolve a tag to a digest itself (CONFIG_OCRE_AGENT_PULL_TAGS).
	 * Off: it pulls by digest only. Either way it installs only what a trusted key signed.
	 */
	bool allow_tags;
};

/* Applies the boot rule (ocre_store_boot) and starts every installed container. */
int ocre_agent_init(const struct ocre_agent_config *cfg);
/* What ocre_agent_init was told about tags (the registry client's policy). */
bool ocre_agent_tags_allowed(void);

/* An install: begin (sizes checked, slot erased), write the parts in order, commit. */
int ocre_agent_install_begin(const struct ocre_store_install_req *req);
int ocre_agent_install_write(const void *data, size_t len);
/*
 * Verifies and commits; on success the new version replaces the running one (on trial when
 * there is a previous version) and *entry describes it. On a refusal *why says why; the old
 * version keeps running and a "refused" health event is published.
 */
int ocre_agent_install_commit(const char **why, struct ocre_store_entry *entry);
void ocre_agent_install_abort(void);
bool ocre_agent_installing(void);

/* Back to the previous version (-ENOENT if none), `reason` for the log and health event. */
int ocre_agent_rollback(const char *name, const char *reason);
/* Stops and erases every version of `name`. */
int ocre_agent_remove(const char *name);
int ocre_agent_list(struct ocre_store_entry *out, size_t max);
/* The container id an installed container runs as, or -ENOENT. */
int ocre_agent_container(const char *name);

/*
 * Applies the trial rule to versions on trial (ocre_trial_judge): confirms those that lasted
 * the trial period, rolls back those that trapped or exited non-zero sooner. The transport's
 * thread calls it between requests (it only reads container status: nothing blocks).
 */
void ocre_agent_poll(void);

#ifdef __cplusplus
}
#endif

#endif /* OCRE_OCRE_AGENT_H_ */
