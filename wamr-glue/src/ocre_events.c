/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * A fixed ring per container (upstream shares one ring between all containers, so a dead
 * container's events block everyone). Full means drop-and-count, never block: producers run
 * in interrupt context.
 */

#include "ocre_internal.h"

bool ocre_evq_push(struct ocre_event_queue *q, const struct ocre_event *ev)
{
	if (q->count >= OCRE_EVENT_QUEUE_DEPTH) {
		q->dropped++;
		return false;
	}
	q->ev[(q->head + q->count) % OCRE_EVENT_QUEUE_DEPTH] = *ev;
	q->count++;
	q->pushed++;
	return true;
}

bool ocre_evq_pop(struct ocre_event_queue *q, struct ocre_event *ev)
{
	if (q->count == 0) {
		return false;
	}
	*ev = q->ev[q->head];
	q->head = (uint16_t)((q->head + 1u) % OCRE_EVENT_QUEUE_DEPTH);
	q->count--;
	return true;
}

void ocre_evq_clear(struct ocre_event_queue *q, void (*release)(struct ocre_msg *msg))
{
	struct ocre_event ev;

	while (ocre_evq_pop(q, &ev)) {
		if (ev.msg != NULL && release != NULL) {
			release(ev.msg);
		}
	}
	q->head = 0;
	q->dropped = 0;
}
