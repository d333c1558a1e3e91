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
#include "ocre_image.h"
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
static const char *const *imports; /* of the next install's module ("env.name"), or NULL */
static size_t last_install_bytes; /* manifest + payload + DER + Wasm of the last install */

/* Installs m as a real Wasm module (fake_wrap) importing `imports`, signed with `annotations`. */
static int install(const char *name, const struct fake_module *m, bool tamper, const char **why)
{
	static struct signed_image img;
	static uint8_t bytes[512];
	size_t size = fake_wrap(m, imports, bytes, sizeof(bytes));

	sign_wasm_annotated(&img, bytes, size, key, annotations);
	if (tamper) {
		bytes[size - 1] ^= 1;
	}
	struct ocre_store_install_req req = {
		.name = name,
		.manifest_size = (uint32_t)strlen(img.manifest),
		.payload_size = (uint32_t)strlen(img.payload),
		.der_size = (uint32_t)img.der_len,
		.wasm_size = (uint32_t)size,
	};
	int ret = ocre_agent_install_begin(&req);

	if (ret != 0) {
		return ret;
	}
	last_install_bytes = req.manifest_size + req.payload_size + req.der_size + req.wasm_size;
	assert_int_equal(ocre_agent_install_write(img.manifest, req.manifest_size), 0);
	assert_int_equal(ocre_agent_install_write(img.payload, req.payload_size), 0);
	assert_int_equal(ocre_agent_install_write(img.der, req.der_size), 0);
	assert_int_equal(ocre_agent_install_write(bytes, size), 0);
	return ocre_agent_install_commit(why, NULL);
}

/* The module the container `name` runs (the fake engine's copy of it). */
static const struct fake_module *module_of(const char *name)
{
	int id = ocre_agent_container(name);

	return id < 0 ? NULL : (const struct fake_module *)ocre_containers[id].engine_module;
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

	/*
	 * A limit at or above the module's own maximum (2 pages) is not passed on: it would change
	 * nothing but draw WAMR's warning. One below it is.
	 */
	static const char *const memory[] = {"env.memory", NULL};

	imports = memory;
	assert_int_equal(install("meta", &m_good, false, &why), 0);
	assert_int_equal(ocre_containers[ocre_agent_container("meta")].meta.max_memory_pages, 0);
	assert_int_equal(ocre_agent_remove("meta"), 0);
	annotations = "\"io.ocre.memory.max-pages\":\"2\"";
	assert_int_equal(install("meta", &m_good, false, &why), 0);
	assert_int_equal(ocre_containers[ocre_agent_container("meta")].meta.max_memory_pages, 0);
	assert_int_equal(ocre_agent_remove("meta"), 0);
	annotations = "\"io.ocre.memory.max-pages\":\"1\"";
	assert_int_equal(install("meta", &m_good, false, &why), 0);
	assert_int_equal(ocre_containers[ocre_agent_container("meta")].meta.max_memory_pages, 1);
	assert_int_equal(ocre_agent_remove("meta"), 0);
	imports = NULL;

	/* A capability this firmware does not know: refused before it is installed. */
	annotations = "\"io.ocre.capabilities\":\"timers,teleport\"";
	assert_int_equal(install("meta", &m_good, false, &why), -OCRE_EPERM);
	assert_string_equal(why, "the image asks for a capability this firmware does not know");
	assert_int_equal(ocre_agent_container("meta"), -OCRE_ENOENT);
	assert_int_equal(log_count("event=refused container=meta"), 1);
	assert_int_equal(log_count("reason=install: the image asks for a capability this firmware"), 1);
	assert_int_equal(ocre_agent_remove("meta"), -OCRE_ENOENT);
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

	/* Its settings' block: argv (one pointer) and argv[0]. */
	const size_t settings_bytes = sizeof(char *) + sizeof("/lfs/ocre/images/app.wasm");

	assert_int_equal(install("app", &m_good, false, &why), 0);
	wait_for_state("app", OCRE_STATE_RUNNING);
	assert_int_equal(fake_host_live, before + 2);
	/* The Wasm part is rounded up to 4 bytes (the block starts with it, aligned). */
	assert_in_range(fake_host_live_bytes - before_bytes, last_install_bytes + settings_bytes,
			last_install_bytes + settings_bytes + 3);
	assert_true(last_install_bytes < 4096);

	/* An update: the old version's block is given back, the new one's taken. */
	assert_int_equal(install("app", &m_good2, false, &why), 0);
	wait_for_state("app", OCRE_STATE_RUNNING);
	assert_int_equal(fake_host_live, before + 2);

	/* A trapping update, rolled back: still one block, the previous version's. */
	capture_reset();
	assert_int_equal(install("app", &m_bad, false, &why), 0);
	for (int i = 0; i < 100 && log_count("event=rolledback") == 0; i++) {
		ocre_agent_poll();
		ocre_port_sleep_ms(5);
	}
	wait_for_state("app", OCRE_STATE_RUNNING);
	assert_true(runs("app", &m_good2));
	assert_int_equal(fake_host_live, before + 2);

	assert_int_equal(ocre_agent_remove("app"), 0);
	assert_int_equal(fake_host_live, before);
	assert_int_equal(fake_host_live_bytes, before_bytes);

	/* Refused (a capability this firmware does not know): nothing kept. */
	annotations = "\"io.ocre.capabilities\":\"teleport\"";
	assert_int_equal(install("app", &m_good, false, &why), -OCRE_EPERM);
	annotations = NULL;
	assert_int_equal(ocre_agent_container("app"), -OCRE_ENOENT);
	assert_int_equal(fake_host_live, before);

	/* With more settings: a larger second block, given back too. */
	annotations = "\"io.ocre.args\":\"[\\\"a\\\"]\",\"io.ocre.env\":\"{\\\"K\\\":\\\"v\\\"}\"";
	assert_int_equal(install("app", &m_good, false, &why), 0);
	annotations = NULL;
	wait_for_state("app", OCRE_STATE_RUNNING);
	assert_int_equal(fake_host_live, before + 2);
	assert_in_range(fake_host_live_bytes - before_bytes,
			last_install_bytes + settings_bytes + 2 * sizeof(char *) + 2 + 4,
			last_install_bytes + settings_bytes + 2 * sizeof(char *) + 2 + 4 + 3);
	assert_int_equal(ocre_agent_remove("app"), 0);
	assert_int_equal(fake_host_live, before);
	assert_int_equal(fake_host_live_bytes, before_bytes);
}

