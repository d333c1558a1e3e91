/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The subset of cmocka's API that test/c uses, for targets Debian ships no cmocka for
 * (big-endian MIPS, and the other qemu-user targets built the same way: see
 * test/c/qemu-user.mjs). Same names, same calling conventions, same report lines
 * ("[ RUN      ]", "[       OK ]", "[  FAILED  ]") as cmocka 1.1, so the suites compile
 * unchanged against either. A failed assertion prints where and why and longjmps out of the
 * test; the group's return value is the number of failed tests, as with cmocka.
 *
 * Everything is static in this header: each test program is one translation unit.
 */

#ifndef OCRE_MINI_CMOCKA_H_
#define OCRE_MINI_CMOCKA_H_

#include <inttypes.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*CMUnitTestFunction)(void **state);
typedef int (*CMFixtureFunction)(void **state);

struct CMUnitTest {
	const char *name;
	CMUnitTestFunction test_func;
	CMFixtureFunction setup_func;
	CMFixtureFunction teardown_func;
	void *initial_state;
};

#define cmocka_unit_test(f) {#f, f, NULL, NULL, NULL}
#define cmocka_unit_test_setup(f, setup) {#f, f, setup, NULL, NULL}
#define cmocka_unit_test_teardown(f, teardown) {#f, f, NULL, teardown, NULL}
#define cmocka_unit_test_setup_teardown(f, setup, teardown) {#f, f, setup, teardown, NULL}

static jmp_buf mini_cmocka_jump;
static int mini_cmocka_in_test;
/* static, not a local: a local changed between setjmp and longjmp is indeterminate after it */
static void *mini_cmocka_state;

__attribute__((unused, noreturn)) static void mini_cmocka_fail(const char *file, int line)
{
	fprintf(stderr, "%s:%d: error: Failure!\n", file, line);
	if (mini_cmocka_in_test) {
		longjmp(mini_cmocka_jump, 1);
	}
	/* An assertion in a group fixture: nothing to unwind to. */
	fflush(NULL);
	_Exit(1);
}

__attribute__((unused)) static void mini_cmocka_assert_true(int ok, const char *expr,
							     const char *file, int line)
{
	if (!ok) {
		fprintf(stderr, "%s\n", expr);
		mini_cmocka_fail(file, line);
	}
}

__attribute__((unused)) static void mini_cmocka_assert_int(uintmax_t a, uintmax_t b, int equal,
							    const char *file, int line)
{
	if ((a == b) != equal) {
		fprintf(stderr, "%#" PRIxMAX " (%" PRIdMAX ") %s %#" PRIxMAX " (%" PRIdMAX ")\n", a,
			(intmax_t)a, equal ? "!=" : "==", b, (intmax_t)b);
		mini_cmocka_fail(file, line);
	}
}

