/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The device agent with the stand-in engine: an installed container runs; an update replaces
 * it only once verified and starts on trial; an update that traps within its trial is rolled
 * back to the previous version, which runs again; a refused update leaves the old one
 * running; the boot rule at start-up. Health events: installed, updated, refused, rolledback.
 */

#include <unistd.h>

#include <ocre/ocre_agent.h>
#include <ocre/ocre_logring.h>

#include "ocre_flash_posix.h"
#include "test_signing.h"

#define REGION (64u * 1024u)

static EVP_PKEY *key;
static uint8_t trusted[1][OCRE_P256_KEY_SIZE];
static char path[64];
static struct ocre_posix_flash pf;
static struct ocre_store store;

static void runs_forever(struct ocre_container *c)
{
	while (!fake_should_stop(c)) {
		GUEST(c, ocre_api_ocre_sleep(c, 10));
	}
}

static void traps_at_once(struct ocre_container *c)
{
	fake_trap(c);
}

static const struct fake_module m_good = {.magic = FAKE_MAGIC, .main = runs_forever};
static const struct fake_module m_good2 = {.magic = FAKE_MAGIC, .main = runs_forever,
					   .exports = {"v2"}};
static const struct fake_module m_bad = {.magic = FAKE_MAGIC, .main = traps_at_once};

static const char *annotations; /* of the next install's manifest, or NULL */
static size_t last_install_bytes; /* manifest + payload + DER + Wasm of the last install */

static int install(const char *name, const struct fake_module *m, bool tamper, const char **why)
{
	static struct signed_image img;
	struct fake_module bytes = *m;

	sign_wasm_annotated(&img, &bytes, sizeof(bytes), key, annotations);
	if (tamper) {
		((uint8_t *)&bytes)[sizeof(bytes) - 1] ^= 1;
	}
	struct ocre_store_install_req req = {
		.name = name,
		.manifest_size = (uint32_t)strlen(img.manifest),
		.payload_size = (uint32_t)strlen(img.payload),
		.der_size = (uint32_t)img.der_len,
		.wasm_size = sizeof(bytes),
	};
	int ret = ocre_agent_install_begin(&req);

	if (ret != 0) {
		return ret;
	}
	last_install_bytes = req.manifest_size + req.payload_size + req.der_size + req.wasm_size;
	assert_int_equal(ocre_agent_install_write(img.manifest, req.manifest_size), 0);
	assert_int_equal(ocre_agent_install_write(img.payload, req.payload_size), 0);
	assert_int_equal(ocre_agent_install_write(img.der, req.der_size), 0);
	assert_int_equal(ocre_agent_install_write(&bytes, sizeof(bytes)), 0);
	return ocre_agent_install_commit(why, NULL);
}

/* The module the container `name` runs (the fake engine keeps a pointer to its bytes). */
static const struct fake_module *module_of(const char *name)
{
	int id = ocre_agent_container(name);

	return id < 0 ? NULL : (const struct fake_module *)ocre_containers[id].wasm;
}

static bool runs(const char *name, const struct fake_module *m)
{
	const struct fake_module *now = module_of(name);
	struct ocre_container_status st;

	return now != NULL && now->main == m->main && now->exports[0] == m->exports[0] &&
	       ocre_container_status(ocre_agent_container(name), &st) == 0 &&
	       (st.state == OCRE_STATE_RUNNING || st.state == OCRE_STATE_BACKOFF);
}

static void wait_for_state(const char *name, enum ocre_container_state s)
{
	struct ocre_container_status st = {0};

	for (int i = 0; i < 200; i++) {
		if (ocre_container_status(ocre_agent_container(name), &st) == 0 && st.state == s) {
			return;
		}
		ocre_port_sleep_ms(5);
	}
	fail_msg("%s never reached state %d (is %d)", name, s, st.state);
}

