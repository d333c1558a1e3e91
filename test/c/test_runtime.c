/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The runtime's event-driven and race-free rules, on real threads (POSIX port): an idle
 * container never wakes, an event wakes only its container, a stop never polls, producers
 * (interrupts on a device) never log, topics are matched outside the interrupt lock, per-pin
 * GPIO allow-lists, and the health events a watcher container receives.
 */

#include <stdio.h>

#include "test_support.h"

#define MOD(fn, ...)                                                                               \
	{                                                                                          \
		.magic = FAKE_MAGIC, .main = fn, .exports = { __VA_ARGS__ }                        \
	}

static const uint32_t EV[6] = {1000, 1004, 1008, 1012, 1016, 1020};

static uint32_t put_str(struct ocre_container *c, uint32_t off, const char *s)
{
	memcpy(fake_mem(c)->base + off, s, strlen(s) + 1);
	return off;
}

static uint32_t ev_field(struct ocre_container *c, int i)
{
	uint32_t v = 0;

	ocre_mem_get_u32(fake_mem(c), EV[i], &v);
	return v;
}

static int add(const struct fake_module *mod, const char *name, uint32_t caps,
	       enum ocre_restart_policy r)
{
	struct ocre_container_meta m = {.name = name, .capabilities = caps, .restart = r};
	int id = ocre_container_add((const uint8_t *)mod, sizeof(*mod), &m);

	assert_true(id >= 0);
	return id;
}

static int32_t opt_in_wait(struct ocre_container *c)
{
	return GUEST(c, ocre_api_ocre_register_dispatcher(c, fake_mem(c), OCRE_EXT_EVENT_TYPE,
							  put_str(c, 900, OCRE_EXT_WAIT_V1)));
}

/* ---- wake-ups ------------------------------------------------------------------------------ */

static volatile int idle_returns, idle_gpio, ticks, handshake;

/* The SDK's event loop on ocre's runtime: wait for an event with no time limit, handle all. */
static void idle(struct ocre_container *c)
{
	handshake = opt_in_wait(c);
	GUEST(c, ocre_api_ocre_gpio_register_callback_by_name(c, fake_mem(c),
							       put_str(c, 64, "sw1")));
	while (!fake_should_stop(c)) {
		GUEST(c, ocre_api_ocre_sleep(c, -1));
		if (fake_should_stop(c)) {
			break;
		}
		idle_returns++;
		while (GUEST(c, ocre_api_ocre_get_event(c, fake_mem(c), EV)) == 0) {
			idle_gpio += ev_field(c, 0) == OCRE_EVENT_GPIO;
		}
	}
}

static void ticker(struct ocre_container *c)
{
	opt_in_wait(c);
	GUEST(c, ocre_api_ocre_timer_create(c, 1));
	GUEST(c, ocre_api_ocre_timer_start(c, 1, 10, 1));
	while (!fake_should_stop(c)) {
		GUEST(c, ocre_api_ocre_sleep(c, -1));
		while (GUEST(c, ocre_api_ocre_get_event(c, fake_mem(c), EV)) == 0) {
			ticks++;
		}
	}
}

static const struct fake_module m_idle = MOD(idle);
static const struct fake_module m_ticker = MOD(ticker);