/* ---- settings and imports of installed images (ocre_image.c) ---------------------------- */

static int32_t gpio_answers[3];
static volatile bool printed;

static int32_t slot_i32(const uint64_t *slots)
{
	int32_t r;

	memcpy(&r, &slots[0], sizeof(r));
	return r;
}

/* Prints each string of the WASI list (args or environ) as "<what>[i]=<s>" on stdout. */
static void print_list(struct ocre_container *c, unsigned int sizes_fn, unsigned int get_fn,
		       const char *what)
{
	struct ocre_mem *m = fake_mem(c);
	uint64_t a[4] = {100, 104};
	uint32_t n = 0, ptr;

	assert_false(ocre_dispatch_wasi(c, m, sizes_fn, a));
	assert_int_equal(slot_i32(a), 0);
	ocre_mem_get_u32(m, 100, &n);
	a[0] = 200;
	a[1] = 1024;
	assert_false(ocre_dispatch_wasi(c, m, get_fn, a));
	assert_int_equal(slot_i32(a), 0);
	for (uint32_t i = 0; i < n; i++) {
		char *line = (char *)m->base + 8192;
		int len;

		ocre_mem_get_u32(m, 200 + 4 * i, &ptr);
		len = snprintf(line, 1024, "%s[%u]=%s\n", what, (unsigned int)i,
			       (const char *)m->base + ptr);
		/* fd_write(1, iovs at 300 = {8192, len}, 1, nwritten at 308) */
		memcpy(m->base + 300, &(uint32_t){8192}, 4);
		memcpy(m->base + 304, &(uint32_t){(uint32_t)len}, 4);
		uint64_t w[4] = {1, 300, 1, 308};

		assert_false(ocre_dispatch_wasi(c, m, OCRE_WASI_fd_write, w));
	}
}

