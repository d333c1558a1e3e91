/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The `env` ABI on two live containers (real POSIX timers and simulated GPIO): argument
 * validation, timer namespaces, message routing and delivery, GPIO events, sensors.
 * (Capabilities are checked by the dispatcher: test_dispatch.c.)
 */

#include <sys/utsname.h>

#include "test_support.h"

static struct fake_module mod = {.magic = FAKE_MAGIC, .exports = {"on_timer"}};
static struct ocre_container *a, *b;

static struct ocre_container *make(int slot, const char *name, uint32_t caps)
{
	return make_container(slot, name, caps, &mod);
}

static int setup(void **state)
{
	(void)state;
	capture_reset();
	a = make(0, "a", OCRE_CAP_API);
	b = make(1, "b", OCRE_CAP_TIMERS | OCRE_CAP_MESSAGING);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ocre_container_cleanup(a);
	ocre_container_cleanup(b);
	ocre_engine_deinstantiate(a);
	ocre_engine_deinstantiate(b);
	a->used = b->used = false;
	return 0;
}

static uint32_t put_str(struct ocre_container *c, uint32_t off, const char *s)
{
	memcpy(fake_mem(c)->base + off, s, strlen(s) + 1);
	return off;
}

static const uint32_t EV[6] = {1000, 1004, 1008, 1012, 1016, 1020};

static uint32_t ev_field(struct ocre_container *c, int i)
{
	uint32_t v = 0;

	ocre_mem_get_u32(fake_mem(c), EV[i], &v);
	return v;
}

static void uname_fills_six_80_byte_fields(void **state)
{
	(void)state;
	struct ocre_mem *m = fake_mem(a);

	memset(m->base + 100, 0x5a, 480);
	assert_int_equal(ocre_api_uname(a, m, 100), 0);
	struct utsname u;

	assert_int_equal(uname(&u), 0);
	/* upstream's layout on Linux: "Project Ocre (Linux)", node, "1.0.0 (<release>)", ... */
	assert_string_equal((char *)m->base + 100, "Project Ocre (Linux)");
	assert_string_equal((char *)m->base + 100 + 80, u.nodename);
	assert_memory_equal((char *)m->base + 100 + 2 * 80, "1.0.0 (", 7);
	assert_string_equal((char *)m->base + 100 + 4 * 80, u.machine);
	assert_string_equal((char *)m->base + 100 + 5 * 80, "");
	assert_int_equal(m->base[100 + 479], 0);
	/* 480 bytes must fit: a buffer 479 bytes before the end is refused with upstream's -1 */
	assert_int_equal(ocre_api_uname(a, m, FAKE_MEM_SIZE - 479), -1);
	assert_int_equal(ocre_api_uname(a, m, FAKE_MEM_SIZE - 480), 0);
}

static void get_event_validates_all_six_pointers(void **state)
{
	(void)state;
	uint32_t bad[6] = {1000, 1004, 1008, 1012, FAKE_MEM_SIZE - 2, 1020};

	assert_int_equal(ocre_api_ocre_get_event(a, fake_mem(a), bad), -22);
	assert_int_equal(ocre_api_ocre_get_event(a, fake_mem(a), EV), -42);
}

