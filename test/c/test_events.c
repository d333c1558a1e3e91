/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The per-container event queue: order, overflow counting, clearing.
 */

#include <stdlib.h>

#include "test_support.h"

static int released;

static void release(struct ocre_msg *msg)
{
	(void)msg;
	released++;
}

static void fifo_across_wrap_around(void **state)
{
	(void)state;
	struct ocre_event_queue q = {0};
	struct ocre_event ev;

	for (uint32_t round = 0; round < 3; round++) {
		for (uint32_t i = 0; i < OCRE_EVENT_QUEUE_DEPTH - 1; i++) {
			ev = (struct ocre_event){.type = 0, .id = round * 10 + i};
			assert_true(ocre_evq_push(&q, &ev));
		}
		for (uint32_t i = 0; i < OCRE_EVENT_QUEUE_DEPTH - 1; i++) {
			assert_true(ocre_evq_pop(&q, &ev));
			assert_int_equal(ev.id, round * 10 + i);
		}
	}
	assert_false(ocre_evq_pop(&q, &ev));
	assert_int_equal(q.dropped, 0);
}

static void overflow_drops_newest_and_counts(void **state)
{
	(void)state;
	struct ocre_event_queue q = {0};
	struct ocre_event ev;

	for (uint32_t i = 0; i < OCRE_EVENT_QUEUE_DEPTH + 3; i++) {
		ev = (struct ocre_event){.id = i};
		assert_int_equal(ocre_evq_push(&q, &ev), i < OCRE_EVENT_QUEUE_DEPTH);
	}
	assert_int_equal(q.dropped, 3);
	assert_true(ocre_evq_pop(&q, &ev));
	assert_int_equal(ev.id, 0);
}

static void clear_releases_message_references(void **state)
{
	(void)state;
	struct ocre_event_queue q = {0};
	struct ocre_msg *msg = malloc(sizeof(*msg));
	struct ocre_event ev = {.type = OCRE_EVENT_MESSAGE, .msg = msg};
	struct ocre_event timer = {.type = OCRE_EVENT_TIMER, .id = 1};

	released = 0;
	assert_true(ocre_evq_push(&q, &ev));
	assert_true(ocre_evq_push(&q, &timer));
	assert_true(ocre_evq_push(&q, &ev));
	ocre_evq_clear(&q, release);
	assert_int_equal(released, 2);
	assert_false(ocre_evq_pop(&q, &ev));
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fifo_across_wrap_around),
		cmocka_unit_test(overflow_drops_newest_and_counts),
		cmocka_unit_test(clear_releases_message_references),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
