/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The device agent (ocre/ocre_agent.h): the store's versions, the containers they run as, and
 * the trial that rolls a failing update back. Installed modules run from RAM copies (WAMR's
 * loader may rewrite its buffer): one block per running installed container, taken from the
 * engine's heap (WAMR's pool) at the sizes its slot header states and given back when it
 * stops, so the agent's static RAM does not grow with OCRE_AGENT_MAX_WASM. Its arguments,
 * environment and GPIO allow-list (ocre_image.c) take a second block, sized to what the image
 * asks for.
 */

#include <stdio.h>
#include <string.h>

#include <ocre/ocre_agent.h>

#include "ocre_image.h"
#include "ocre_internal.h"

struct installed {
	bool used;
	char name[OCRE_STORE_NAME_BYTES];
	int id;        /* container id, or -1 */
	bool on_trial; /* a new version whose trial is running */
	uint64_t trial_started_ms;
	struct ocre_container_meta meta;
	/* Wasm | manifest | payload | DER (the Wasm first: the allocator aligns it), or NULL. */
	uint8_t *block;
	void *settings; /* argv, envp, gpio_allow and their strings, or NULL */
	struct ocre_store_loaded loaded;
};

static struct installed installed[OCRE_AGENT_MAX_RUNNING];
static struct ocre_store *store;
static uint32_t trial_ms = OCRE_AGENT_TRIAL_MS;
static bool run_containers;
static bool allow_tags;
static struct ocre_store_install session;
static char session_name[OCRE_STORE_NAME_BYTES];

/* "sha256:" and the first 16 hex digits: enough to tell versions apart in a log line. */
static const char *short_digest(const uint8_t d[32], char out[24])
{
	ocre_digest_text(d, 8, out);
	return out;
}

static struct installed *find(const char *name)
{
	for (int i = 0; i < OCRE_AGENT_MAX_RUNNING; i++) {
		if (installed[i].used && strcmp(installed[i].name, name) == 0) {
			return &installed[i];
		}
	}
	return NULL;
}

static void release(struct installed *in)
{
	if (in->block != NULL) {
		ocre_engine_host_free(in->block);
		in->block = NULL;
	}
	if (in->settings != NULL) {
		ocre_engine_host_free(in->settings);
		in->settings = NULL;
	}
}

static void stop(struct installed *in)
{
	if (in->id >= 0) {
		(void)ocre_container_destroy(in->id);
		in->id = -1;
	}
	release(in);
	in->used = false;
	in->on_trial = false;
}

static int read_ram(const void *ctx, uint32_t off, void *buf, size_t len)
{
	const struct ocre_store_loaded *l = ctx;

	if (off > l->wasm_size || len > l->wasm_size - off) {
		return -OCRE_EINVAL;
	}
	memcpy(buf, l->wasm + off, len);
	return 0;
}

static int read_candidate(const void *ctx, uint32_t off, void *buf, size_t len)
{
	return ocre_store_candidate_read(ctx, off, buf, len);
}

/*
 * Whether this firmware can run a version: the imports of its module and the capabilities
 * and settings of its signed manifest (ocre_image.h). Run before an install is committed (so
 * a refusal keeps the old version) and before an installed version starts (the firmware may
 * have changed since).
 */
static int runnable(const char *name, const uint8_t *manifest, size_t manifest_size,
		    const struct ocre_image_reader *module, struct ocre_container_meta *meta,
		    struct ocre_image_settings *need, const char **why)
{
	uint32_t module_max;
	int ret = ocre_image_check_module(module, &module_max, why);

	if (ret == 0) {
		ret = ocre_image_meta(manifest, manifest_size, name, meta, need, why);
	}
	/*
	 * Only a limit below the module's own maximum changes anything. One at or above it is
	 * left out: WAMR keeps the module's anyway, and warns ("Cannot override max memory") when
	 * it has shrunk a fixed-memory module's memory below the pages it declares; the generator
	 * leaves it out for embedded fixed-memory modules for the same reason.
	 */
	if (ret == 0 && meta->max_memory_pages >= module_max) {
		meta->max_memory_pages = 0;
	}
	return ret;
}