static void timer_ids_are_per_container(void **state)
{
	(void)state;
	assert_int_equal(ocre_api_ocre_timer_create(a, 1), 0);
	assert_int_equal(ocre_api_ocre_timer_create(b, 1), 0); /* upstream: -EBUSY */
	assert_int_equal(ocre_api_ocre_timer_create(a, 1), -16);
	assert_int_equal(ocre_api_ocre_timer_create(a, 0), -22);
	assert_int_equal(ocre_api_ocre_timer_create(a, OCRE_MAX_TIMERS + 1), -22);
	assert_int_equal(ocre_api_ocre_timer_start(a, 1, 0, 0), -22);
	assert_int_equal(ocre_api_ocre_timer_start(a, 1, 65536, 0), -22);
	assert_int_equal(ocre_api_ocre_timer_start(a, 2, 10, 0), -22); /* not created */

	assert_int_equal(ocre_api_ocre_timer_start(b, 1, 20, 1), 0);
	/* Wait until the queue has overflowed, not a fixed time: under qemu-user or a loaded host
	 * the timer thread may fire fewer times than 110 ms suggest.
	 */
	for (int waited = 0; b->events.dropped == 0 && waited < 5000; waited += 10) {
		ocre_port_sleep_ms(10);
	}
	assert_int_equal(ocre_api_ocre_timer_stop(b, 1), 0);
	/* b's periodic timer fired into b's queue only */
	assert_int_equal(ocre_api_ocre_get_event(a, fake_mem(a), EV), -42);
	int fired = 0;

	while (ocre_api_ocre_get_event(b, fake_mem(b), EV) == 0) {
		assert_int_equal(ev_field(b, 0), OCRE_EVENT_TIMER);
		assert_int_equal(ev_field(b, 1), 1);
		fired++;
	}
	/* about 5 expiries, but the queue holds only OCRE_EVENT_QUEUE_DEPTH */
	assert_int_equal(fired, OCRE_EVENT_QUEUE_DEPTH);
	assert_true(b->events.dropped >= 1);
	assert_int_equal(log_count("b: event queue full"), 1);

	assert_int_equal(ocre_api_ocre_timer_start(a, 1, 500, 0), 0);
	int32_t left = ocre_api_ocre_timer_get_remaining(a, 1);

	assert_true(left > 400 && left <= 500);
	assert_int_equal(ocre_api_ocre_timer_delete(a, 1), 0);
	assert_int_equal(ocre_api_ocre_timer_delete(a, 1), -22);
	assert_int_equal(ocre_api_ocre_timer_create(a, 1), 0);
}

static void messages_route_by_prefix_and_land_in_the_receiver(void **state)
{
	(void)state;
	struct ocre_mem *ma = fake_mem(a);

	uint32_t topic = put_str(a, 200, "sensors/temp");
	uint32_t ctype = put_str(a, 300, "text/plain");
	uint32_t payload = put_str(a, 400, "21.5C");

	/* nobody subscribed */
	assert_int_equal(ocre_api_ocre_publish_message(a, ma, topic, ctype, payload, 5), -2);
	assert_int_equal(
		ocre_api_ocre_subscribe_message(b, fake_mem(b), put_str(b, 64, "sensors/")), 0);
	assert_int_equal(ocre_api_ocre_subscribe_message(b, fake_mem(b), 64), 0); /* idempotent */
	assert_int_equal(ocre_api_ocre_publish_message(a, ma, put_str(a, 600, "actuators/led"),
						       ctype, payload, 5),
			 -2);
	assert_int_equal(ocre_api_ocre_publish_message(a, ma, topic, ctype, payload, 5), 0);

	assert_int_equal(ocre_api_ocre_get_event(b, fake_mem(b), EV), 0);
	struct ocre_mem *mb = fake_mem(b);

	assert_int_equal(ev_field(b, 0), OCRE_EVENT_MESSAGE);
	assert_int_equal(ev_field(b, 1), 0); /* upstream numbers delivered messages from 0 */
	uint32_t t = ev_field(b, 2), ct = ev_field(b, 3), p = ev_field(b, 4);

	assert_int_equal(ev_field(b, 5), 5);
	/* the copies live in b's app heap, not in the module's own memory */
	assert_true(t >= FAKE_HEAP_BASE && ct >= FAKE_HEAP_BASE && p >= FAKE_HEAP_BASE);
	assert_string_equal((char *)mb->base + t, "sensors/temp");
	assert_string_equal((char *)mb->base + ct, "text/plain");
	assert_memory_equal(mb->base + p, "21.5C", 5);
	assert_int_equal(fake_heap_used(b), 3);

	/* only addresses handed out can be freed, and only once */
	assert_int_equal(ocre_api_ocre_messaging_free_module_event_data(b, t, ct, 5000), -22);
	assert_int_equal(fake_heap_used(b), 1);
	assert_int_equal(ocre_api_ocre_messaging_free_module_event_data(b, t, 0, p), -22);
	assert_int_equal(fake_heap_used(b), 0);
	assert_int_equal(ocre_api_ocre_get_event(b, mb, EV), -42);
}

