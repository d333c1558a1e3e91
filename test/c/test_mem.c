/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Bounds checks on module-supplied addresses, lengths and strings.
 */

#include "test_support.h"

static uint8_t buf[100];
static const struct ocre_mem m = {buf, sizeof(buf)};

static void range_inside_and_at_the_end(void **state)
{
	(void)state;
	assert_ptr_equal(ocre_mem_range(&m, 0, 100), buf);
	assert_ptr_equal(ocre_mem_range(&m, 96, 4), buf + 96);
	assert_ptr_equal(ocre_mem_range(&m, 100, 0), buf + 100);
}

static void range_past_the_end_or_wrapping(void **state)
{
	(void)state;
	assert_null(ocre_mem_range(&m, 97, 4));
	assert_null(ocre_mem_range(&m, 101, 0));
	/* off + len wraps in 32 bits: must still be rejected */
	assert_null(ocre_mem_range(&m, 8, UINT32_MAX - 4));
	assert_null(ocre_mem_range(&m, UINT32_MAX, 2));
	struct ocre_mem none = {NULL, 0};

	assert_null(ocre_mem_range(&none, 0, 0));
}

static void strings_must_end_in_bounds(void **state)
{
	(void)state;
	uint32_t len = 0;

	memset(buf, 'a', sizeof(buf));
	memcpy(buf + 10, "topic", 6);
	assert_string_equal(ocre_mem_str(&m, 10, 63, &len), "topic");
	assert_int_equal(len, 5);
	/* no NUL before the end of memory */
	assert_null(ocre_mem_str(&m, 50, 63, NULL));
	/* longer than the bound */
	buf[99] = '\0';
	assert_null(ocre_mem_str(&m, 20, 63, NULL));
	assert_non_null(ocre_mem_str(&m, 36, 63, &len));
	assert_int_equal(len, 63);
	assert_null(ocre_mem_str(&m, 100, 63, NULL));
}

static void integers_are_little_endian(void **state)
{
	(void)state;
	uint32_t v = 0;

	assert_true(ocre_mem_put_u32(&m, 0, 0x11223344u));
	assert_int_equal(buf[0], 0x44);
	assert_int_equal(buf[3], 0x11);
	assert_true(ocre_mem_get_u32(&m, 0, &v));
	assert_int_equal(v, 0x11223344u);
	assert_true(ocre_mem_put_u64(&m, 92, 0x0102030405060708ull));
	assert_int_equal(buf[92], 8);
	assert_int_equal(buf[99], 1);
	assert_false(ocre_mem_put_u64(&m, 93, 1));
	assert_false(ocre_mem_put_u32(&m, 97, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(range_inside_and_at_the_end),
		cmocka_unit_test(range_past_the_end_or_wrapping),
		cmocka_unit_test(strings_must_end_in_bounds),
		cmocka_unit_test(integers_are_little_endian),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