static int accept_install(const struct ocre_store_candidate *c, const char **why)
{
	const struct ocre_image_reader module = {
		.read = read_candidate, .ctx = c, .size = c->wasm_size};
	struct ocre_container_meta meta = {0};
	struct ocre_image_settings need;

	return runnable(c->name, c->manifest, c->manifest_size, &module, &meta, &need, why);
}

/* Takes the block for the settings the image asks for and points meta at it. */
static int settings(struct installed *in, const struct ocre_image_settings *need)
{
	in->settings = ocre_engine_host_alloc(need->bytes);
	if (in->settings == NULL) {
		return -OCRE_ENOMEM;
	}
	return ocre_image_settings_fill(in->loaded.manifest, in->loaded.sig.manifest_size, in->name,
					need, in->settings, &in->meta);
}

/* Loads the version of `name` that the store says runs and starts it. */
static int start(const char *name, bool trial)
{
	struct installed *in = find(name);
	int slot = ocre_store_active(store, name);

	if (in != NULL) {
		stop(in);
	}
	if (!run_containers || slot < 0) {
		return slot < 0 ? slot : 0;
	}
	for (int i = 0; i < OCRE_AGENT_MAX_RUNNING && in == NULL; i++) {
		if (!installed[i].used) {
			in = &installed[i];
		}
	}
	if (in == NULL) {
		ocre_log(OCRE_LOG_ERR, "%s: installed, but %d installed containers already run", name,
			 OCRE_AGENT_MAX_RUNNING);
		return -OCRE_ENOMEM;
	}
	const struct ocre_store_slot *h = &store->slots[slot];

	/* The header's sizes were checked against the limits when it was read. */
	if (h->wasm_size > OCRE_AGENT_MAX_WASM) {
		ocre_log(OCRE_LOG_ERR, "%s: module of %u bytes exceeds OCRE_AGENT_MAX_WASM", name,
			 (unsigned int)h->wasm_size);
		return -OCRE_ENOMEM;
	}
	size_t wasm_cap = (h->wasm_size + 3u) & ~(size_t)3u;

	in->block = ocre_engine_host_alloc(wasm_cap + h->manifest_size + h->payload_size +
					   h->der_size);
	if (in->block == NULL) {
		ocre_log(OCRE_LOG_ERR, "%s: no memory for its %u-byte module", name,
			 (unsigned int)h->wasm_size);
		return -OCRE_ENOMEM;
	}
	memset(&in->meta, 0, sizeof(in->meta));
	in->loaded = (struct ocre_store_loaded){
		.wasm = in->block,
		.wasm_cap = (uint32_t)wasm_cap,
		.manifest = in->block + wasm_cap,
		.manifest_cap = h->manifest_size,
		.payload = in->block + wasm_cap + h->manifest_size,
		.payload_cap = h->payload_size,
		.der = in->block + wasm_cap + h->manifest_size + h->payload_size,
		.der_cap = h->der_size,
	};
	int ret = ocre_store_load(store, slot, &in->loaded);

	if (ret != 0) {
		ocre_log(OCRE_LOG_ERR, "%s: cannot load the installed version (%d)", name, ret);
		release(in);
		return ret;
	}
	strncpy(in->name, name, sizeof(in->name) - 1);
	in->name[sizeof(in->name) - 1] = '\0';
	const char *why = "";

	in->meta.name = in->name;
	const struct ocre_image_reader module = {
		.read = read_ram, .ctx = &in->loaded, .size = in->loaded.wasm_size};
	struct ocre_image_settings need;

	ret = runnable(in->name, in->loaded.manifest, in->loaded.sig.manifest_size, &module,
		       &in->meta, &need, &why);
	if (ret != 0) {
		ocre_log(OCRE_LOG_ERR, "%s: not started: %s", name, why);
		ocre_health_emit(OCRE_HEALTH_REFUSED, name, "reason=%s", why);
		release(in);
		return ret;
	}
	ret = settings(in, &need);
	if (ret != 0) {
		ocre_log(OCRE_LOG_ERR, "%s: no memory for its %u bytes of settings (%d)", name,
			 (unsigned int)need.bytes, ret);
		release(in);
		return ret;
	}
	in->meta.signature = &in->loaded.sig;
	/* ocre_container_add verifies the bytes against the signature once more. */
	ret = ocre_container_add(in->loaded.wasm, in->loaded.wasm_size, &in->meta);
	if (ret < 0) {
		release(in);
		return ret;
	}
	in->used = true;
	in->id = ret;
	if (trial) {
		(void)ocre_store_mark_trial(store, name);
		in->on_trial = true;
		in->trial_started_ms = ocre_port_uptime_ms();
	}
	return ocre_container_start(in->id);
}

