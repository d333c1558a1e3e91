/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Container lifecycle on real threads (POSIX port): exit codes, restart with back-off, the
 * watchdog, stop and cleanup, and 1000 messages between two running containers.
 */

#include <stdio.h>

#include "test_support.h"

#define MOD(fn, ...)                                                                               \
	{                                                                                          \
		.magic = FAKE_MAGIC, .main = fn, .exports = { __VA_ARGS__ }                        \
	}

static struct ocre_container_meta meta(const char *name, enum ocre_restart_policy restart)
{
	return (struct ocre_container_meta){
		.name = name, .capabilities = OCRE_CAP_API, .restart = restart};
}

static int add(const struct fake_module *mod, const char *name, enum ocre_restart_policy r)
{
	struct ocre_container_meta m = meta(name, r);
	int id = ocre_container_add((const uint8_t *)mod, sizeof(*mod), &m);

	assert_true(id >= 0);
	return id;
}

static int32_t exit_of(int id)
{
	struct ocre_container_status st;

	assert_int_equal(ocre_container_status(id, &st), 0);
	return st.exit_code;
}

/* ---- exit codes ------------------------------------------------------------------------- */

int add_dup_fails(void);

static void returns(struct ocre_container *c)
{
	(void)c;
}

static void exits_3(struct ocre_container *c)
{
	GUEST(c, ocre_api_ocre_sleep(c, 20));
	ocre_wasi_proc_exit(c, 3);
}

static const struct fake_module m_returns = MOD(returns);
static const struct fake_module m_exits_3 = MOD(exits_3);

static void exit_codes_and_wait_all(void **state)
{
	(void)state;
	struct ocre_container_meta bad = meta("", OCRE_RESTART_NO);
	int a = add(&m_returns, "ok", OCRE_RESTART_NO);
	int b = add(&m_exits_3, "three", OCRE_RESTART_NO);

	assert_int_equal(ocre_container_add((const uint8_t *)&m_returns, sizeof(m_returns), &bad),
			 -22);
	assert_int_equal(add_dup_fails(), 0);
	assert_int_equal(ocre_start_all(), 0);
	assert_int_equal(ocre_wait_all(), 3);
	/* ocre_start_all instantiates one container after the other (the shared pool's layout). */
	assert_int_equal(fake_max_concurrent_instantiations(), 1);
	assert_int_equal(exit_of(a), 0);
	assert_int_equal(exit_of(b), 3);
	assert_int_equal(ocre_container_destroy(a), 0);
	assert_int_equal(ocre_container_destroy(b), 0);
	assert_int_equal(ocre_container_find("ok"), -2);
}

/* ---- restart with back-off ------------------------------------------------------------------ */

static int flaky_runs;

static void flaky(struct ocre_container *c)
{
	if (++flaky_runs < 3) {
		fake_trap(c);
	}
}

static const struct fake_module m_flaky = MOD(flaky);

static void on_failure_restarts_with_backoff(void **state)
{
	(void)state;
	int id = add(&m_flaky, "flaky", OCRE_RESTART_ON_FAILURE);
	uint64_t t0 = ocre_port_uptime_ms();
	struct ocre_container_status st;

	assert_int_equal(ocre_container_start(id), 0);
	assert_int_equal(ocre_container_start(id), -16);
	ocre_wait_all();
	uint64_t took = ocre_port_uptime_ms() - t0;

	assert_int_equal(ocre_container_status(id, &st), 0);
	assert_int_equal(st.state, OCRE_STATE_EXITED);
	assert_int_equal(st.restarts, 2);
	assert_int_equal(st.exit_code, 0);
	assert_int_equal(flaky_runs, 3);
	/* 100 ms then 200 ms of back-off */
	assert_true(took >= 300 && took < 2000);
	assert_int_equal(log_count("flaky: exited with code 134"), 2);
	assert_int_equal(ocre_container_destroy(id), 0);
}

/* ---- watchdog ----------------------------------------------------------------------------- */

static volatile int worker_rounds;