static void publish_validates_topic_payload_and_size(void **state)
{
	(void)state;
	struct ocre_mem *ma = fake_mem(a);
	uint32_t topic = put_str(a, 200, "t");
	uint32_t ctype = put_str(a, 300, "text/plain");
	uint32_t empty = put_str(a, 500, "");

	assert_int_equal(ocre_api_ocre_subscribe_message(a, ma, put_str(a, 64, "t")), 0);
	/* payload runs past the end of memory */
	assert_int_equal(ocre_api_ocre_publish_message(a, ma, topic, ctype, FAKE_MEM_SIZE - 4, 5),
			 -22);
	/* upstream: a length <= 0, an empty topic or an empty content type is -EINVAL */
	assert_int_equal(ocre_api_ocre_publish_message(a, ma, topic, ctype, 0, -1), -22);
	assert_int_equal(ocre_api_ocre_publish_message(a, ma, topic, ctype, 0, 0), -22);
	assert_int_equal(ocre_api_ocre_publish_message(a, ma, empty, ctype, 0, 1), -22);
	assert_int_equal(ocre_api_ocre_publish_message(a, ma, topic, empty, 0, 1), -22);
	/* above OCRE_MAX_MESSAGE_SIZE: not delivered (-ENOENT), -ENOMEM with the extension */
	assert_int_equal(ocre_api_ocre_publish_message(a, ma, topic, ctype, 0, 257), -2);
	/* a topic with no NUL before the end of memory */
	memset(ma->base + FAKE_MEM_SIZE - 8, 'x', 8);
	assert_int_equal(ocre_api_ocre_publish_message(a, ma, FAKE_MEM_SIZE - 8, ctype, 0, 1), -22);
	/* upstream: an empty prefix is -EINVAL, a longer one than 63 bytes is truncated */
	assert_int_equal(ocre_api_ocre_subscribe_message(a, ma, empty), -22);
	char longp[71];

	memset(longp, 'p', 70);
	longp[70] = '\0';
	assert_int_equal(ocre_api_ocre_subscribe_message(a, ma, put_str(a, 700, longp)), 0);
	assert_int_equal(strlen(a->subs[1]), 63);
	/* the same 63 bytes again: already subscribed */
	longp[63] = '\0';
	assert_int_equal(ocre_api_ocre_subscribe_message(a, ma, put_str(a, 700, longp)), 0);
	assert_int_equal(ocre_api_ocre_subscribe_message(a, ma, put_str(a, 800, "third")), -12);
	/* a prefix cut by the end of memory keeps the bytes that are there */
	memset(fake_mem(b)->base + FAKE_MEM_SIZE - 2, 'y', 2);
	assert_int_equal(ocre_api_ocre_subscribe_message(b, fake_mem(b), FAKE_MEM_SIZE - 2), 0);
	assert_string_equal(b->subs[0], "yy");
	/* a 1-byte message is delivered */
	assert_int_equal(ocre_api_ocre_publish_message(a, ma, topic, ctype, 0, 1), 0);
	assert_int_equal(ocre_api_ocre_get_event(a, ma, EV), 0);
	assert_int_equal(ev_field(a, 5), 1);
}