bool ocre_agent_tags_allowed(void)
{
	return allow_tags;
}

int ocre_agent_init(const struct ocre_agent_config *cfg)
{
	struct ocre_store_entry e[OCRE_STORE_MAX_SLOTS];

	if (cfg == NULL || cfg->store == NULL) {
		return -OCRE_EINVAL;
	}
	store = cfg->store;
	trial_ms = cfg->trial_ms != 0 ? cfg->trial_ms : OCRE_AGENT_TRIAL_MS;
	run_containers = cfg->run;
	allow_tags = cfg->allow_tags;
	for (int i = 0; i < OCRE_AGENT_MAX_RUNNING; i++) {
		installed[i].used = false;
		installed[i].id = -1;
		installed[i].block = NULL;
		installed[i].settings = NULL;
	}
	int rolled = ocre_store_boot(store);
	int n = ocre_store_list(store, e, OCRE_STORE_MAX_SLOTS);

	ocre_log(OCRE_LOG_INF, "store: %d installed container(s), %d rolled back at boot", n,
		 rolled);
	for (int i = 0; i < n; i++) {
		/* A version still on trial gets its trial again (it was not started yet). */
		int ret = start(e[i].name, !e[i].confirmed && e[i].has_previous);

		if (ret != 0) {
			ocre_log(OCRE_LOG_ERR, "%s: not started (%d)", e[i].name, ret);
		}
	}
	return 0;
}

int ocre_agent_install_begin(const struct ocre_store_install_req *req)
{
	if (store == NULL || req == NULL) {
		return -OCRE_EINVAL;
	}
	ocre_store_install_abort(&session);
	struct ocre_store_install_req checked = *req;

	/* Verified, then asked whether this firmware can run it, before it is committed. */
	checked.accept = accept_install;
	int ret = ocre_store_install_begin(store, &checked, &session);

	if (ret == 0) {
		strncpy(session_name, req->name, sizeof(session_name) - 1);
		session_name[sizeof(session_name) - 1] = '\0';
	}
	return ret;
}

int ocre_agent_install_write(const void *data, size_t len)
{
	return ocre_store_install_write(&session, data, len);
}

bool ocre_agent_installing(void)
{
	return session.active;
}

void ocre_agent_install_abort(void)
{
	ocre_store_install_abort(&session);
}

static bool entry_of(const char *name, struct ocre_store_entry *out)
{
	struct ocre_store_entry e[OCRE_STORE_MAX_SLOTS];
	int n = ocre_store_list(store, e, OCRE_STORE_MAX_SLOTS);

	for (int i = 0; i < n; i++) {
		if (strcmp(e[i].name, name) == 0) {
			*out = e[i];
			return true;
		}
	}
	return false;
}