static void idle_container_never_wakes_and_events_wake_only_theirs(void **state)
{
	(void)state;
	idle_returns = idle_gpio = ticks = 0;
	handshake = -1;
	int i = add(&m_idle, "idle", OCRE_CAP_API, OCRE_RESTART_NO);
	int t = add(&m_ticker, "ticker", OCRE_CAP_API, OCRE_RESTART_NO);

	assert_int_equal(ocre_start_all(), 0);
	ocre_port_sleep_ms(50);
	unsigned int idle_wakes = ocre_posix_wait_returns((unsigned int)i);
	unsigned int tick_wakes = ocre_posix_wait_returns((unsigned int)t);
	int ticks0 = ticks;

	ocre_port_sleep_ms(300);
	assert_int_equal(handshake, 0);
	/* 300 ms of another container's 10 ms timer: the idle one never woke */
	assert_int_equal(ocre_posix_wait_returns((unsigned int)i) - idle_wakes, 0);
	assert_int_equal(idle_returns, 0);
	int got = ticks - ticks0;

	assert_true(got >= 5); /* about 30; loose for loaded CI machines */
	/* the ticker wakes about once per tick, not more (no polling) */
	assert_true((int)(ocre_posix_wait_returns((unsigned int)t) - tick_wakes) <= got + 2);

	/* an edge on the line it watches wakes the idle container at once */
	uint64_t t0 = ocre_port_uptime_ms();

	ocre_posix_gpio_drive(1, 1, true);
	while (idle_gpio == 0 && ocre_port_uptime_ms() - t0 < 1000) {
		ocre_port_sleep_ms(1);
	}
	assert_int_equal(idle_gpio, 1);
	assert_true(ocre_port_uptime_ms() - t0 < 500);
	assert_int_equal(idle_returns, 1);
	ocre_posix_gpio_drive(1, 1, false);

	assert_int_equal(ocre_container_destroy(i), 0);
	assert_int_equal(ocre_container_destroy(t), 0);
}

static volatile uint64_t plain_slept_ms;
static volatile int32_t plain_negative;

/* Without the handshake ocre_sleep is upstream's: it lasts its time whatever is queued. */
static void plain(struct ocre_container *c)
{
	GUEST(c, ocre_api_ocre_timer_create(c, 1));
	GUEST(c, ocre_api_ocre_timer_start(c, 1, 10, 1));
	uint64_t t0 = ocre_port_uptime_ms();

	GUEST(c, ocre_api_ocre_sleep(c, 120));
	plain_slept_ms = ocre_port_uptime_ms() - t0;
	t0 = ocre_port_uptime_ms();
	plain_negative = GUEST(c, ocre_api_ocre_sleep(c, -1));
	/* a negative time never blocks without the handshake */
	if (ocre_port_uptime_ms() - t0 > 50) {
		plain_negative = 12345;
	}
}

static const struct fake_module m_plain = MOD(plain);

static void plain_sleep_keeps_upstream_semantics(void **state)
{
	(void)state;
	int p = add(&m_plain, "plain", OCRE_CAP_API, OCRE_RESTART_NO);

	assert_int_equal(ocre_container_start(p), 0);
	ocre_wait_all();
	assert_true(plain_slept_ms >= 120);
	assert_true(plain_negative != 12345);
	assert_int_equal(ocre_container_destroy(p), 0);
}

/*
 * ocre:wait-v1 ends a sleep for an event queued after the module last polled or slept, not for
 * one already pending then nor for its own publish (as the simulator): sleep() in a handler
 * with a backlog lasts its time. An event queued between an empty poll and the sleep still
 * ends it (no lost wake-up).
 */
static volatile uint64_t backlog_ms, new_event_ms, after_empty_poll_ms, own_publish_ms;
static volatile int32_t backlog_polls[4];