static int32_t gpio_configure(struct ocre_container *c, int32_t port, int32_t pin)
{
	uint64_t a[3] = {(uint32_t)port, (uint32_t)pin, 1};

	ocre_dispatch_env(c, fake_mem(c), OCRE_FN_ocre_gpio_configure, a);
	return slot_i32(a);
}

/* What a container sees: its arguments and environment, and which GPIO lines it may use. */
static void shows_its_settings(struct ocre_container *c)
{
	print_list(c, OCRE_WASI_args_sizes_get, OCRE_WASI_args_get, "arg");
	print_list(c, OCRE_WASI_environ_sizes_get, OCRE_WASI_environ_get, "env");
	gpio_answers[0] = GUEST(c, gpio_configure(c, 0, 0)); /* led0, allowed by alias */
	gpio_answers[1] = GUEST(c, gpio_configure(c, 1, 5)); /* "1:5", allowed */
	gpio_answers[2] = GUEST(c, gpio_configure(c, 1, 6)); /* not in the list */
	printed = true;
	while (!fake_should_stop(c)) {
		GUEST(c, ocre_api_ocre_sleep(c, 10));
	}
}

static const struct fake_module m_shows = {.magic = FAKE_MAGIC, .main = shows_its_settings};

static void installed_containers_get_args_env_and_gpio_from_the_image(void **state)
{
	(void)state;
	const char *why = "";
	static const char *const gpio_imports[] = {"env.ocre_gpio_configure", "env.ocre_sleep",
						   "wasi_snapshot_preview1.fd_write", NULL};

	capture_reset();
	printed = false;
	/* As `ocre package` writes them: JSON inside JSON strings, escapes included. */
	annotations = "\"io.ocre.capabilities\":\"gpio\","
		      "\"io.ocre.args\":\"[\\\"--mode\\\",\\\"demo\\\",\\\"caf\\\\u00e9 \\\\\\\"x\\\\\\\"\\\"]\","
		      "\"io.ocre.env\":\"{\\\"A\\\":\\\"1\\\",\\\"LOG\\\":\\\"debug\\\"}\","
		      "\"io.ocre.gpio\":\"led0,1:5\"";
	imports = gpio_imports;
	assert_int_equal(install("shows", &m_shows, false, &why), 0);
	for (int i = 0; i < 200 && !printed; i++) {
		ocre_port_sleep_ms(5);
	}
	assert_true(printed);
	assert_string_equal(captured_console, "arg[0]=/lfs/ocre/images/shows.wasm\n"
					      "arg[1]=--mode\n"
					      "arg[2]=demo\n"
					      "arg[3]=caf\xc3\xa9 \"x\"\n"
					      "env[0]=A=1\n"
					      "env[1]=LOG=debug\n");
	assert_int_equal(gpio_answers[0], 0);
	assert_int_equal(gpio_answers[1], 0);
	assert_int_equal(gpio_answers[2], -OCRE_EPERM);
	assert_int_equal(ocre_agent_remove("shows"), 0);

	/* Without settings: argv[0] alone, no environment, the capability's default GPIO rule. */
	capture_reset();
	printed = false;
	annotations = "\"io.ocre.capabilities\":\"gpio\"";
	assert_int_equal(install("shows", &m_shows, false, &why), 0);
	for (int i = 0; i < 200 && !printed; i++) {
		ocre_port_sleep_ms(5);
	}
	assert_string_equal(captured_console, "arg[0]=/lfs/ocre/images/shows.wasm\n");
	assert_int_equal(gpio_answers[0], 0);
	assert_int_equal(gpio_answers[1], -OCRE_EPERM);
	assert_int_equal(ocre_agent_remove("shows"), 0);
	annotations = NULL;
	imports = NULL;
}