static void spin(struct ocre_container *c)
{
	/* no host call: only the watchdog can end this (WAMR checks the flag at back-edges) */
	while (!fake_should_stop(c)) {
	}
}

static void worker(struct ocre_container *c)
{
	GUEST(c, ocre_api_ocre_sleep(c, 500)); /* longer than the watchdog, but in a host call */
	for (int i = 0; i < 20; i++) {
		GUEST(c, ocre_api_ocre_sleep(c, 25));
		worker_rounds++;
	}
}

static const struct fake_module m_spin = MOD(spin);
static const struct fake_module m_worker = MOD(worker);

static void watchdog_stops_a_stuck_container_while_others_run(void **state)
{
	(void)state;
	int s = add(&m_spin, "spin", OCRE_RESTART_NO);
	int w = add(&m_worker, "worker", OCRE_RESTART_NO);

	worker_rounds = 0;
	assert_int_equal(ocre_start_all(), 0);
	ocre_wait_all();
	assert_int_equal(exit_of(s), OCRE_EXIT_KILLED);
	assert_int_equal(exit_of(w), 0);
	assert_int_equal(worker_rounds, 20);
	assert_int_equal(log_count("spin: no host call"), 1);
	assert_int_equal(log_count("worker: no host call"), 0);
	ocre_container_destroy(s);
	ocre_container_destroy(w);
}

/* ---- stop and cleanup ----------------------------------------------------------------------- */

static void holder(struct ocre_container *c)
{
	struct ocre_mem *m = fake_mem(c);

	memcpy(m->base + 64, "sw1", 4);
	memcpy(m->base + 96, "any/", 5);
	GUEST(c, ocre_api_ocre_timer_create(c, 1));
	GUEST(c, ocre_api_ocre_timer_start(c, 1, 10, 1));
	GUEST(c, ocre_api_ocre_subscribe_message(c, m, 96));
	GUEST(c, ocre_api_ocre_gpio_register_callback_by_name(c, m, 64));
	while (!fake_should_stop(c)) {
		GUEST(c, ocre_api_ocre_sleep(c, 10000));
	}
}

static const struct fake_module m_holder = MOD(holder);

static void stop_interrupts_sleep_and_releases_everything(void **state)
{
	(void)state;
	int id = add(&m_holder, "holder", OCRE_RESTART_ALWAYS);
	struct ocre_container *c = &ocre_containers[id];

	assert_int_equal(ocre_container_start(id), 0);
	/* Running: it subscribed, enabled its GPIO interrupt, and its 10 ms timer fires. */
	WAIT_UNTIL(ocre_posix_gpio_irq_enabled(1, 1) && c->nsubs == 1 && c->events.count > 0);
	assert_true(ocre_posix_gpio_irq_enabled(1, 1));
	assert_int_equal(c->nsubs, 1);
	assert_true(c->events.count > 0); /* the 10 ms timer is firing */

	uint64_t t0 = ocre_port_uptime_ms();

	assert_int_equal(ocre_container_stop(id), 0);
	assert_true(ocre_port_uptime_ms() - t0 < 1000);
	assert_int_equal(exit_of(id), OCRE_EXIT_KILLED);
	struct ocre_container_status st;

	ocre_container_status(id, &st);
	assert_int_equal(st.state, OCRE_STATE_EXITED);
	assert_int_equal(st.restarts, 0); /* stopped: no restart despite "always" */
	assert_false(ocre_posix_gpio_irq_enabled(1, 1));
	assert_int_equal(c->nsubs, 0);
	assert_int_equal(ocre_port_timer_remaining_ms(0 * OCRE_MAX_TIMERS), 0);
	ocre_port_sleep_ms(50);
	assert_int_equal(c->events.count, 0);

	/* it starts again from scratch */
	assert_int_equal(ocre_container_restart(id), 0);
	WAIT_UNTIL(c->nsubs == 1);
	assert_int_equal(c->nsubs, 1);
	assert_int_equal(ocre_container_destroy(id), 0);
}

/* ---- 1000 messages between two running containers -------------------------------------- */

#define NMSG 1000
static volatile int received, corrupt;