int ocre_agent_install_commit(const char **why, struct ocre_store_entry *entry)
{
	static const char *unused;
	char d1[24];
	char d2[24];
	struct ocre_store_entry e;

	if (why == NULL) {
		why = &unused;
	}
	int ret = ocre_store_install_commit(&session, why);

	if (ret != 0) {
		ocre_log(OCRE_LOG_ERR, "%s: install refused, the installed version stays: %s",
			 session_name, *why);
		ocre_health_emit(OCRE_HEALTH_REFUSED, session_name, "reason=install: %s", *why);
		return ret;
	}
	if (!entry_of(session_name, &e)) {
		*why = "the committed version is not found";
		return -OCRE_EIO;
	}
	/* Without a fallback there is no trial: a first install is confirmed as it is installed. */
	if (!e.has_previous && ocre_store_confirm(store, e.name) == 0) {
		e.confirmed = true;
	}
	if (entry != NULL) {
		*entry = e;
	}
	if (e.has_previous) {
		ocre_health_emit(OCRE_HEALTH_UPDATED, e.name, "digest=%s previous=%s seq=%u",
				 short_digest(e.manifest_digest, d1),
				 short_digest(e.previous_digest, d2), (unsigned int)e.seq);
	} else {
		ocre_health_emit(OCRE_HEALTH_INSTALLED, e.name, "digest=%s seq=%u",
				 short_digest(e.manifest_digest, d1), (unsigned int)e.seq);
	}
	/* The old version ran until now; the new one starts on trial if it has a fallback. */
	ret = start(e.name, e.has_previous);
	if (ret != 0) {
		ocre_log(OCRE_LOG_ERR, "%s: installed but not started (%d)", e.name, ret);
	}
	return 0;
}

int ocre_agent_rollback(const char *name, const char *reason)
{
	struct ocre_store_entry before;
	struct ocre_store_entry after;
	char d1[24];
	char d2[24];

	if (store == NULL || name == NULL || !entry_of(name, &before)) {
		return -OCRE_ENOENT;
	}
	int ret = ocre_store_rollback(store, name);

	if (ret != 0) {
		return ret;
	}
	if (!entry_of(name, &after)) {
		return -OCRE_EIO;
	}
	ocre_log(OCRE_LOG_WRN, "%s: rolled back to %s (%s)", name,
		 short_digest(after.manifest_digest, d1), reason);
	ocre_health_emit(OCRE_HEALTH_ROLLEDBACK, name, "to=%s from=%s reason=%s",
			 short_digest(after.manifest_digest, d1),
			 short_digest(before.manifest_digest, d2), reason);
	/* The previous version passed its own trial once: it runs without another. */
	ret = start(name, false);
	return ret;
}

int ocre_agent_remove(const char *name)
{
	struct installed *in;

	if (store == NULL || name == NULL) {
		return -OCRE_EINVAL;
	}
	in = find(name);
	if (in != NULL) {
		stop(in);
	}
	return ocre_store_remove(store, name);
}

int ocre_agent_list(struct ocre_store_entry *out, size_t max)
{
	return store == NULL ? -OCRE_EINVAL : ocre_store_list(store, out, max);
}

int ocre_agent_container(const char *name)
{
	struct installed *in = name != NULL ? find(name) : NULL;

	return in != NULL && in->id >= 0 ? in->id : -OCRE_ENOENT;
}

void ocre_agent_poll(void)
{
	for (int i = 0; i < OCRE_AGENT_MAX_RUNNING; i++) {
		struct installed *in = &installed[i];
		struct ocre_container_status st;

		if (!in->used || !in->on_trial || ocre_container_status(in->id, &st) != 0) {
			continue;
		}
		/* A restart means a run ended; the exit code is the last run's. */
		bool finished = st.state == OCRE_STATE_EXITED || st.restarts > 0;
		uint64_t ran = ocre_port_uptime_ms() - in->trial_started_ms;
		char reason[48];

		switch (ocre_trial_judge(finished, st.exit_code, ran, trial_ms)) {
		case OCRE_TRIAL_CONFIRM:
			in->on_trial = false;
			(void)ocre_store_confirm(store, in->name);
			ocre_log(OCRE_LOG_INF, "%s: new version confirmed", in->name);
			break;
		case OCRE_TRIAL_ROLLBACK:
			(void)snprintf(reason, sizeof(reason), "exit code %d within %u ms of starting",
				       (int)st.exit_code, (unsigned int)trial_ms);
			in->on_trial = false;
			(void)ocre_agent_rollback(in->name, reason);
			break;
		default:
			break;
		}
	}
}