static void full_receivers_make_publish_fail_as_upstream(void **state)
{
	(void)state;
	struct ocre_mem *ma = fake_mem(a);
	uint32_t topic = put_str(a, 200, "x/y");

	assert_int_equal(ocre_api_ocre_subscribe_message(b, fake_mem(b), put_str(b, 64, "x/")), 0);
	for (int i = 0; i < OCRE_EVENT_QUEUE_DEPTH; i++) {
		assert_int_equal(ocre_api_ocre_publish_message(a, ma, topic, topic, topic, 3), 0);
	}
	/* upstream's code: -ENOENT, as for no subscriber at all */
	assert_int_equal(ocre_api_ocre_publish_message(a, ma, topic, topic, topic, 3), -2);
	/* A producer never logs (timers and GPIO produce in interrupts): the receiver's own
	 * thread reports the drop when it next takes an event, once per period. */
	assert_int_equal(log_count("event queue full"), 0);
	assert_int_equal(ocre_api_ocre_get_event(b, fake_mem(b), EV), 0);
	assert_int_equal(log_count("b: event queue full (4), 1 events dropped"), 1);
	assert_int_equal(log_count("health event=overflow container=b"), 1);
	assert_int_equal(ocre_api_ocre_publish_message(a, ma, topic, topic, topic, 3), 0);
	/* with the extension handshake the publisher tells "full" (-EBUSY) from "nobody" */
	uint32_t ext = put_str(a, 900, OCRE_EXT_ERRNO_V1);

	assert_int_equal(ocre_api_ocre_register_dispatcher(a, ma, (int32_t)OCRE_EXT_EVENT_TYPE,
							   put_str(a, 960, "ocre:nope")),
			 -2);
	assert_int_equal(
		ocre_api_ocre_register_dispatcher(a, ma, (int32_t)OCRE_EXT_EVENT_TYPE, ext), 0);
	assert_int_equal(ocre_api_ocre_publish_message(a, ma, topic, topic, topic, 3), -16);
	assert_int_equal(ocre_api_ocre_publish_message(a, ma, topic, topic, topic, 257), -12);
	assert_int_equal(ocre_api_ocre_get_event(b, fake_mem(b), EV), 0);
	assert_int_equal(log_count("event queue full"), 1); /* rate-limited */
	/* a run's cleanup drops queued messages (their host copies are freed: ASan/valgrind) */
	ocre_container_cleanup(b);
	assert_int_equal(ocre_api_ocre_get_event(b, fake_mem(b), EV), -42);
	assert_int_equal(ocre_api_ocre_publish_message(a, ma, topic, topic, topic, 3), -2);
}

static void gpio_callbacks_deliver_events_and_are_released(void **state)
{
	(void)state;
	struct ocre_mem *ma = fake_mem(a);

	assert_int_equal(ocre_api_ocre_gpio_configure_by_name(a, ma, put_str(a, 64, "led0"), 1), 0);
	assert_int_equal(ocre_api_ocre_gpio_toggle_by_name(a, ma, 64), 0);
	assert_int_equal(ocre_api_ocre_gpio_pin_get(a, 0, 0), 1);
	assert_int_equal(ocre_api_ocre_gpio_get_by_name(a, ma, put_str(a, 64, "nope")), -19);
	assert_int_equal(ocre_api_ocre_gpio_configure(a, 0, 3, 2), -22);
	assert_int_equal(ocre_api_ocre_gpio_configure(a, -1, 3, 1), -22);

	assert_int_equal(ocre_api_ocre_gpio_register_callback_by_name(a, ma, put_str(a, 64, "sw0")),
			 0);
	assert_true(ocre_posix_gpio_irq_enabled(1, 0));
	ocre_posix_gpio_drive(1, 0, true);
	assert_int_equal(ocre_api_ocre_get_event(a, ma, EV), 0);
	assert_int_equal(ev_field(a, 0), OCRE_EVENT_GPIO);
	assert_int_equal(ev_field(a, 1), 0); /* pin */
	assert_int_equal(ev_field(a, 2), 1); /* port */
	assert_int_equal(ev_field(a, 3), 1); /* level */

	ocre_container_cleanup(a);
	assert_false(ocre_posix_gpio_irq_enabled(1, 0));
	ocre_posix_gpio_drive(1, 0, false);
	assert_int_equal(ocre_api_ocre_get_event(a, ma, EV), -42);
}