static void backlog(struct ocre_container *c)
{
	opt_in_wait(c);
	GUEST(c, ocre_api_ocre_timer_create(c, 1));
	GUEST(c, ocre_api_ocre_timer_create(c, 2));
	GUEST(c, ocre_api_ocre_timer_start(c, 1, 5, 0));
	GUEST(c, ocre_api_ocre_timer_start(c, 2, 5, 0));
	ocre_port_sleep_ms(30); /* both expire: two events queued */
	backlog_polls[0] = GUEST(c, ocre_api_ocre_get_event(c, fake_mem(c), EV)); /* one stays */

	uint64_t t0 = ocre_port_uptime_ms();

	GUEST(c, ocre_api_ocre_sleep(c, 100));
	backlog_ms = ocre_port_uptime_ms() - t0;

	GUEST(c, ocre_api_ocre_timer_start(c, 1, 30, 0));
	t0 = ocre_port_uptime_ms();
	GUEST(c, ocre_api_ocre_sleep(c, 2000));
	new_event_ms = ocre_port_uptime_ms() - t0;

	backlog_polls[1] = GUEST(c, ocre_api_ocre_get_event(c, fake_mem(c), EV));
	backlog_polls[2] = GUEST(c, ocre_api_ocre_get_event(c, fake_mem(c), EV));
	backlog_polls[3] = GUEST(c, ocre_api_ocre_get_event(c, fake_mem(c), EV)); /* empty */
	GUEST(c, ocre_api_ocre_timer_start(c, 2, 5, 0));
	ocre_port_sleep_ms(30); /* queued after the empty poll, before the sleep */
	t0 = ocre_port_uptime_ms();
	GUEST(c, ocre_api_ocre_sleep(c, 2000));
	after_empty_poll_ms = ocre_port_uptime_ms() - t0;

	GUEST(c, ocre_api_ocre_subscribe_message(c, fake_mem(c), put_str(c, 64, "self/")));
	backlog_polls[0] = GUEST(c, ocre_api_ocre_publish_message(c, fake_mem(c),
								   put_str(c, 128, "self/a"),
								   put_str(c, 160, "t"), 200, 1));
	t0 = ocre_port_uptime_ms();
	GUEST(c, ocre_api_ocre_sleep(c, 100));
	own_publish_ms = ocre_port_uptime_ms() - t0;
}

static const struct fake_module m_backlog = MOD(backlog);

static void wait_sleep_ends_only_for_new_events(void **state)
{
	(void)state;
	int b = add(&m_backlog, "backlog", OCRE_CAP_API, OCRE_RESTART_NO);

	assert_int_equal(ocre_container_start(b), 0);
	ocre_wait_all();
	/* the pending timer event did not cut the sleep short */
	assert_true(backlog_ms >= 100);
	/* a timer expiring during the sleep did (30 ms; loose for loaded CI machines) */
	assert_true(new_event_ms >= 30 && new_event_ms < 1000);
	assert_int_equal(backlog_polls[1], 0);
	assert_int_equal(backlog_polls[2], 0);
	assert_int_equal(backlog_polls[3], -OCRE_ENOMSG);
	/* an event queued after the last (empty) poll ends the sleep at once */
	assert_true(after_empty_poll_ms < 1000);
	/* its own message (published: 0) did not */
	assert_int_equal(backlog_polls[0], 0);
	assert_true(own_publish_ms >= 100);
	assert_int_equal(ocre_container_destroy(b), 0);
}

/* ---- stop ---------------------------------------------------------------------------------- */

static void sleeper(struct ocre_container *c)
{
	while (!fake_should_stop(c)) {
		GUEST(c, ocre_api_ocre_sleep(c, 10000));
	}
}

static const struct fake_module m_sleeper = MOD(sleeper);

static void stop_waits_without_polling(void **state)
{
	(void)state;
	int s = add(&m_sleeper, "sleeper", OCRE_CAP_API, OCRE_RESTART_ALWAYS);

	assert_int_equal(ocre_container_start(s), 0);
	ocre_port_sleep_ms(30);
	unsigned int sleeps = ocre_posix_sleep_calls();
	unsigned int done_waits = ocre_posix_wait_returns(OCRE_SLOT_DONE(s));
	uint64_t t0 = ocre_port_uptime_ms();

	assert_int_equal(ocre_container_stop(s), 0);
	assert_true(ocre_port_uptime_ms() - t0 < 200);
	assert_int_equal(ocre_posix_sleep_calls(), sleeps); /* no sleep-and-check loop */
	/* one wake-up when its thread finished (plus one for a token a previous stop passed on) */
	assert_true(ocre_posix_wait_returns(OCRE_SLOT_DONE(s)) - done_waits <= 2);
	assert_int_equal(ocre_container_destroy(s), 0);
}

/* ---- producers and the interrupt lock -------------------------------------------------------- */

/* The module of containers made by hand (no thread): teardown must not stop them. */
static struct fake_module manual_mod = {.magic = FAKE_MAGIC};

static struct ocre_container *make(int slot, const char *name, uint32_t caps)
{
	return make_container(slot, name, caps, &manual_mod);
}

