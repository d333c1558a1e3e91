/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Capabilities, topic prefixes, exit codes and the restart policy with back-off.
 */

#include "test_support.h"

static void ocre_api_grants_everything(void **state)
{
	(void)state;
	assert_true(ocre_cap_allowed(OCRE_CAP_API, OCRE_CAP_GPIO));
	assert_true(ocre_cap_allowed(OCRE_CAP_API, OCRE_CAP_MESSAGING));
	assert_true(ocre_cap_allowed(OCRE_CAP_GPIO, OCRE_CAP_GPIO));
	assert_false(ocre_cap_allowed(OCRE_CAP_GPIO, OCRE_CAP_TIMERS));
	assert_false(ocre_cap_allowed(0, OCRE_CAP_SENSORS));
	assert_true(ocre_cap_allowed(0, 0)); /* core calls */
}

static void denied_call_is_eperm_and_logged_once(void **state)
{
	(void)state;
	struct ocre_container c = {.meta = {.name = "app", .capabilities = OCRE_CAP_TIMERS}};

	capture_reset();
	assert_int_equal(ocre_cap_check(&c, OCRE_FN_ocre_gpio_pin_set), -1);
	assert_int_equal(ocre_cap_check(&c, OCRE_FN_ocre_gpio_pin_set), -1);
	assert_int_equal(ocre_cap_check(&c, OCRE_FN_ocre_gpio_toggle_by_name), -1);
	assert_int_equal(ocre_cap_check(&c, OCRE_FN_ocre_timer_create), 0);
	assert_int_equal(ocre_cap_check(&c, OCRE_FN_uname), 0);
	assert_int_equal(log_count("ocre_gpio_pin_set denied"), 1);
	assert_int_equal(log_count("ocre_gpio_toggle_by_name denied"), 1);
	assert_int_equal(captured_log_lines, 2);
}

static void every_abi_call_has_its_feature_capability(void **state)
{
	(void)state;
	for (int i = 0; i < OCRE_FN_COUNT; i++) {
		const char *n = ocre_abi_names[i];
		uint32_t cap = ocre_abi_caps[i];

		if (strncmp(n, "ocre_gpio_", 10) == 0) {
			assert_int_equal(cap, OCRE_CAP_GPIO);
		} else if (strncmp(n, "ocre_timer_", 11) == 0) {
			assert_int_equal(cap, OCRE_CAP_TIMERS);
		} else if (strncmp(n, "ocre_sensors_", 13) == 0) {
			assert_int_equal(cap, OCRE_CAP_SENSORS);
		} else if (strstr(n, "messag") != NULL) {
			assert_int_equal(cap, OCRE_CAP_MESSAGING);
		} else {
			assert_int_equal(cap, 0);
		}
	}
}

static void topic_prefixes(void **state)
{
	(void)state;
	assert_true(ocre_topic_matches("sensors/", "sensors/temp"));
	assert_true(ocre_topic_matches("sensors/temp", "sensors/temp"));
	assert_true(ocre_topic_matches("", "anything"));
	assert_false(ocre_topic_matches("sensors/", "sensors"));
	assert_false(ocre_topic_matches("sensors/", "actuators/led"));
	assert_false(ocre_topic_matches("Sensors/", "sensors/temp"));
}

static void exit_codes(void **state)
{
	(void)state;
	assert_int_equal(ocre_exit_code(true, false, false, 0), 0);
	assert_int_equal(ocre_exit_code(false, false, false, 0), OCRE_EXIT_TRAP);
	assert_int_equal(ocre_exit_code(false, true, false, 0), OCRE_EXIT_KILLED);
	assert_int_equal(ocre_exit_code(true, false, true, 3), 3);
	/* proc_exit wins over a stop that arrived after it */
	assert_int_equal(ocre_exit_code(false, true, true, 0), 0);
}

static void restart_policies(void **state)
{
	(void)state;
	assert_false(ocre_restart_wanted(OCRE_RESTART_NO, 1, false));
	assert_false(ocre_restart_wanted(OCRE_RESTART_ON_FAILURE, 0, false));
	assert_true(ocre_restart_wanted(OCRE_RESTART_ON_FAILURE, 1, false));
	assert_true(ocre_restart_wanted(OCRE_RESTART_ON_FAILURE, OCRE_EXIT_KILLED, false));
	assert_true(ocre_restart_wanted(OCRE_RESTART_ALWAYS, 0, false));
	assert_false(ocre_restart_wanted(OCRE_RESTART_ALWAYS, 1, true));
}

static void backoff_doubles_up_to_a_cap(void **state)
{
	(void)state;
	assert_int_equal(ocre_restart_delay_ms(0), 100);
	assert_int_equal(ocre_restart_delay_ms(1), 200);
	assert_int_equal(ocre_restart_delay_ms(4), 1600);
	assert_int_equal(ocre_restart_delay_ms(8), 25600);
	assert_int_equal(ocre_restart_delay_ms(9), OCRE_BACKOFF_MAX_MS);
	assert_int_equal(ocre_restart_delay_ms(40), OCRE_BACKOFF_MAX_MS);
	for (uint32_t i = 1; i < 100; i++) {
		assert_true(ocre_restart_delay_ms(i) >= ocre_restart_delay_ms(i - 1));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ocre_api_grants_everything),
		cmocka_unit_test(denied_call_is_eperm_and_logged_once),
		cmocka_unit_test(every_abi_call_has_its_feature_capability),
		cmocka_unit_test(topic_prefixes),
		cmocka_unit_test(exit_codes),
		cmocka_unit_test(restart_policies),
		cmocka_unit_test(backoff_doubles_up_to_a_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