static void sensors_by_handle_and_name(void **state)
{
	(void)state;
	struct ocre_mem *ma = fake_mem(a);

	assert_int_equal(ocre_api_ocre_sensors_discover(a), 2);
	assert_int_equal(ocre_api_ocre_sensors_get_handle(a, 1), 1);
	/* upstream: a bad handle is -EINVAL, an unknown name -ENOENT */
	assert_int_equal(ocre_api_ocre_sensors_get_handle(a, 2), -22);
	assert_int_equal(ocre_api_ocre_sensors_get_handle_by_name(a, ma, put_str(a, 64, "nope")), -2);
	assert_int_equal(ocre_api_ocre_sensors_get_channel_count(a, 1), 3);
	assert_int_equal(ocre_api_ocre_sensors_get_channel_type(a, 0, 0), 13);
	assert_int_equal(ocre_api_ocre_sensors_get_channel_type(a, 0, 1), -22);
	/* A read names the channel by type (SENSOR_CHAN_*), as upstream: sim_temp's one channel
	 * has type 13 (AMBIENT_TEMP); index 0 is not a type it has and must not read that channel.
	 */
	assert_true(ocre_api_ocre_sensors_read(a, 0, 13) == 13.5);
	assert_true(ocre_api_ocre_sensors_read(a, 0, 0) == -22.0);
	assert_true(ocre_api_ocre_sensors_read(a, 0, 14) == -22.0);
	assert_true(ocre_api_ocre_sensors_read(a, 1, 2) == 102.5);
	assert_true(ocre_api_ocre_sensors_read(a, 1, 13) == -22.0);
	assert_true(ocre_api_ocre_sensors_read(a, 1, 3) == -22.0);
	assert_true(ocre_api_ocre_sensors_read(a, 2, 0) == -22.0);
	uint32_t name = put_str(a, 64, "sim_accel");

	assert_int_equal(ocre_api_ocre_sensors_get_handle_by_name(a, ma, name), 1);
	assert_true(ocre_api_ocre_sensors_read_by_name(a, ma, name, 0) == 100.5);
	assert_true(ocre_api_ocre_sensors_read_by_name(a, ma, name, 13) == -22.0);
	name = put_str(a, 64, "sim_temp");
	assert_true(ocre_api_ocre_sensors_read_by_name(a, ma, name,
						       ocre_api_ocre_sensors_get_channel_type(a, 0, 0)) ==
		    13.5);
	assert_true(ocre_api_ocre_sensors_read_by_name(a, ma, name, 0) == -22.0);
	assert_int_equal(ocre_api_ocre_sensors_get_list(a, ma, put_str(a, 128, "sim_"), 10), 2);
	assert_int_equal(ocre_api_ocre_sensors_get_list(a, ma, 128, 1), 1);
	assert_int_equal(ocre_api_ocre_sensors_get_list(a, ma, 128, 0), -22);
}

static void dispatcher_needs_an_exported_function(void **state)
{
	(void)state;
	struct ocre_mem *ma = fake_mem(a);

	assert_int_equal(ocre_api_ocre_register_dispatcher(a, ma, 0, put_str(a, 64, "on_timer")),
			 0);
	assert_int_equal(ocre_api_ocre_register_dispatcher(a, ma, 0, put_str(a, 64, "missing")),
			 -22);
	assert_int_equal(ocre_api_ocre_register_dispatcher(a, ma, 7, put_str(a, 64, "on_timer")),
			 -22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(uname_fills_six_80_byte_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(get_event_validates_all_six_pointers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(timer_ids_are_per_container, setup, teardown),
		cmocka_unit_test_setup_teardown(messages_route_by_prefix_and_land_in_the_receiver,
						setup, teardown),
		cmocka_unit_test_setup_teardown(publish_validates_topic_payload_and_size, setup,
						teardown),
		cmocka_unit_test_setup_teardown(full_receivers_make_publish_fail_as_upstream, setup, teardown),
		cmocka_unit_test_setup_teardown(gpio_callbacks_deliver_events_and_are_released,
						setup, teardown),
		cmocka_unit_test_setup_teardown(sensors_by_handle_and_name, setup, teardown),
		cmocka_unit_test_setup_teardown(dispatcher_needs_an_exported_function, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