static void unmake(struct ocre_container *c)
{
	ocre_container_cleanup(c);
	ocre_engine_deinstantiate(c);
	c->used = false;
}

static void interrupt_producers_never_log(void **state)
{
	(void)state;
	struct ocre_container *c = make(0, "busy", OCRE_CAP_API);

	assert_int_equal(ocre_api_ocre_timer_create(c, 1), 0);
	/* what a k_timer expiry does in interrupt context: queue (and count) only */
	for (int i = 0; i < OCRE_EVENT_QUEUE_DEPTH + 5; i++) {
		ocre_core_timer_expired(0);
	}
	assert_int_equal(c->events.dropped, 5);
	assert_int_equal(captured_log_lines, 0);
	/* the container's thread reports it when it next takes an event */
	assert_int_equal(ocre_api_ocre_get_event(c, fake_mem(c), EV), 0);
	assert_int_equal(log_count("busy: event queue full (4), 5 events dropped"), 1);
	unmake(c);
}

/* Wrapped at link time (-Wl,--wrap): a topic match made while holding the interrupt lock. */
static volatile int matches, matches_in_lock;
bool __real_ocre_topic_matches(const char *prefix, const char *topic);

bool __wrap_ocre_topic_matches(const char *prefix, const char *topic)
{
	matches++;
	matches_in_lock += ocre_posix_in_lock();
	return __real_ocre_topic_matches(prefix, topic);
}

static void topics_are_matched_outside_the_interrupt_lock(void **state)
{
	(void)state;
	struct ocre_container *p = make(0, "pub", OCRE_CAP_API);
	struct ocre_container *s = make(1, "sub", OCRE_CAP_API);

	assert_int_equal(ocre_api_ocre_subscribe_message(s, fake_mem(s), put_str(s, 64, "a/")), 0);
	assert_int_equal(ocre_api_ocre_subscribe_message(s, fake_mem(s), put_str(s, 64, "b/")), 0);
	matches = matches_in_lock = 0;
	assert_int_equal(ocre_api_ocre_publish_message(p, fake_mem(p), put_str(p, 64, "b/x"),
						       put_str(p, 80, "t"), 64, 3),
			 0);
	assert_int_equal(matches, 2);
	assert_int_equal(matches_in_lock, 0);
	unmake(p);
	unmake(s);
}

/* ---- GPIO allow-lists (POSIX lines: led0 0:0, led1 0:1, sw0 1:0, sw1 1:1) ------------------- */

static void gpio_allow_list_is_per_pin(void **state)
{
	(void)state;
	static const char *const allow[] = {"sw0", "0:1"};
	struct ocre_container *c = make(0, "listed", OCRE_CAP_GPIO);
	struct ocre_mem *m = fake_mem(c);

	c->meta.gpio_allow = allow;
	c->meta.gpio_allow_count = 2;
	assert_int_equal(ocre_api_ocre_gpio_configure_by_name(c, m, put_str(c, 64, "sw0"), 0), 0);
	assert_int_equal(ocre_api_ocre_gpio_configure(c, 0, 1, 1), 0); /* "0:1" */
	assert_int_equal(ocre_api_ocre_gpio_set_by_name(c, m, put_str(c, 64, "led1"), 1), 0);
	assert_int_equal(ocre_api_ocre_gpio_set_by_name(c, m, put_str(c, 64, "led0"), 1), -1);
	assert_int_equal(ocre_api_ocre_gpio_pin_toggle(c, 0, 0), -1);
	assert_int_equal(ocre_api_ocre_gpio_pin_get(c, 1, 5), -1);
	assert_int_equal(ocre_api_ocre_gpio_register_callback(c, 1, 1), -1);
	assert_false(ocre_posix_gpio_irq_enabled(1, 1));
	assert_int_equal(ocre_api_ocre_gpio_register_callback_by_name(c, m, put_str(c, 64, "sw0")),
			 0);
	/* a line that cannot exist stays -EINVAL */
	assert_int_equal(ocre_api_ocre_gpio_configure(c, 0, 40, 1), -22);
	unmake(c);

	/* "gpio" without a list: the board's led/sw aliases only, never an unnamed line */
	c = make(0, "aliases", OCRE_CAP_GPIO);
	assert_int_equal(ocre_api_ocre_gpio_configure(c, 0, 0, 1), 0);
	assert_int_equal(ocre_api_ocre_gpio_configure(c, 1, 5, 1), -1);
	unmake(c);

	/* the SDK's question: which line does an alias name? (POSIX: sw1 is 1:1) */
	c = make(0, "lines", OCRE_CAP_GPIO);
	assert_int_equal(ocre_api_ocre_register_dispatcher(c, fake_mem(c), OCRE_EXT_EVENT_TYPE,
							   put_str(c, 64, "ocre:gpio-line-v1:sw1")),
			 (1 << 16) | 1);
	assert_int_equal(ocre_api_ocre_register_dispatcher(c, fake_mem(c), OCRE_EXT_EVENT_TYPE,
							   put_str(c, 64, "ocre:gpio-line-v1:nope")),
			 -19);
	unmake(c);

	/* "ocre:api" without a list: every line, as upstream */
	c = make(0, "upstream", OCRE_CAP_API);
	assert_int_equal(ocre_api_ocre_gpio_configure(c, 1, 5, 1), 0);
	unmake(c);
}

