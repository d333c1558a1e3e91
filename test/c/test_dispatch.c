/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Raw native calls as WAMR makes them: arguments in 64-bit slots (native addresses for "*"
 * and "$"), the result in slot 0, capabilities checked once per call, watchdog marks.
 */

#include "test_support.h"

static struct fake_module mod = {.magic = FAKE_MAGIC};
static struct ocre_container *c;
static uint64_t slots[8];

static int setup(void **state)
{
	(void)state;
	capture_reset();
	c = &ocre_containers[0];
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->meta.name = "d";
	c->meta.capabilities = OCRE_CAP_TIMERS | OCRE_CAP_SENSORS;
	c->wasm = (uint8_t *)&mod;
	c->wasm_size = sizeof(mod);
	assert_int_equal(ocre_engine_load(c), 0);
	assert_int_equal(ocre_engine_instantiate(c), 0);
	ocre_container_reset_run(c);
	c->state = OCRE_STATE_RUNNING;
	memset(slots, 0xa5, sizeof(slots)); /* slots hold garbage above their 32 bits */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ocre_container_cleanup(c);
	ocre_engine_deinstantiate(c);
	c->used = false;
	return 0;
}

static void set_i32(int n, int32_t v)
{
	memcpy(&slots[n], &v, sizeof(v));
}

/* WAMR puts the translated native address of a "*"/"$" argument in the slot. */
static void set_ptr(int n, uint32_t off)
{
	uintptr_t p = (uintptr_t)(fake_mem(c)->base + off);

	memcpy(&slots[n], &p, sizeof(p));
}

static int32_t result_i32(void)
{
	int32_t r;

	memcpy(&r, &slots[0], sizeof(r));
	return r;
}

static void pointer_arguments_become_offsets(void **state)
{
	(void)state;
	set_ptr(0, 512);
	ocre_dispatch_env(c, fake_mem(c), OCRE_FN_uname, slots);
	assert_int_equal(result_i32(), 0);
	assert_string_equal((char *)fake_mem(c)->base + 512, "Project Ocre (Linux)");
	/* a "*" address whose 480 bytes do not fit */
	set_ptr(0, FAKE_MEM_SIZE - 100);
	ocre_dispatch_env(c, fake_mem(c), OCRE_FN_uname, slots);
	assert_int_equal(result_i32(), -1);
}

static void integer_arguments_and_results(void **state)
{
	(void)state;
	set_i32(0, 2);
	ocre_dispatch_env(c, fake_mem(c), OCRE_FN_ocre_timer_create, slots);
	assert_int_equal(result_i32(), 0);
	set_i32(0, 2);
	set_i32(1, 300);
	set_i32(2, 0);
	ocre_dispatch_env(c, fake_mem(c), OCRE_FN_ocre_timer_start, slots);
	assert_int_equal(result_i32(), 0);
	set_i32(0, 2);
	ocre_dispatch_env(c, fake_mem(c), OCRE_FN_ocre_timer_get_remaining, slots);
	assert_true(result_i32() > 200 && result_i32() <= 300);
	/* six plain i32 out-addresses, the last one out of bounds */
	for (int i = 0; i < 6; i++) {
		set_i32(i, 100 + 4 * i);
	}
	set_i32(5, -4);
	ocre_dispatch_env(c, fake_mem(c), OCRE_FN_ocre_get_event, slots);
	assert_int_equal(result_i32(), -22);
}

static void f64_results_fill_the_slot(void **state)
{
	(void)state;
	double d;

	set_i32(0, 1);
	set_i32(1, 2);
	ocre_dispatch_env(c, fake_mem(c), OCRE_FN_ocre_sensors_read, slots);
	memcpy(&d, &slots[0], sizeof(d));
	assert_true(d == 102.5);
	memcpy(fake_mem(c)->base + 64, "sim_temp", 9);
	set_ptr(0, 64);
	set_i32(1, 13); /* SENSOR_CHAN_AMBIENT_TEMP: a channel type, not an index */
	ocre_dispatch_env(c, fake_mem(c), OCRE_FN_ocre_sensors_read_by_name, slots);
	memcpy(&d, &slots[0], sizeof(d));
	assert_true(d == 13.5);
}