/* Each of these is refused before it is installed; the running version stays. */
static void hostile_settings_are_refused_and_the_old_version_stays(void **state)
{
	(void)state;
	static const struct {
		const char *annotations;
		const char *why;
	} cases[] = {
		{"\"io.ocre.args\":\"[\\\"a\\\\u0000b\\\"]\"",
		 "its io.ocre.args holds a NUL character"},
		{"\"io.ocre.args\":\"[\\\"a\\\",]\"", "its io.ocre.args is not the JSON expected"},
		{"\"io.ocre.args\":\"[\\\"a\\\"\"", "its io.ocre.args is not a JSON array of strings"},
		{"\"io.ocre.args\":\"[\\\"a\\\"] x\"", "its io.ocre.args has text after its JSON value"},
		{"\"io.ocre.args\":\"[\\\"\\\\ud800\\\"]\"", "its io.ocre.args holds a malformed escape"},
		{"\"io.ocre.args\":\"[\\\"1\\\",\\\"2\\\",\\\"3\\\",\\\"4\\\",\\\"5\\\",\\\"6\\\",\\\"7\\\","
		 "\\\"8\\\",\\\"9\\\",\\\"10\\\",\\\"11\\\",\\\"12\\\",\\\"13\\\",\\\"14\\\",\\\"15\\\","
		 "\\\"16\\\",\\\"17\\\"]\"",
		 "its io.ocre.args holds more arguments than the firmware's limit"},
		{"\"io.ocre.env\":\"{\\\"A=B\\\":\\\"1\\\"}\"",
		 "its io.ocre.env holds a variable name that is not [A-Za-z_][A-Za-z0-9_]*"},
		{"\"io.ocre.env\":\"{\\\"A\\\":1}\"", "its io.ocre.env is not the JSON expected"},
		{"\"io.ocre.env\":\"{\\\"A\\\":\\\"x\\\\u0000\\\"}\"",
		 "its io.ocre.env holds a NUL character"},
		{"\"io.ocre.gpio\":\"led0,7:3\"",
		 "its GPIO allow-list names \"7:3\", which is not a line of this board"},
		{"\"io.ocre.gpio\":\"led9\"",
		 "its GPIO allow-list names \"led9\", which is not a line of this board"},
		{"\"io.ocre.gpio\":\"0:1234\"",
		 "its GPIO allow-list names \"0:1234\", which is not a line of this board"},
		{"\"io.ocre.capabilities\":\"networking\"",
		 "needs networking (its capabilities); this firmware was built without "
		 "CONFIG_OCRE_WASI_FULL"},
	};
	const char *why = "";

	annotations = NULL;
	imports = NULL;
	assert_int_equal(install("app", &m_good, false, &why), 0);
	wait_for_state("app", OCRE_STATE_RUNNING);
	int id = ocre_agent_container("app");
	struct ocre_store_entry before;

	assert_int_equal(ocre_agent_list(&before, 1), 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		capture_reset();
		annotations = cases[i].annotations;
		assert_int_equal(install("app", &m_good2, false, &why), -OCRE_EPERM);
		assert_string_equal(why, cases[i].why);
		assert_int_equal(log_count("event=refused container=app "), 1);
		struct ocre_store_entry after;

		assert_int_equal(ocre_agent_list(&after, 1), 1);
		assert_memory_equal(after.manifest_digest, before.manifest_digest, 32);
		assert_int_equal(ocre_agent_container("app"), id);
		assert_true(runs("app", &m_good));
	}
	annotations = NULL;
	assert_int_equal(ocre_agent_remove("app"), 0);
}

static void imports_the_firmware_lacks_are_refused(void **state)
{
	(void)state;
	static const char *const ok[] = {"env.ocre_timer_create", "wasi_snapshot_preview1.args_get",
					 NULL};
	static const char *const unknown[] = {"env.ocre_teleport", NULL};
	static const char *const module[] = {"wasi_unstable.fd_write", NULL};
	static const char *const sockets[] = {"wasi_snapshot_preview1.sock_accept", NULL};
	static const struct {
		const char *const *imports;
		const char *why;
	} cases[] = {
		{unknown, "imports env.ocre_teleport, which no Ocre runtime provides"},
		{module, "imports wasi_unstable.fd_write, from a module no Ocre runtime provides"},
		{sockets, "needs networking (wasi_snapshot_preview1.sock_accept); this firmware was "
			  "built without CONFIG_OCRE_WASI_FULL"},
	};
	const char *why = "";

	annotations = NULL;
	imports = ok;
	assert_int_equal(install("app", &m_good, false, &why), 0);
	wait_for_state("app", OCRE_STATE_RUNNING);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		imports = cases[i].imports;
		assert_int_equal(install("app", &m_good2, false, &why), -OCRE_EPERM);
		assert_string_equal(why, cases[i].why);
		assert_true(runs("app", &m_good));
	}
	imports = NULL;
	assert_int_equal(ocre_agent_remove("app"), 0);
}