/* ---- sensor status out of band (ocre:sensor-status-v1) ---------------------------------------- */

static void sensor_errors_are_reported_out_of_band(void **state)
{
	(void)state;
	struct ocre_container *c = make(0, "reader", OCRE_CAP_API);
	uint32_t q = put_str(c, 200, OCRE_EXT_SENSOR_STATUS_V1);

	/* before any read: success */
	assert_int_equal(ocre_api_ocre_register_dispatcher(c, fake_mem(c), OCRE_EXT_EVENT_TYPE, q),
			 1000);
	/* a read of a channel type the sensor lacks fails with -EINVAL, told apart from a value */
	(void)ocre_api_ocre_sensors_read(c, 0, 99);
	assert_int_equal(ocre_api_ocre_register_dispatcher(c, fake_mem(c), OCRE_EXT_EVENT_TYPE, q),
			 1022);
	(void)ocre_api_ocre_sensors_read(c, 0, 13);
	assert_int_equal(ocre_api_ocre_register_dispatcher(c, fake_mem(c), OCRE_EXT_EVENT_TYPE, q),
			 1000);
	(void)ocre_api_ocre_sensors_read_by_name(c, fake_mem(c), put_str(c, 64, "nope"), 13);
	assert_int_equal(ocre_api_ocre_register_dispatcher(c, fake_mem(c), OCRE_EXT_EVENT_TYPE, q),
			 1002);
	unmake(c);
}

/* ---- health ---------------------------------------------------------------------------------- */

#define MAX_SEEN 16
static char seen[MAX_SEEN][200];
static char seen_topic[MAX_SEEN][96];
static volatile int nseen;

static void watcher(struct ocre_container *c)
{
	opt_in_wait(c);
	GUEST(c, ocre_api_ocre_subscribe_message(c, fake_mem(c), put_str(c, 64, "ocre/health/")));
	while (!fake_should_stop(c)) {
		GUEST(c, ocre_api_ocre_sleep(c, -1));
		while (GUEST(c, ocre_api_ocre_get_event(c, fake_mem(c), EV)) == 0) {
			uint8_t *base = fake_mem(c)->base;
			uint32_t topic = ev_field(c, 2), ctype = ev_field(c, 3);
			uint32_t payload = ev_field(c, 4), len = ev_field(c, 5);

			if (nseen < MAX_SEEN && len < sizeof(seen[0])) {
				memcpy(seen[nseen], base + payload, len);
				seen[nseen][len] = '\0';
				snprintf(seen_topic[nseen], sizeof(seen_topic[0]), "%s",
					 (char *)base + topic);
				nseen++;
			}
			GUEST(c, ocre_api_ocre_messaging_free_module_event_data(c, topic, ctype,
										payload));
		}
	}
}

static int crash_runs;