__attribute__((unused)) static void mini_cmocka_assert_string(const char *a, const char *b,
							       int equal, const char *file,
							       int line)
{
	int same = (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;

	if (same != equal) {
		fprintf(stderr, "\"%s\" %s \"%s\"\n", a ? a : "(null)", equal ? "!=" : "==",
			b ? b : "(null)");
		mini_cmocka_fail(file, line);
	}
}

__attribute__((unused)) static void mini_cmocka_assert_memory(const void *a, const void *b,
							       size_t size, int equal,
							       const char *file, int line)
{
	if ((memcmp(a, b, size) == 0) != equal) {
		fprintf(stderr, "%zu bytes of %p and %p %s\n", size, a, b,
			equal ? "differ" : "are equal");
		mini_cmocka_fail(file, line);
	}
}

#define assert_true(c) mini_cmocka_assert_true(!!(c), #c, __FILE__, __LINE__)
#define assert_false(c) mini_cmocka_assert_true(!(c), "!(" #c ")", __FILE__, __LINE__)
#define assert_null(c) mini_cmocka_assert_true((c) == NULL, #c " == NULL", __FILE__, __LINE__)
#define assert_non_null(c)                                                                 \
	mini_cmocka_assert_true((c) != NULL, #c " != NULL", __FILE__, __LINE__)
#define assert_int_equal(a, b)                                                             \
	mini_cmocka_assert_int((uintmax_t)(a), (uintmax_t)(b), 1, __FILE__, __LINE__)
#define assert_int_not_equal(a, b)                                                         \
	mini_cmocka_assert_int((uintmax_t)(a), (uintmax_t)(b), 0, __FILE__, __LINE__)
#define assert_ptr_equal(a, b)                                                             \
	mini_cmocka_assert_int((uintmax_t)(uintptr_t)(const void *)(a),                     \
			       (uintmax_t)(uintptr_t)(const void *)(b), 1, __FILE__, __LINE__)
#define assert_ptr_not_equal(a, b)                                                         \
	mini_cmocka_assert_int((uintmax_t)(uintptr_t)(const void *)(a),                     \
			       (uintmax_t)(uintptr_t)(const void *)(b), 0, __FILE__, __LINE__)
#define assert_string_equal(a, b)                                                          \
	mini_cmocka_assert_string((const char *)(a), (const char *)(b), 1, __FILE__, __LINE__)
#define assert_string_not_equal(a, b)                                                      \
	mini_cmocka_assert_string((const char *)(a), (const char *)(b), 0, __FILE__, __LINE__)
#define assert_memory_equal(a, b, size)                                                    \
	mini_cmocka_assert_memory((a), (b), (size), 1, __FILE__, __LINE__)
#define assert_memory_not_equal(a, b, size)                                                \
	mini_cmocka_assert_memory((a), (b), (size), 0, __FILE__, __LINE__)
#define fail() mini_cmocka_fail(__FILE__, __LINE__)

/* Runs one test with its fixtures; returns 1 when it failed. */
__attribute__((unused)) static int mini_cmocka_run_one(const struct CMUnitTest *t)
{
	/* volatile: read after a longjmp back into this frame */
	volatile int failed = 0;

	mini_cmocka_state = t->initial_state;

	printf("[ RUN      ] %s\n", t->name);
	fflush(stdout);
	mini_cmocka_in_test = 1;
	if (setjmp(mini_cmocka_jump) == 0) {
		if (t->setup_func != NULL && t->setup_func(&mini_cmocka_state) != 0) {
			fprintf(stderr, "setup of %s failed\n", t->name);
			failed = 1;
		} else {
			t->test_func(&mini_cmocka_state);
		}
	} else {
		failed = 1;
	}
	/* cmocka runs the teardown even after a failed assertion */
	if (setjmp(mini_cmocka_jump) == 0) {
		if (t->teardown_func != NULL && t->teardown_func(&mini_cmocka_state) != 0) {
			fprintf(stderr, "teardown of %s failed\n", t->name);
			failed = 1;
		}
	} else {
		failed = 1;
	}
	mini_cmocka_in_test = 0;
	fflush(stderr);
	printf(failed ? "[  FAILED  ] %s\n" : "[       OK ] %s\n", t->name);
	fflush(stdout);
	return failed;
}

__attribute__((unused)) static int mini_cmocka_run_group(const char *group,
							  const struct CMUnitTest *tests,
							  size_t count, CMFixtureFunction setup,
							  CMFixtureFunction teardown)
{
	void *group_state = NULL;
	size_t failed = 0;

	printf("[==========] %s: Running %zu test(s).\n", group, count);
	if (setup != NULL && setup(&group_state) != 0) {
		printf("[  ERROR   ] %s: group setup failed\n", group);
		return (int)count;
	}
	for (size_t i = 0; i < count; i++) {
		failed += (size_t)mini_cmocka_run_one(&tests[i]);
	}
	if (teardown != NULL && teardown(&group_state) != 0) {
		printf("[  ERROR   ] %s: group teardown failed\n", group);
		failed++;
	}
	printf("[==========] %s: %zu test(s) run.\n", group, count);
	printf("[  PASSED  ] %zu test(s).\n", count - failed);
	if (failed > 0) {
		printf("[  FAILED  ] %zu test(s).\n", failed);
	}
	fflush(stdout);
	return (int)failed;
}

#define cmocka_run_group_tests(tests, setup, teardown)                                     \
	mini_cmocka_run_group(#tests, (tests), sizeof(tests) / sizeof((tests)[0]), (setup),  \
			      (teardown))
#define cmocka_run_group_tests_name(name, tests, setup, teardown)                          \
	mini_cmocka_run_group((name), (tests), sizeof(tests) / sizeof((tests)[0]), (setup),  \
			      (teardown))

#endif /* OCRE_MINI_CMOCKA_H_ */