/* The module parser on bytes it did not make: malformed sections, a table import. */
static int read_bytes(const void *ctx, uint32_t off, void *buf, size_t len)
{
	memcpy(buf, (const uint8_t *)ctx + off, len);
	return 0;
}

static uint32_t max_pages;

static const char *check(const uint8_t *b, size_t n)
{
	const struct ocre_image_reader r = {.read = read_bytes, .ctx = b, .size = (uint32_t)n};
	const char *why = "";

	return ocre_image_check_module(&r, &max_pages, &why) == 0 ? NULL : why;
}

static void the_module_check_reads_hostile_bytes_within_bounds(void **state)
{
	(void)state;
	/* header, import section: 1 import "env"."t" of a table */
	static const uint8_t table[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 2, 11, 1, 3,
					'e', 'n', 'v', 1, 't', 1, 0x70, 0, 1};
	static const uint8_t memory[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 2, 16, 1, 3, 'e', 'n', 'v',
					 6, 'm', 'e', 'm', 'o', 'r', 'y', 2, 1, 1, 2};
	/* a function section (skipped), then a memory of 1..3 pages, then an export section */
	static const uint8_t defined_memory[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 3, 2, 1, 0,
						 5, 4, 1, 1, 1, 3, 7, 1, 0};
	static const uint8_t version2[] = {0, 'a', 's', 'm', 2, 0, 0, 0};
	/* a section claiming 200 bytes in a module of 12 */
	static const uint8_t long_section[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 2, 0xc8, 1, 0};
	/* an import count of 5 in a section holding none */
	static const uint8_t short_count[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 2, 1, 5};
	/* a LEB128 running past 5 bytes */
	static const uint8_t long_leb[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	/* a name of 65 bytes */
	uint8_t long_name[8 + 3 + 1 + 65 + 8] = {0, 'a', 's', 'm', 1, 0, 0, 0, 2, 1 + 1 + 65 + 5, 1, 65};

	memset(long_name + 12, 'x', 65);
	assert_string_equal(check(table, sizeof(table)),
			    "imports a table, global or tag (env.t); Ocre's runtimes provide only "
			    "functions and env.memory");
	assert_null(check(memory, sizeof(memory)));
	assert_int_equal(max_pages, 2); /* env.memory's maximum */
	assert_null(check(defined_memory, sizeof(defined_memory)));
	assert_int_equal(max_pages, 3);
	assert_null(check(defined_memory, 8));
	assert_int_equal(max_pages, OCRE_IMAGE_NO_MAX);
	assert_string_equal(check(version2, sizeof(version2)),
			    "the layer is not a WebAssembly 1.0 module");
	assert_string_equal(check(long_section, sizeof(long_section)),
			    "the module's sections are malformed");
	assert_string_equal(check(short_count, sizeof(short_count)),
			    "the module's sections are malformed");
	assert_string_equal(check(long_leb, sizeof(long_leb)), "the module's sections are malformed");
	assert_string_equal(check(long_name, sizeof(long_name)),
			    "an import's name is longer than 64 bytes or holds a NUL");
	assert_string_equal(check(table, 5), "the layer is not a WebAssembly 1.0 module");
	for (size_t n = 9; n < sizeof(table); n++) {
		assert_non_null(check(table, n)); /* every truncation is refused, none read past n */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_trapping_update_is_rolled_back),
		cmocka_unit_test(a_version_left_on_trial_is_rolled_back_at_boot),
		cmocka_unit_test(metadata_comes_from_the_signed_annotations),
		cmocka_unit_test(module_memory_is_what_is_installed_and_given_back),
		cmocka_unit_test(installed_containers_get_args_env_and_gpio_from_the_image),
		cmocka_unit_test(hostile_settings_are_refused_and_the_old_version_stays),
		cmocka_unit_test(imports_the_firmware_lacks_are_refused),
		cmocka_unit_test(the_module_check_reads_hostile_bytes_within_bounds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
