/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Checks the cmocka-compatible header itself: two cases pass, four fail, and the teardown
 * runs after a failed assertion. test/c-qemu-user.test.ts reads the report and exit code.
 */

#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

static int teardowns;

static int count_teardown(void **state)
{
	(void)state;
	teardowns++;
	printf("teardown %d\n", teardowns);
	return 0;
}

static void passes(void **state)
{
	(void)state;
	assert_int_equal(UINT64_C(0x100000000), UINT64_C(0x100000000));
	assert_string_equal("abc", "abc");
	assert_memory_equal("abc", "abc", 3);
	assert_null(NULL);
}

static void state_reaches_the_test(void **state)
{
	assert_ptr_equal(*state, &teardowns);
}

/* Differs only above bit 31: a 32-bit comparison would miss it. */
static void fails_on_64_bit_values(void **state)
{
	(void)state;
	assert_int_equal(UINT64_C(0x100000000), 0);
}

static void fails_on_strings(void **state)
{
	(void)state;
	assert_string_equal("abc", "abd");
}

static void fails_on_memory(void **state)
{
	(void)state;
	assert_memory_equal("abc", "abd", 3);
}

static void fails_on_false(void **state)
{
	(void)state;
	assert_true(1 == 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(passes),
		{"state_reaches_the_test", state_reaches_the_test, NULL, NULL, &teardowns},
		cmocka_unit_test_teardown(fails_on_64_bit_values, count_teardown),
		cmocka_unit_test(fails_on_strings),
		cmocka_unit_test(fails_on_memory),
		cmocka_unit_test_teardown(fails_on_false, count_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