static void publisher(struct ocre_container *c)
{
	struct ocre_mem *m = fake_mem(c);

	memcpy(m->base + 16, "data/seq", 9);
	memcpy(m->base + 32, "text/plain", 11);
	memcpy(m->base + 96, OCRE_EXT_ERRNO_V1, sizeof(OCRE_EXT_ERRNO_V1));
	/* opted in: a full receiver answers -EBUSY (upstream's -ENOENT would also mean "nobody") */
	assert_int_equal(GUEST(c, ocre_api_ocre_register_dispatcher(c, m, (int32_t)OCRE_EXT_EVENT_TYPE,
								     96)),
			 0);
	GUEST(c, ocre_api_ocre_sleep(c, 50)); /* let the receiver subscribe */
	for (int i = 0; i < NMSG; i++) {
		int len = snprintf((char *)m->base + 64, 32, "msg-%d", i);
		int32_t r;

		while ((r = GUEST(c, ocre_api_ocre_publish_message(c, m, 16, 32, 64, len))) ==
		       -16) {
			GUEST(c, ocre_api_ocre_sleep(c, 1));
		}
		assert_int_equal(r, 0);
	}
}

static void receiver(struct ocre_container *c)
{
	struct ocre_mem *m = fake_mem(c);
	const uint32_t ev[6] = {0, 4, 8, 12, 16, 20};

	memcpy(m->base + 64, "data/", 6);
	GUEST(c, ocre_api_ocre_subscribe_message(c, m, 64));
	while (received < NMSG && !fake_should_stop(c)) {
		if (GUEST(c, ocre_api_ocre_get_event(c, m, ev)) != 0) {
			GUEST(c, ocre_api_ocre_sleep(c, 1));
			continue;
		}
		uint32_t topic, ctype, payload, len;
		char expect[32];

		ocre_mem_get_u32(m, 8, &topic);
		ocre_mem_get_u32(m, 12, &ctype);
		ocre_mem_get_u32(m, 16, &payload);
		ocre_mem_get_u32(m, 20, &len);
		int n = snprintf(expect, sizeof(expect), "msg-%d", received);

		if ((int)len != n || memcmp(m->base + payload, expect, len) != 0 ||
		    strcmp((char *)m->base + topic, "data/seq") != 0 ||
		    strcmp((char *)m->base + ctype, "text/plain") != 0) {
			corrupt++;
		}
		GUEST(c, ocre_api_ocre_messaging_free_module_event_data(c, topic, ctype, payload));
		received++;
	}
	if (fake_heap_used(c) != 0) {
		corrupt++;
	}
}

static const struct fake_module m_pub = MOD(publisher);
static const struct fake_module m_sub = MOD(receiver);

static void thousand_messages_none_lost(void **state)
{
	(void)state;
	int s = add(&m_sub, "sub", OCRE_RESTART_NO);
	int p = add(&m_pub, "pub", OCRE_RESTART_NO);

	received = corrupt = 0;
	assert_int_equal(ocre_start_all(), 0);
	ocre_wait_all();
	assert_int_equal(received, NMSG);
	assert_int_equal(corrupt, 0);
	assert_int_equal(exit_of(s), 0);
	assert_int_equal(exit_of(p), 0);
	ocre_container_destroy(s);
	ocre_container_destroy(p);
}

int add_dup_fails(void)
{
	struct ocre_container_meta m = meta("ok", OCRE_RESTART_NO);

	return ocre_container_add((const uint8_t *)&m_returns, sizeof(m_returns), &m) == -16 ? 0
											     : -1;
}

static int setup(void **state)
{
	(void)state;
	capture_reset();
	return ocre_init();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(exit_codes_and_wait_all, setup),
		cmocka_unit_test_setup(on_failure_restarts_with_backoff, setup),
		cmocka_unit_test_setup(watchdog_stops_a_stuck_container_while_others_run, setup),
		cmocka_unit_test_setup(stop_interrupts_sleep_and_releases_everything, setup),
		cmocka_unit_test_setup(thousand_messages_none_lost, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