static void crasher(struct ocre_container *c)
{
	GUEST(c, ocre_api_ocre_sleep(c, 20));
	if (++crash_runs == 1) {
		fake_trap(c);
	}
}

static const struct fake_module m_watcher = MOD(watcher);
static const struct fake_module m_crasher = MOD(crasher);

static int find_seen(const char *prefix)
{
	for (int i = 0; i < nseen; i++) {
		if (strncmp(seen[i], prefix, strlen(prefix)) == 0) {
			return i;
		}
	}
	return -1;
}

static void a_trap_is_seen_by_a_watcher(void **state)
{
	(void)state;
	nseen = 0;
	crash_runs = 0;
	int w = add(&m_watcher, "watcher", OCRE_CAP_MESSAGING, OCRE_RESTART_NO);
	int x = add(&m_crasher, "crasher", OCRE_CAP_API, OCRE_RESTART_ON_FAILURE);

	assert_int_equal(ocre_start_all(), 0);
	uint64_t t0 = ocre_port_uptime_ms();

	while (crash_runs < 2 || ocre_containers[x].state != OCRE_STATE_EXITED) {
		assert_true(ocre_port_uptime_ms() - t0 < 3000);
		ocre_port_sleep_ms(10);
	}
	ocre_port_sleep_ms(50);
	assert_int_equal(ocre_container_stop(w), 0);

	int trapped = find_seen("event=trapped container=crasher uptime_ms=");
	int restarted = find_seen("event=restarted container=crasher uptime_ms=");
	int exited = find_seen("event=exited container=crasher uptime_ms=");

	assert_true(find_seen("event=started container=crasher uptime_ms=") >= 0);
	assert_true(trapped >= 0 && restarted > trapped && exited >= 0);
	assert_string_equal(seen_topic[trapped], "ocre/health/trapped/crasher");
	assert_non_null(strstr(seen[trapped], " reason=unreachable"));
	assert_non_null(strstr(seen[exited], " code=134 ran_ms="));
	assert_non_null(strstr(seen[exited], " memory_bytes=65536 dropped=0"));
	assert_non_null(strstr(seen[restarted], " restarts=1 delay_ms=100"));
	/* and it logged them */
	assert_int_equal(log_count("health event=trapped container=crasher"), 1);
	/* for test/c-shim.test.ts, which parses them with cli/abi/health.ts */
	for (int i = 0; i < nseen; i++) {
		printf("HEALTH %s %s\n", seen_topic[i], seen[i]);
	}

	struct ocre_container_status st;

	assert_int_equal(ocre_container_status(x, &st), 0);
	assert_int_equal(st.memory_high_water, 65536);
	assert_string_equal(st.trap_reason, "unreachable");
	assert_int_equal(ocre_container_destroy(w), 0);
	assert_int_equal(ocre_container_destroy(x), 0);
}

static int setup(void **state)
{
	(void)state;
	capture_reset();
	return ocre_init();
}

/* A failed assertion skips a test's own clean-up: stop what it left running. */
static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < OCRE_MAX_CONTAINERS; i++) {
		struct ocre_container *c = &ocre_containers[i];

		if (!c->used) {
			continue;
		}
		if (c->wasm == (uint8_t *)&manual_mod) {
			unmake(c);
		} else {
			(void)ocre_container_destroy(i);
		}
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(idle_container_never_wakes_and_events_wake_only_theirs, setup, teardown),
		cmocka_unit_test_setup_teardown(plain_sleep_keeps_upstream_semantics, setup, teardown),
		cmocka_unit_test_setup_teardown(wait_sleep_ends_only_for_new_events, setup, teardown),
		cmocka_unit_test_setup_teardown(stop_waits_without_polling, setup, teardown),
		cmocka_unit_test_setup_teardown(interrupt_producers_never_log, setup, teardown),
		cmocka_unit_test_setup_teardown(topics_are_matched_outside_the_interrupt_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(gpio_allow_list_is_per_pin, setup, teardown),
		cmocka_unit_test_setup_teardown(sensor_errors_are_reported_out_of_band, setup, teardown),
		cmocka_unit_test_setup_teardown(a_trap_is_seen_by_a_watcher, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