static void capabilities_are_enforced_and_logged_once(void **state)
{
	(void)state;
	double d;

	set_i32(0, 1);
	set_i32(1, 0);
	ocre_dispatch_env(c, fake_mem(c), OCRE_FN_ocre_gpio_register_callback, slots);
	assert_int_equal(result_i32(), -1);
	assert_false(ocre_posix_gpio_irq_enabled(1, 0));
	ocre_dispatch_env(c, fake_mem(c), OCRE_FN_ocre_gpio_register_callback, slots);
	assert_int_equal(result_i32(), -1);
	assert_int_equal(log_count("d: ocre_gpio_register_callback denied"), 1);

	c->meta.capabilities = OCRE_CAP_TIMERS;
	ocre_dispatch_env(c, fake_mem(c), OCRE_FN_ocre_sensors_read, slots);
	memcpy(&d, &slots[0], sizeof(d));
	assert_true(d == -1.0);
	/* core calls need nothing */
	c->meta.capabilities = 0;
	set_i32(0, 0);
	ocre_dispatch_env(c, fake_mem(c), OCRE_FN_ocre_sleep, slots);
	assert_int_equal(result_i32(), 0);
	/* upstream's grant covers everything */
	c->meta.capabilities = OCRE_CAP_API;
	set_i32(0, 1);
	set_i32(1, 0);
	ocre_dispatch_env(c, fake_mem(c), OCRE_FN_ocre_gpio_register_callback, slots);
	assert_int_equal(result_i32(), 0);
	assert_true(ocre_posix_gpio_irq_enabled(1, 0));
	ocre_dispatch_env(c, fake_mem(c), OCRE_FN_COUNT + 5, slots);
	assert_int_equal(result_i32(), -38);
}

static void host_calls_are_marked_for_the_watchdog(void **state)
{
	(void)state;
	c->last_host_ms = 0;
	set_i32(0, 20);
	ocre_dispatch_env(c, fake_mem(c), OCRE_FN_ocre_sleep, slots);
	assert_false(c->in_host);
	assert_true(c->last_host_ms >= ocre_port_uptime_ms() - 5);
}

static void wasi_calls(void **state)
{
	(void)state;
	struct ocre_mem *m = fake_mem(c);

	memcpy(m->base + 300, "hi\n", 3);
	ocre_mem_put_u32(m, 200, 300);
	ocre_mem_put_u32(m, 204, 3);
	set_i32(0, 1);
	set_i32(1, 200);
	set_i32(2, 1);
	set_i32(3, 208);
	assert_false(ocre_dispatch_wasi(c, m, OCRE_WASI_fd_write, slots));
	assert_int_equal(result_i32(), 0);
	assert_string_equal(captured_console, "hi\n");
	/* clock_time_get(id, precision: i64, out): out is the third slot */
	set_i32(0, 1);
	slots[1] = 1000;
	set_i32(2, 400);
	assert_false(ocre_dispatch_wasi(c, m, OCRE_WASI_clock_time_get, slots));
	assert_int_equal(result_i32(), 0);
	uint32_t lo;

	ocre_mem_get_u32(m, 400, &lo);
	assert_true(lo != 0);
	assert_false(ocre_dispatch_wasi(c, m, OCRE_WASI_poll_oneoff, slots));
	assert_int_equal(result_i32(), OCRE_WASI_ENOSYS);
	set_i32(0, 3);
	assert_false(ocre_dispatch_wasi(c, m, OCRE_WASI_fd_prestat_get, slots));
	assert_int_equal(result_i32(), OCRE_WASI_EBADF);
	/* No preopened directory: every file call names an unknown fd (the pointers stay unread). */
	static const unsigned int file_calls[] = {
		OCRE_WASI_fd_tell,
		OCRE_WASI_fd_filestat_get,
		OCRE_WASI_fd_readdir,
		OCRE_WASI_fd_renumber,
		OCRE_WASI_path_open,
		OCRE_WASI_path_filestat_get,
		OCRE_WASI_path_create_directory,
		OCRE_WASI_path_unlink_file,
		OCRE_WASI_path_remove_directory,
	};

	for (size_t i = 0; i < sizeof(file_calls) / sizeof(file_calls[0]); i++) {
		set_i32(1, 0x7fffffff);
		assert_false(ocre_dispatch_wasi(c, m, file_calls[i], slots));
		assert_int_equal(result_i32(), OCRE_WASI_EBADF);
	}
	set_i32(0, 3);
	set_i32(0, 9);
	assert_true(ocre_dispatch_wasi(c, m, OCRE_WASI_proc_exit, slots));
	assert_int_equal(c->proc_exit_code, 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(pointer_arguments_become_offsets, setup, teardown),
		cmocka_unit_test_setup_teardown(integer_arguments_and_results, setup, teardown),
		cmocka_unit_test_setup_teardown(f64_results_fill_the_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(capabilities_are_enforced_and_logged_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(host_calls_are_marked_for_the_watchdog, setup,
						teardown),
		cmocka_unit_test_setup_teardown(wasi_calls, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