static int setup(void **state)
{
	(void)state;
	capture_reset();
	snprintf(path, sizeof(path), "/tmp/ocre-agent-test-%d.bin", (int)getpid());
	unlink(path);
	key = new_p256_key();
	p256_point(key, trusted[0]);
	assert_int_equal(ocre_init(), 0);
	assert_int_equal(ocre_trust_keys((const uint8_t (*)[OCRE_P256_KEY_SIZE])trusted, 1), 0);
	assert_int_equal(ocre_posix_flash_open(&pf, path, REGION, 4096, 8), 0);
	assert_int_equal(ocre_store_open(&store, &pf.flash, 4), 0);
	const struct ocre_agent_config cfg = {.store = &store, .trial_ms = 300, .run = true};

	assert_int_equal(ocre_agent_init(&cfg), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	(void)ocre_agent_remove("app");
	ocre_posix_flash_close(&pf);
	unlink(path);
	EVP_PKEY_free(key);
	return 0;
}

/* The agent's health events about `name` in the log ring, in order, as "event,event,...". */
static void agent_events_in_ring(const char *name, char *out, size_t cap)
{
	static const char *const agent_events[] = {"installed", "updated", "refused", "rolledback",
						   "trapped"};
	uint32_t first, next;
	struct ocre_logring_entry e;

	out[0] = '\0';
	ocre_logring_bounds(&first, &next);
	for (uint32_t seq = first; seq < next; seq++) {
		if (!ocre_logring_get(seq, &e) || e.kind != OCRE_LOGRING_HEALTH ||
		    strcmp(e.name, name) != 0) {
			continue;
		}
		for (size_t i = 0; i < sizeof(agent_events) / sizeof(agent_events[0]); i++) {
			char ev[32];

			snprintf(ev, sizeof(ev), "event=%s ", agent_events[i]);
			if (strncmp(e.text, ev, strlen(ev)) == 0 && strlen(out) + 12 < cap) {
				strcat(out, out[0] != '\0' ? "," : "");
				strcat(out, agent_events[i]);
			}
		}
	}
}

static void a_trapping_update_is_rolled_back(void **state)
{
	(void)state;
	const char *why = "";
	char events[256];

	ocre_logring_reset();

	assert_int_equal(install("app", &m_good, false, &why), 0);
	wait_for_state("app", OCRE_STATE_RUNNING);
	assert_true(runs("app", &m_good));
	assert_int_equal(log_count("health event=installed container=app "), 1);
	/* A first install has nothing to fall back to: it is confirmed, not on trial. */
	struct ocre_store_entry first;

	assert_int_equal(ocre_agent_list(&first, 1), 1);
	assert_true(first.confirmed);
	assert_false(first.has_previous);

	/* A refused update: the old version keeps running, untouched. */
	int id = ocre_agent_container("app");

	assert_int_equal(install("app", &m_bad, true, &why), -OCRE_EPERM);
	assert_non_null(strstr(why, "tampered"));
	assert_int_equal(ocre_agent_container("app"), id);
	assert_true(runs("app", &m_good));
	assert_int_equal(log_count("event=refused container=app uptime_ms="), 1);
	assert_int_equal(log_count("reason=install: tampered: the Wasm's sha256"), 1);

	/* An update that traps at once: rolled back within the trial, the old version runs. */
	assert_int_equal(install("app", &m_bad, false, &why), 0);
	assert_int_equal(log_count("health event=updated container=app "), 1);
	for (int i = 0; i < 100 && log_count("event=rolledback") == 0; i++) {
		ocre_agent_poll();
		ocre_port_sleep_ms(5);
	}
	assert_int_equal(log_count("event=rolledback container=app "), 1);
	assert_int_equal(log_count("reason=exit code "), 1);
	wait_for_state("app", OCRE_STATE_RUNNING);
	assert_true(runs("app", &m_good));

	/* An update that keeps running past its trial is confirmed and stays. */
	assert_int_equal(install("app", &m_good2, false, &why), 0);
	wait_for_state("app", OCRE_STATE_RUNNING);
	for (int i = 0; i < 100 && log_count("new version confirmed") == 0; i++) {
		ocre_agent_poll();
		ocre_port_sleep_ms(10);
	}
	assert_int_equal(log_count("app: new version confirmed"), 1);
	assert_true(runs("app", &m_good2));
	assert_int_equal(log_count("event=rolledback"), 1);

	/* A manual rollback goes back to the version before. */
	assert_int_equal(ocre_agent_rollback("app", "asked by the host"), 0);
	wait_for_state("app", OCRE_STATE_RUNNING);
	assert_true(runs("app", &m_good));
	assert_int_equal(log_count("reason=asked by the host"), 1);

	/* The log ring (`ocre device logs`, the shell's `ocre logs`) kept the same story. */
	agent_events_in_ring("app", events, sizeof(events));
	assert_string_equal(events,
			    "installed,refused,updated,trapped,rolledback,updated,rolledback");
}

static void a_version_left_on_trial_is_rolled_back_at_boot(void **state)
{
	(void)state;
	const char *why = "";
	int before = ocre_store_active(&store, "app");

	capture_reset();

	/* "app" runs m_good (from the test above); an update starts its trial... */
	assert_true(before >= 0);
	assert_int_equal(install("app", &m_bad, false, &why), 0);
	assert_true(ocre_store_active(&store, "app") != before);
	/* ...and the device goes down before the agent saw it fail: the next boot rolls back. */
	struct ocre_store again;

	assert_int_equal(ocre_store_open(&again, &pf.flash, 4), 0);
	assert_int_equal(ocre_store_boot(&again), 1);
	assert_int_equal(ocre_store_active(&again, "app"), before);
	assert_int_equal(log_count("app: version 3 never confirmed, rolling back"), 1);
	assert_int_equal(ocre_store_open(&store, &pf.flash, 4), 0);
}

static void metadata_comes_from_the_signed_annotations(void **state)
{
	(void)state;
	const char *why = "";

	capture_reset();
	annotations = "\"io.ocre.capabilities\":\"timers,gpio\",\"io.ocre.restart\":\"on-failure\","
		      "\"io.ocre.memory.stack-bytes\":\"4096\",\"io.ocre.memory.max-pages\":\"3\"";
	assert_int_equal(install("meta", &m_good, false, &why), 0);
	int id = ocre_agent_container("meta");

	assert_true(id >= 0);
	assert_int_equal(ocre_containers[id].meta.capabilities, OCRE_CAP_TIMERS | OCRE_CAP_GPIO);
	assert_int_equal(ocre_containers[id].meta.restart, OCRE_RESTART_ON_FAILURE);
	assert_int_equal(ocre_containers[id].meta.stack_size, 4096);
	assert_int_equal(ocre_containers[id].meta.max_memory_pages, 3);
	assert_int_equal(ocre_agent_remove("meta"), 0);

	/* A capability this firmware does not know: installed (it is signed), but not started. */
	annotations = "\"io.ocre.capabilities\":\"timers,teleport\"";
	assert_int_equal(install("meta", &m_good, false, &why), 0);
	assert_int_equal(ocre_agent_container("meta"), -OCRE_ENOENT);
	assert_int_equal(log_count("meta: not started: the image asks for a capability this firmware does not know"), 1);
	assert_int_equal(log_count("event=refused container=meta"), 1);
	assert_int_equal(ocre_agent_remove("meta"), 0);
	annotations = NULL;
}

/*
 * An installed module's copy (and its signature) comes from the engine's heap while it runs,
 * as large as what was installed, and goes back when it stops: no static buffer of the
 * largest size per running container.
 */
static void module_memory_is_what_is_installed_and_given_back(void **state)
{
	(void)state;
	const char *why = "";

	(void)ocre_agent_remove("app");
	const int before = fake_host_live;
	const size_t before_bytes = fake_host_live_bytes;

	assert_int_equal(install("app", &m_good, false, &why), 0);
	wait_for_state("app", OCRE_STATE_RUNNING);
	assert_int_equal(fake_host_live, before + 1);
	/* The Wasm part is rounded up to 4 bytes (the block starts with it, aligned). */
	assert_in_range(fake_host_live_bytes - before_bytes, last_install_bytes,
			last_install_bytes + 3);
	assert_true(last_install_bytes < 4096);

	/* An update: the old version's block is given back, the new one's taken. */
	assert_int_equal(install("app", &m_good2, false, &why), 0);
	wait_for_state("app", OCRE_STATE_RUNNING);
	assert_int_equal(fake_host_live, before + 1);

	/* A trapping update, rolled back: still one block, the previous version's. */
	capture_reset();
	assert_int_equal(install("app", &m_bad, false, &why), 0);
	for (int i = 0; i < 100 && log_count("event=rolledback") == 0; i++) {
		ocre_agent_poll();
		ocre_port_sleep_ms(5);
	}
	wait_for_state("app", OCRE_STATE_RUNNING);
	assert_true(runs("app", &m_good2));
	assert_int_equal(fake_host_live, before + 1);

	assert_int_equal(ocre_agent_remove("app"), 0);
	assert_int_equal(fake_host_live, before);
	assert_int_equal(fake_host_live_bytes, before_bytes);

	/* Installed but not started (a capability this firmware does not know): nothing kept. */
	annotations = "\"io.ocre.capabilities\":\"teleport\"";
	assert_int_equal(install("app", &m_good, false, &why), 0);
	annotations = NULL;
	assert_int_equal(ocre_agent_container("app"), -OCRE_ENOENT);
	assert_int_equal(fake_host_live, before);
	assert_int_equal(ocre_agent_remove("app"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_trapping_update_is_rolled_back),
		cmocka_unit_test(a_version_left_on_trial_is_rolled_back_at_boot),
		cmocka_unit_test(metadata_comes_from_the_signed_annotations),
		cmocka_unit_test(module_memory_is_what_is_installed_and_given_back),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
