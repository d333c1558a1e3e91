/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The minimal WASI set: iovec output, argument and environment layout, clocks, fdstat.
 */

#include "test_support.h"

static uint8_t mem[4096];
static struct ocre_mem m = {mem, sizeof(mem)};
static struct ocre_container c = {.meta = {.name = "w"}};

static void iov(uint32_t at, uint32_t buf, uint32_t len)
{
	ocre_mem_put_u32(&m, at, buf);
	ocre_mem_put_u32(&m, at + 4, len);
}

static void fd_write_concatenates_iovecs(void **state)
{
	(void)state;
	capture_reset();
	memcpy(mem + 100, "Hello, ", 7);
	memcpy(mem + 200, "world\n", 6);
	iov(16, 100, 7);
	iov(24, 200, 6);
	iov(32, 300, 0);
	assert_int_equal(ocre_wasi_fd_write(&c, &m, 1, 16, 3, 8), 0);
	assert_string_equal(captured_console, "Hello, world\n");
	uint32_t n = 0;

	ocre_mem_get_u32(&m, 8, &n);
	assert_int_equal(n, 13);
	assert_int_equal(ocre_wasi_fd_write(&c, &m, 2, 16, 1, 8), 0);
	assert_string_equal(captured_console, "Hello, world\nHello, ");
}

static void fd_write_rejects_bad_input_without_writing(void **state)
{
	(void)state;
	capture_reset();
	iov(16, 100, 7);
	iov(24, 4090, 7); /* runs past the end */
	assert_int_equal(ocre_wasi_fd_write(&c, &m, 1, 16, 2, 8), OCRE_WASI_EFAULT);
	assert_int_equal(captured_console_len, 0);
	assert_int_equal(ocre_wasi_fd_write(&c, &m, 3, 16, 1, 8), OCRE_WASI_EBADF);
	assert_int_equal(ocre_wasi_fd_write(&c, &m, 1, 4092, 1, 8), OCRE_WASI_EFAULT);
	assert_int_equal(ocre_wasi_fd_write(&c, &m, 1, 16, 0x20000000u, 8), OCRE_WASI_EFAULT);
	assert_int_equal(ocre_wasi_fd_write(&c, &m, 1, 16, 1, 4094), OCRE_WASI_EFAULT);
	assert_int_equal(captured_console_len, 0);
}

static void args_layout_matches_wasi(void **state)
{
	(void)state;
	const char *const argv[] = {"app", "--verbose"};
	uint32_t count = 0, size = 0, p0 = 0, p1 = 0;

	assert_int_equal(ocre_wasi_list_sizes(&m, argv, 2, 40, 44), 0);
	ocre_mem_get_u32(&m, 40, &count);
	ocre_mem_get_u32(&m, 44, &size);
	assert_int_equal(count, 2);
	assert_int_equal(size, 14);
	assert_int_equal(ocre_wasi_list_get(&m, argv, 2, 48, 1000), 0);
	ocre_mem_get_u32(&m, 48, &p0);
	ocre_mem_get_u32(&m, 52, &p1);
	assert_int_equal(p0, 1000);
	assert_int_equal(p1, 1004);
	assert_string_equal((char *)mem + 1004, "--verbose");
	/* the string buffer must fit entirely */
	assert_int_equal(ocre_wasi_list_get(&m, argv, 2, 48, 4090), OCRE_WASI_EFAULT);
	assert_int_equal(ocre_wasi_list_sizes(&m, NULL, 0, 40, 44), 0);
	ocre_mem_get_u32(&m, 40, &count);
	assert_int_equal(count, 0);
}

/* Wasm memory is little-endian whatever the host (the qemu-user runs include big-endian MIPS). */
static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--) {
		v = (v << 8) | p[i];
	}
	return v;
}

static void clocks_and_random(void **state)
{
	(void)state;
	uint8_t *p = mem + 64;

	assert_int_equal(ocre_wasi_clock_time_get(&m, 1, 64), 0);
	uint64_t t1 = le64(p);

	ocre_port_sleep_ms(2);
	assert_int_equal(ocre_wasi_clock_time_get(&m, 1, 64), 0);
	uint64_t t2 = le64(p);

	assert_true(t2 - t1 >= 2000000u);
	assert_int_equal(ocre_wasi_clock_time_get(&m, 0, 64), 0);
	t1 = le64(p);
	assert_true(t1 > 1600000000ull * 1000000000ull); /* a wall clock, after 2020 */
	assert_int_equal(ocre_wasi_clock_time_get(&m, 9, 64), OCRE_WASI_EINVAL);
	assert_int_equal(ocre_wasi_clock_time_get(&m, 1, 4090), OCRE_WASI_EFAULT);
	memset(mem + 512, 0, 64);
	assert_int_equal(ocre_wasi_random_get(&m, 512, 64), 0);
	int nonzero = 0;

	for (int i = 0; i < 64; i++) {
		nonzero += mem[512 + i] != 0;
	}
	assert_true(nonzero > 32);
	assert_int_equal(ocre_wasi_random_get(&m, 4000, 97), OCRE_WASI_EFAULT);
}

static void stdio_is_a_terminal_and_there_are_no_preopens(void **state)
{
	(void)state;
	assert_int_equal(ocre_wasi_fd_fdstat_get(&m, 1, 128), 0);
	assert_int_equal(mem[128], 2); /* character device */
	uint32_t rights = 0;

	ocre_mem_get_u32(&m, 136, &rights);
	assert_int_equal(rights, 1u << 6); /* write, no seek/tell */
	assert_int_equal(ocre_wasi_fd_fdstat_get(&m, 3, 128), OCRE_WASI_EBADF);
	assert_int_equal(ocre_wasi_fd_prestat_get(3), OCRE_WASI_EBADF);
}

static void proc_exit_records_the_code(void **state)
{
	(void)state;
	ocre_wasi_proc_exit(&c, 7);
	assert_true(c.proc_exited);
	assert_int_equal(c.proc_exit_code, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fd_write_concatenates_iovecs),
		cmocka_unit_test(fd_write_rejects_bad_input_without_writing),
		cmocka_unit_test(args_layout_matches_wasi),
		cmocka_unit_test(clocks_and_random),
		cmocka_unit_test(stdio_is_a_terminal_and_there_are_no_preopens),
		cmocka_unit_test(proc_exit_records_the_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
