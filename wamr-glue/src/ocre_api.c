/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The Ocre `env` ABI, one function per import, on offsets into the caller's linear memory.
 * Every function validates every address and string itself; capabilities are checked once in
 * ocre_dispatch.c, which calls these. Errors are upstream's negative errno.
 */

#include <string.h>

#include "ocre_internal.h"

static uint32_t ocre_msg_counter;

/* Drops one reference to a shared message copy; the last one frees it. Thread context. */
static void msg_unref(struct ocre_msg *msg)
{
	unsigned int key = ocre_port_lock();
	bool last = --msg->refs == 0;

	ocre_port_unlock(key);
	if (last) {
		ocre_engine_host_free(msg);
	}
}

/*
 * Queues an event for a running container and wakes it. Any context (timer and GPIO callbacks
 * run in interrupts): a full queue only counts the drop; the container's own thread logs and
 * publishes it later (ocre_report_overflow), never the interrupt.
 */
static bool enqueue(struct ocre_container *c, const struct ocre_event *ev,
		    bool (*still)(const struct ocre_container *c, const struct ocre_event *ev))
{
	unsigned int key = ocre_port_lock();
	bool queued = c->used && c->state == OCRE_STATE_RUNNING && (still == NULL || still(c, ev)) &&
		      ocre_evq_push(&c->events, ev);

	ocre_port_unlock(key);
	if (queued) {
		ocre_port_wake(c->slot);
	}
	return queued;
}

void ocre_report_overflow(struct ocre_container *c, bool force)
{
	unsigned int key = ocre_port_lock();
	uint32_t dropped = c->events.dropped;

	ocre_port_unlock(key);
	if (dropped == c->dropped_reported) {
		return;
	}
	uint64_t now = ocre_port_uptime_ms();

	if (!force && c->dropped_reported != 0 &&
	    now - c->dropped_report_ms < OCRE_OVERFLOW_REPORT_MS) {
		return;
	}
	c->dropped_total += dropped - c->dropped_reported;
	c->dropped_reported = dropped;
	c->dropped_report_ms = now;
	ocre_log(OCRE_LOG_WRN, "%s: event queue full (%d), %u events dropped", c->meta.name,
		 OCRE_EVENT_QUEUE_DEPTH, (unsigned int)dropped);
	ocre_health_emit(OCRE_HEALTH_OVERFLOW, c->meta.name, "dropped=%u total=%u",
			 (unsigned int)dropped, (unsigned int)c->dropped_total);
}

/* ---- core ------------------------------------------------------------------------------ */

int32_t ocre_api_uname(struct ocre_container *c, const struct ocre_mem *m, uint32_t buf)
{
	(void)c;
	char *out = ocre_mem_range(m, buf, OCRE_UNAME_FIELDS * OCRE_UNAME_FIELD_BYTES);

	if (out == NULL) {
		return -1; /* upstream's answer (not an errno) when the 480 bytes do not fit */
	}
	memset(out, 0, OCRE_UNAME_FIELDS * OCRE_UNAME_FIELD_BYTES);
	for (int i = 0; i < OCRE_UNAME_FIELDS; i++) {
		const char *v = ocre_port_uname_field(i);
		size_t n = v != NULL ? strlen(v) : 0;

		if (n > OCRE_UNAME_FIELD_BYTES - 1) {
			n = OCRE_UNAME_FIELD_BYTES - 1;
		}
		if (n > 0) {
			memcpy(out + i * OCRE_UNAME_FIELD_BYTES, v, n);
		}
	}
	return 0;
}

/*
 * Whether an event was queued since the module last polled or slept, and marks the queue seen.
 * Under the lock: an interrupt queuing between the check and the mark is never lost.
 */
static bool take_new_events(struct ocre_container *c)
{
	unsigned int key = ocre_port_lock();
	bool fresh = c->events.pushed != c->events_seen;

	c->events_seen = c->events.pushed;
	ocre_port_unlock(key);
	return fresh;
}

/*
 * Sleeps on the container's semaphore, which a stop and every event queued for it give. As
 * upstream, a plain sleep lasts its time (stray wake-ups sleep on). After the OCRE_EXT_WAIT_V1
 * handshake it also returns as soon as a new event is queued, and a negative time waits for
 * one with no limit: the SDK's event loop then wakes only for its own events. New means queued
 * after the module last polled (ocre_get_event) or slept, and not by its own publish: events
 * already pending then do not cut a sleep short, so sleep() with a backlog lasts its time (as
 * in the simulator), while a timer or interrupt between an empty poll and the sleep ends it,
 * so the event loop never misses it.
 */
int32_t ocre_api_ocre_sleep(struct ocre_container *c, int32_t ms)
{
	bool forever = ms < 0 && c->ext_wait;

	if (ms < 0 && !forever) {
		return 0; /* upstream ignores usleep's answer: a negative time returns at once */
	}
	ocre_report_overflow(c, false);
	uint64_t deadline = ocre_port_uptime_ms() + (forever ? 0 : (uint32_t)ms);

	while (!c->stop_requested) {
		if (c->ext_wait && take_new_events(c)) {
			return 0;
		}
		uint64_t now = ocre_port_uptime_ms();

		if (forever) {
			(void)ocre_port_wait(c->slot, OCRE_PORT_FOREVER);
			c->wakeups++;
			continue;
		}
		if (now >= deadline) {
			break;
		}
		(void)ocre_port_wait(c->slot, (uint32_t)(deadline - now));
		c->wakeups++;
	}
	if (c->ext_wait) {
		(void)take_new_events(c);
	}
	return 0;
}

/* Copies a message into the receiver's app heap; the receiver frees it. */
static int32_t deliver_message(struct ocre_container *c, const struct ocre_msg *msg,
			       uint32_t vals[6])
{
	uint32_t free_slots[3];
	int n = 0;

	for (int i = 0; i < OCRE_MAX_GUEST_ALLOCS && n < 3; i++) {
		if (c->guest_allocs[i] == 0) {
			free_slots[n++] = (uint32_t)i;
		}
	}
	if (n < 3) {
		ocre_log(OCRE_LOG_WRN, "%s: message dropped: %d copies not freed", c->meta.name,
			 OCRE_MAX_GUEST_ALLOCS);
		return -OCRE_ENOMEM;
	}
	uint32_t sizes[3] = {msg->topic_len + 1, msg->ctype_len + 1,
			     msg->payload_len > 0 ? msg->payload_len : 1};
	const char *src[3] = {msg->data, msg->data + msg->topic_len + 1,
			      msg->data + msg->topic_len + 1 + msg->ctype_len + 1};
	uint32_t offs[3] = {0, 0, 0};

	for (int i = 0; i < 3; i++) {
		offs[i] = ocre_engine_guest_alloc(c, sizes[i]);
		if (offs[i] == 0) {
			for (int j = 0; j < i; j++) {
				ocre_engine_guest_free(c, offs[j]);
			}
			ocre_log(OCRE_LOG_WRN, "%s: message dropped: app heap full", c->meta.name);
			return -OCRE_ENOMEM;
		}
	}
	/* The app heap may have moved the memory: take a fresh view before copying. */
	struct ocre_mem m;
	uint8_t *dst[3] = {NULL, NULL, NULL};
	bool mem_ok = ocre_engine_mem(c, &m) == 0;

	for (int i = 0; i < 3 && mem_ok; i++) {
		dst[i] = ocre_mem_range(&m, offs[i], sizes[i]);
		mem_ok = dst[i] != NULL;
	}
	if (!mem_ok) {
		/* Nothing was handed to the module yet: give all three blocks back. */
		for (int i = 0; i < 3; i++) {
			ocre_engine_guest_free(c, offs[i]);
		}
		return -OCRE_EINVAL;
	}
	for (int i = 0; i < 3; i++) {
		if (i == 2 && msg->payload_len == 0) {
			dst[i][0] = 0;
		} else {
			memcpy(dst[i], src[i], i == 2 ? msg->payload_len : sizes[i]);
		}
		c->guest_allocs[free_slots[i]] = offs[i];
	}
	vals[2] = offs[0];
	vals[3] = offs[1];
	vals[4] = offs[2];
	vals[5] = msg->payload_len;
	return 0;
}

int32_t ocre_api_ocre_get_event(struct ocre_container *c, const struct ocre_mem *m,
				const uint32_t out[6])
{
	for (int i = 0; i < 6; i++) {
		if (ocre_mem_range(m, out[i], 4) == NULL) {
			return -OCRE_EINVAL;
		}
	}
	struct ocre_event ev;

	ocre_report_overflow(c, false);
	uint32_t vals[6];
	struct ocre_mem now = *m;

	/* As upstream, a message the receiver's heap cannot hold is lost (and logged), not an
	 * error of this call: the next event is taken instead. */
	for (;;) {
		unsigned int key = ocre_port_lock();
		bool got = ocre_evq_pop(&c->events, &ev);

		c->events_seen = c->events.pushed;

		ocre_port_unlock(key);
		if (!got) {
			return -OCRE_ENOMSG;
		}
#if OCRE_HAS_LATENCY_PROBE
		uint32_t us = ocre_port_cycles_to_us(ocre_port_cycles() - ev.stamp);

		c->lat_count++;
		c->lat_sum_us += us;
		c->lat_max_us = us > c->lat_max_us ? us : c->lat_max_us;
#endif
		vals[0] = ev.type;
		vals[1] = ev.id;
		vals[2] = ev.port;
		vals[3] = ev.state;
		vals[4] = 0;
		vals[5] = 0;
		if (ev.msg == NULL) {
			break;
		}
		int32_t ret = deliver_message(c, ev.msg, vals);

		msg_unref(ev.msg);
		if (ret == 0) {
			if (ocre_engine_mem(c, &now) != 0) {
				return -OCRE_EINVAL;
			}
			break;
		}
	}
	for (int i = 0; i < 6; i++) {
		(void)ocre_mem_put_u32(&now, out[i], vals[i]);
	}
	return 0;
}

int32_t ocre_api_ocre_register_dispatcher(struct ocre_container *c, const struct ocre_mem *m,
					  int32_t type, uint32_t name)
{
	const char *fn = ocre_mem_str(m, name, OCRE_MAX_NAME_BYTES, NULL);

	if (type == (int32_t)OCRE_EXT_EVENT_TYPE) {
		/* ocre's extension handshake; upstream answers -EINVAL to this type (the SDK then
		 * polls, and keeps reading -ENOENT as "not delivered"). */
		if (fn != NULL && strcmp(fn, OCRE_EXT_WAIT_V1) == 0) {
			(void)take_new_events(c); /* what is queued now is pending, not new */
			c->ext_wait = true;
		} else if (fn != NULL && strcmp(fn, OCRE_EXT_ERRNO_V1) == 0) {
			c->ext_errno = true;
		} else if (fn != NULL && strcmp(fn, OCRE_EXT_SENSOR_STATUS_V1) == 0) {
			return OCRE_SENSOR_STATUS_BASE - c->sensor_status;
		} else if (fn != NULL && strncmp(fn, OCRE_EXT_GPIO_LINE_V1,
						 sizeof(OCRE_EXT_GPIO_LINE_V1) - 1) == 0) {
			uint32_t port, pin;

			if (ocre_port_gpio_lookup(fn + sizeof(OCRE_EXT_GPIO_LINE_V1) - 1, &port,
						  &pin) != 0 ||
			    port > 0x7fff || pin > 0xffff) {
				return -OCRE_ENODEV;
			}
			return (int32_t)((port << 16) | pin);
		} else {
			return -OCRE_ENOENT;
		}
		return 0;
	}
	if (type < OCRE_EVENT_TIMER || type > OCRE_EVENT_MESSAGE || fn == NULL || fn[0] == 0) {
		return -OCRE_EINVAL;
	}
	/* Delivery is by polling; the export is required so upstream's SDK sees its check. */
	return ocre_engine_has_export(c, fn) ? 0 : -OCRE_EINVAL;
}

/* ---- timers: ids 1..OCRE_MAX_TIMERS, private to each container -------------------------- */

static int timer_index(int32_t id)
{
	return id >= 1 && id <= OCRE_MAX_TIMERS ? id - 1 : -1;
}

static unsigned int timer_slot(const struct ocre_container *c, int idx)
{
	return (unsigned int)c->slot * OCRE_MAX_TIMERS + (unsigned int)idx;
}

int32_t ocre_api_ocre_timer_create(struct ocre_container *c, int32_t id)
{
	int idx = timer_index(id);

	if (idx < 0) {
		return -OCRE_EINVAL;
	}
	unsigned int key = ocre_port_lock();
	int32_t ret = c->timers_created[idx] ? -OCRE_EBUSY : 0;

	c->timers_created[idx] = 1;
	ocre_port_unlock(key);
	return ret;
}

int32_t ocre_api_ocre_timer_delete(struct ocre_container *c, int32_t id)
{
	int idx = timer_index(id);

	if (idx < 0 || !c->timers_created[idx]) {
		return -OCRE_EINVAL;
	}
	ocre_port_timer_stop(timer_slot(c, idx));
	unsigned int key = ocre_port_lock();

	c->timers_created[idx] = 0;
	ocre_port_unlock(key);
	return 0;
}

int32_t ocre_api_ocre_timer_start(struct ocre_container *c, int32_t id, int32_t ms,
				  int32_t periodic)
{
	int idx = timer_index(id);

	if (idx < 0 || !c->timers_created[idx] || ms < 1 || ms > OCRE_TIMER_MAX_MS) {
		return -OCRE_EINVAL;
	}
	int ret = ocre_port_timer_start(timer_slot(c, idx), (uint32_t)ms, periodic != 0);

	return ret < 0 ? -OCRE_EIO : 0;
}

int32_t ocre_api_ocre_timer_stop(struct ocre_container *c, int32_t id)
{
	int idx = timer_index(id);

	if (idx < 0 || !c->timers_created[idx]) {
		return -OCRE_EINVAL;
	}
	ocre_port_timer_stop(timer_slot(c, idx));
	return 0;
}

int32_t ocre_api_ocre_timer_get_remaining(struct ocre_container *c, int32_t id)
{
	int idx = timer_index(id);

	if (idx < 0 || !c->timers_created[idx]) {
		return -OCRE_EINVAL;
	}
	return (int32_t)ocre_port_timer_remaining_ms(timer_slot(c, idx));
}

static bool timer_live(const struct ocre_container *c, const struct ocre_event *ev)
{
	return c->timers_created[ev->id - 1] != 0;
}

/* Interrupt context (k_timer expiry): hand-off only. */
void ocre_core_timer_expired(unsigned int slot)
{
	unsigned int ci = slot / OCRE_MAX_TIMERS;
	unsigned int idx = slot % OCRE_MAX_TIMERS;

	if (ci >= OCRE_MAX_CONTAINERS) {
		return;
	}
	struct ocre_event ev = {.type = OCRE_EVENT_TIMER, .id = idx + 1, .stamp = ocre_port_cycles()};

	(void)enqueue(&ocre_containers[ci], &ev, timer_live);
}

/* ---- messaging --------------------------------------------------------------------------- */

/* A host copy of a message: topic\0 content_type\0 payload, one reference (the caller's). */
static struct ocre_msg *msg_new(const char *t, uint32_t tlen, const char *ct, uint32_t clen,
				const void *p, uint32_t len)
{
	struct ocre_msg *msg = ocre_engine_host_alloc(sizeof(*msg) + tlen + 1 + clen + 1 + len);

	if (msg == NULL) {
		return NULL;
	}
	msg->refs = 1;
	msg->topic_len = tlen;
	msg->ctype_len = clen;
	msg->payload_len = len;
	memcpy(msg->data, t, tlen);
	msg->data[tlen] = '\0';
	memcpy(msg->data + tlen + 1, ct, clen);
	msg->data[tlen + 1 + clen] = '\0';
	if (len > 0) {
		memcpy(msg->data + tlen + 1 + clen + 1, p, len);
	}
	return msg;
}

static bool receiver_running(const struct ocre_container *c, const struct ocre_event *ev)
{
	(void)ev;
	return c->state == OCRE_STATE_RUNNING;
}

/*
 * Queues the message for every running subscriber, one copy per receiver however many of its
 * prefixes match. Thread context: the subscription tables are matched under the bus mutex,
 * and the interrupt lock is held only for each push (so timer and GPIO interrupts are never
 * delayed by string matching). Drops the caller's reference. A copy queued for the publishing
 * container itself (from, NULL for the runtime) is not news to it: it does not end its
 * ocre:wait-v1 sleeps.
 */
static void bus_deliver(struct ocre_msg *msg, struct ocre_container *from, int *delivered,
			int *full)
{
	*delivered = 0;
	*full = 0;
	ocre_port_mutex_lock(OCRE_SLOT_BUS);
	/* Upstream numbers messages from 0 and counts only the publishes that reached someone. */
	msg->id = ocre_msg_counter;
	for (int i = 0; i < OCRE_MAX_CONTAINERS; i++) {
		struct ocre_container *r = &ocre_containers[i];

		if (!r->used || r->state != OCRE_STATE_RUNNING) {
			continue;
		}
		for (int s = 0; s < r->nsubs; s++) {
			if (!ocre_topic_matches(r->subs[s], msg->data)) {
				continue;
			}
			struct ocre_event ev = {.type = OCRE_EVENT_MESSAGE,
						.id = msg->id,
						.msg = msg,
						.stamp = ocre_port_cycles()};
			unsigned int key = ocre_port_lock();

			msg->refs++; /* the queue's, taken back below if the push fails */
			ocre_port_unlock(key);
			if (enqueue(r, &ev, receiver_running)) {
				(*delivered)++;
				if (r == from) {
					key = ocre_port_lock();
					r->events_seen++;
					ocre_port_unlock(key);
				}
			} else {
				(*full)++;
				key = ocre_port_lock();
				msg->refs--;
				ocre_port_unlock(key);
			}
			break;
		}
	}
	if (*delivered > 0) {
		ocre_msg_counter++;
	}
	ocre_port_mutex_unlock(OCRE_SLOT_BUS);
	msg_unref(msg);
}

int ocre_bus_publish(const char *topic, const char *ctype, const void *payload, uint32_t len)
{
	struct ocre_msg *msg =
		msg_new(topic, (uint32_t)strlen(topic), ctype, (uint32_t)strlen(ctype), payload, len);
	int delivered, full;

	if (msg == NULL) {
		return -OCRE_ENOMEM;
	}
	bus_deliver(msg, NULL, &delivered, &full);
	return delivered;
}

/* What a publish that reached no queue answers: upstream's -ENOENT, or with the
 * OCRE_EXT_ERRNO_V1 extension the distinct code. */
static int32_t not_delivered(const struct ocre_container *c, int32_t distinct)
{
	return c->ext_errno ? distinct : -OCRE_ENOENT;
}

/*
 * Upstream 0.7's codes: an empty topic or content type, or a length <= 0, is -EINVAL; 0 when
 * a receiver queued it; -ENOENT when none did, whether nobody subscribes or every receiver's
 * queue is full (with the extension: -EBUSY for full queues, -ENOMEM for a payload above
 * OCRE_MAX_MESSAGE_SIZE or no memory for the copy).
 */
int32_t ocre_api_ocre_publish_message(struct ocre_container *c, const struct ocre_mem *m,
				      uint32_t topic, uint32_t ctype, uint32_t payload, int32_t len)
{
	uint32_t tlen, clen;
	const char *t = ocre_mem_str(m, topic, OCRE_MAX_TOPIC_BYTES, &tlen);
	const char *ct = ocre_mem_str(m, ctype, OCRE_MAX_TOPIC_BYTES, &clen);

	if (t == NULL || tlen == 0 || ct == NULL || clen == 0 || len <= 0) {
		return -OCRE_EINVAL;
	}
	if (len > OCRE_MAX_MESSAGE_SIZE) {
		return not_delivered(c, -OCRE_ENOMEM);
	}
	const uint8_t *p = ocre_mem_range(m, payload, (uint32_t)len);

	if (p == NULL) {
		return -OCRE_EINVAL;
	}
	struct ocre_msg *msg = msg_new(t, tlen, ct, clen, p, (uint32_t)len);
	int delivered, full;

	if (msg == NULL) {
		return not_delivered(c, -OCRE_ENOMEM);
	}
	bus_deliver(msg, c, &delivered, &full);
	if (delivered > 0) {
		return 0;
	}
	return full > 0 ? not_delivered(c, -OCRE_EBUSY) : -OCRE_ENOENT;
}

/* Upstream keeps the first 63 bytes of a prefix (strncpy), NUL-terminated or not. */
int32_t ocre_api_ocre_subscribe_message(struct ocre_container *c, const struct ocre_mem *m,
					uint32_t prefix)
{
	const char *p;
	uint32_t n = ocre_mem_strn(m, prefix, OCRE_MAX_PREFIX_BYTES, &p);

	if (p == NULL || n == 0) {
		return -OCRE_EINVAL;
	}
	int32_t ret = 0;

	ocre_port_mutex_lock(OCRE_SLOT_BUS);
	for (int s = 0; s < c->nsubs; s++) {
		if (strncmp(c->subs[s], p, n) == 0 && c->subs[s][n] == '\0') {
			goto out; /* already subscribed */
		}
	}
	if (c->nsubs >= OCRE_MAX_SUBSCRIPTIONS) {
		ret = -OCRE_ENOMEM;
		goto out;
	}
	memcpy(c->subs[c->nsubs], p, n);
	c->subs[c->nsubs][n] = '\0';
	c->nsubs++;
out:
	ocre_port_mutex_unlock(OCRE_SLOT_BUS);
	return ret;
}

int32_t ocre_api_ocre_messaging_free_module_event_data(struct ocre_container *c, uint32_t topic,
						       uint32_t ctype, uint32_t payload)
{
	uint32_t offs[3] = {topic, ctype, payload};
	int32_t ret = 0;

	/* Only copies this runtime handed out are freed: a stray address cannot corrupt the heap.
	 */
	for (int i = 0; i < 3; i++) {
		bool found = false;

		if (offs[i] == 0) {
			continue;
		}
		for (int j = 0; j < OCRE_MAX_GUEST_ALLOCS; j++) {
			if (c->guest_allocs[j] == offs[i]) {
				c->guest_allocs[j] = 0;
				ocre_engine_guest_free(c, offs[i]);
				found = true;
				break;
			}
		}
		if (!found) {
			ret = -OCRE_EINVAL;
		}
	}
	return ret;
}

/* ---- sensors: handle = discovery index ------------------------------------------------- */

static int32_t sensor_valid(int32_t handle)
{
	/* upstream: -EINVAL for a bad handle, -ENOENT for an unknown name */
	return handle >= 0 && handle < ocre_port_sensor_count() ? 0 : -OCRE_EINVAL;
}

static int32_t sensor_find(const struct ocre_mem *m, uint32_t name)
{
	const char *n = ocre_mem_str(m, name, OCRE_MAX_NAME_BYTES, NULL);

	if (n == NULL) {
		return -OCRE_EINVAL;
	}
	for (int i = 0; i < ocre_port_sensor_count(); i++) {
		const char *s = ocre_port_sensor_name(i);

		if (s != NULL && strcmp(s, n) == 0) {
			return i;
		}
	}
	return -OCRE_ENOENT;
}

/* Sensors need no opening on either port: open only checks the handle, as upstream. */
static int32_t sensor_open(int32_t handle)
{
	return sensor_valid(handle);
}

static int32_t sensor_channel_type(int32_t handle, int32_t ch)
{
	int32_t ret = sensor_valid(handle);

	if (ret != 0) {
		return ret;
	}
	if (ch < 0 || ch >= ocre_port_sensor_channel_count(handle)) {
		return -OCRE_EINVAL;
	}
	return ocre_port_sensor_channel_type(handle, ch);
}

/*
 * As upstream, a read names the channel by its type (a SENSOR_CHAN_* value, what
 * get_channel_type returns), not by its index: only a type the sensor reports is read.
 */
static double sensor_read(struct ocre_container *c, int32_t handle, int32_t type)
{
	double v = 0;
	int32_t ret = sensor_valid(handle);

	if (ret == 0) {
		int n = ocre_port_sensor_channel_count(handle);

		while (n > 0 && ocre_port_sensor_channel_type(handle, n - 1) != type) {
			n--;
		}
		if (n == 0) {
			ret = -OCRE_EINVAL;
		} else if (ocre_port_sensor_read(handle, type, &v) != 0) {
			ret = -OCRE_EIO;
		}
	}
	c->sensor_status = ret; /* out of band (ocre:sensor-status-v1) */
	return ret != 0 ? (double)ret : v;
}

int32_t ocre_api_ocre_sensors_init(struct ocre_container *c)
{
	(void)c;
	return 0;
}

int32_t ocre_api_ocre_sensors_discover(struct ocre_container *c)
{
	(void)c;
	return ocre_port_sensor_count();
}

int32_t ocre_api_ocre_sensors_open(struct ocre_container *c, int32_t handle)
{
	(void)c;
	return sensor_open(handle);
}

int32_t ocre_api_ocre_sensors_get_handle(struct ocre_container *c, int32_t id)
{
	(void)c;
	int32_t ret = sensor_valid(id);

	return ret == 0 ? id : ret;
}

int32_t ocre_api_ocre_sensors_get_channel_count(struct ocre_container *c, int32_t handle)
{
	(void)c;
	int32_t ret = sensor_valid(handle);

	return ret == 0 ? ocre_port_sensor_channel_count(handle) : ret;
}

int32_t ocre_api_ocre_sensors_get_channel_type(struct ocre_container *c, int32_t handle, int32_t ch)
{
	(void)c;
	return sensor_channel_type(handle, ch);
}

double ocre_api_ocre_sensors_read(struct ocre_container *c, int32_t handle, int32_t type)
{
	return sensor_read(c, handle, type);
}

int32_t ocre_api_ocre_sensors_open_by_name(struct ocre_container *c, const struct ocre_mem *m,
					   uint32_t name)
{
	(void)c;
	int32_t h = sensor_find(m, name);

	return h < 0 ? h : sensor_open(h);
}

int32_t ocre_api_ocre_sensors_get_handle_by_name(struct ocre_container *c, const struct ocre_mem *m,
						 uint32_t name)
{
	(void)c;
	return sensor_find(m, name);
}

int32_t ocre_api_ocre_sensors_get_channel_count_by_name(struct ocre_container *c,
							const struct ocre_mem *m, uint32_t name)
{
	(void)c;
	int32_t h = sensor_find(m, name);

	return h < 0 ? h : ocre_port_sensor_channel_count(h);
}

int32_t ocre_api_ocre_sensors_get_channel_type_by_name(struct ocre_container *c,
						       const struct ocre_mem *m, uint32_t name,
						       int32_t ch)
{
	(void)c;
	int32_t h = sensor_find(m, name);

	return h < 0 ? h : sensor_channel_type(h, ch);
}

double ocre_api_ocre_sensors_read_by_name(struct ocre_container *c, const struct ocre_mem *m,
					  uint32_t name, int32_t type)
{
	int32_t h = sensor_find(m, name);

	if (h < 0) {
		c->sensor_status = h;
		return (double)h;
	}
	return sensor_read(c, h, type);
}

int32_t ocre_api_ocre_sensors_get_list(struct ocre_container *c, const struct ocre_mem *m,
				       uint32_t prefix, int32_t max)
{
	(void)c;
	uint32_t n;
	const char *p = ocre_mem_str(m, prefix, OCRE_MAX_NAME_BYTES, &n);
	int32_t count = 0;

	if (p == NULL || max <= 0) {
		return -OCRE_EINVAL;
	}
	/* The number of sensors whose name starts with the prefix, at most max. */
	for (int i = 0; i < ocre_port_sensor_count() && count < max; i++) {
		const char *s = ocre_port_sensor_name(i);

		if (s != NULL && strncmp(s, p, n) == 0) {
			count++;
		}
	}
	return count;
}

/* ---- GPIO ---------------------------------------------------------------------------------- */

/* -EINVAL for a line that cannot exist, -EPERM for one the container's allow-list lacks. */
static int32_t gpio_args(const struct ocre_container *c, int32_t port, int32_t pin)
{
	if (port < 0 || pin < 0 || pin > 31) {
		return -OCRE_EINVAL;
	}
	return ocre_gpio_allowed(c, (uint32_t)port, (uint32_t)pin) ? 0 : -OCRE_EPERM;
}

static int32_t port_err(int ret)
{
	return ret < 0 ? -OCRE_EIO : ret;
}

static int32_t gpio_configure(const struct ocre_container *c, int32_t port, int32_t pin, int32_t dir)
{
	int32_t ret = gpio_args(c, port, pin);

	if (ret != 0 || (dir != 0 && dir != 1)) {
		return ret != 0 ? ret : -OCRE_EINVAL;
	}
	return port_err(ocre_port_gpio_configure((uint32_t)port, (uint32_t)pin, dir == 1));
}

static int32_t gpio_set(const struct ocre_container *c, int32_t port, int32_t pin, int32_t state)
{
	int32_t ret = gpio_args(c, port, pin);

	if (ret != 0) {
		return ret;
	}
	return port_err(ocre_port_gpio_set((uint32_t)port, (uint32_t)pin, state != 0));
}

static int32_t gpio_get(const struct ocre_container *c, int32_t port, int32_t pin)
{
	int32_t ret = gpio_args(c, port, pin);

	if (ret != 0) {
		return ret;
	}
	return port_err(ocre_port_gpio_get((uint32_t)port, (uint32_t)pin));
}

static int32_t gpio_toggle(const struct ocre_container *c, int32_t port, int32_t pin)
{
	int32_t ret = gpio_args(c, port, pin);

	if (ret != 0) {
		return ret;
	}
	return port_err(ocre_port_gpio_toggle((uint32_t)port, (uint32_t)pin));
}

/* Whether any container other than `self` listens on the pin (lock held). */
static bool gpio_listened(const struct ocre_container *self, uint32_t port, uint32_t pin)
{
	for (int i = 0; i < OCRE_MAX_CONTAINERS; i++) {
		const struct ocre_container *o = &ocre_containers[i];

		if (o == self || !o->used) {
			continue;
		}
		for (int j = 0; j < OCRE_MAX_GPIO_CALLBACKS; j++) {
			if (o->gpio_cbs[j].used && o->gpio_cbs[j].port == port &&
			    o->gpio_cbs[j].pin == pin) {
				return true;
			}
		}
	}
	return false;
}

static int32_t gpio_register(struct ocre_container *c, int32_t port, int32_t pin)
{
	int32_t ret = gpio_args(c, port, pin);

	if (ret != 0) {
		return ret;
	}
	int free_idx = -1;
	unsigned int key = ocre_port_lock();

	for (int j = 0; j < OCRE_MAX_GPIO_CALLBACKS; j++) {
		struct ocre_gpio_cb *cb = &c->gpio_cbs[j];

		if (cb->used && cb->port == (uint32_t)port && cb->pin == (uint32_t)pin) {
			ocre_port_unlock(key);
			return 0;
		}
		if (!cb->used && free_idx < 0) {
			free_idx = j;
		}
	}
	if (free_idx < 0) {
		ocre_port_unlock(key);
		return -OCRE_ENOMEM;
	}
	c->gpio_cbs[free_idx] = (struct ocre_gpio_cb){true, (uint32_t)port, (uint32_t)pin};
	ocre_port_unlock(key);
	ret = ocre_port_gpio_irq((uint32_t)port, (uint32_t)pin, true);

	if (ret < 0) {
		key = ocre_port_lock();
		c->gpio_cbs[free_idx].used = false;
		ocre_port_unlock(key);
		return -OCRE_EIO;
	}
	return 0;
}

static int32_t gpio_unregister(struct ocre_container *c, int32_t port, int32_t pin)
{
	int32_t ret = gpio_args(c, port, pin);

	if (ret != 0) {
		return ret;
	}
	bool found = false, others;
	unsigned int key = ocre_port_lock();

	for (int j = 0; j < OCRE_MAX_GPIO_CALLBACKS; j++) {
		struct ocre_gpio_cb *cb = &c->gpio_cbs[j];

		if (cb->used && cb->port == (uint32_t)port && cb->pin == (uint32_t)pin) {
			cb->used = false;
			found = true;
		}
	}
	others = gpio_listened(c, (uint32_t)port, (uint32_t)pin);
	ocre_port_unlock(key);
	if (!found) {
		return -OCRE_EINVAL;
	}
	if (!others) {
		(void)ocre_port_gpio_irq((uint32_t)port, (uint32_t)pin, false);
	}
	return 0;
}

void ocre_container_gpio_release(struct ocre_container *c)
{
	/* Built without GPIO events, no callback was ever registered: nothing to release. */
	if (!OCRE_HAS_GPIO_EVENTS) {
		return;
	}
	for (int j = 0; j < OCRE_MAX_GPIO_CALLBACKS; j++) {
		if (c->gpio_cbs[j].used) {
			(void)gpio_unregister(c, (int32_t)c->gpio_cbs[j].port,
					      (int32_t)c->gpio_cbs[j].pin);
		}
	}
}

static bool gpio_watched(const struct ocre_container *c, const struct ocre_event *ev)
{
	for (int j = 0; j < OCRE_MAX_GPIO_CALLBACKS; j++) {
		if (c->gpio_cbs[j].used && c->gpio_cbs[j].port == ev->port &&
		    c->gpio_cbs[j].pin == ev->id) {
			return true;
		}
	}
	return false;
}

/* Any context: queues the change for each container watching the line, and wakes it. */
void ocre_core_gpio_changed_at(uint32_t port, uint32_t pin, int level, uint32_t cycles)
{
	struct ocre_event ev = {.type = OCRE_EVENT_GPIO,
				.id = pin,
				.port = port,
				.state = (uint32_t)level,
				.stamp = cycles};

	for (int i = 0; i < OCRE_MAX_CONTAINERS; i++) {
		(void)enqueue(&ocre_containers[i], &ev, gpio_watched);
	}
}

void ocre_core_gpio_changed(uint32_t port, uint32_t pin, int level)
{
	ocre_core_gpio_changed_at(port, pin, level, ocre_port_cycles());
}

static int32_t gpio_resolve(const struct ocre_mem *m, uint32_t name, int32_t *port, int32_t *pin)
{
	const char *n = ocre_mem_str(m, name, OCRE_MAX_NAME_BYTES, NULL);
	uint32_t po, pi;

	if (n == NULL) {
		return -OCRE_EINVAL;
	}
	if (ocre_port_gpio_lookup(n, &po, &pi) != 0) {
		return -OCRE_ENODEV; /* upstream's answer for an alias the devicetree lacks */
	}
	*port = (int32_t)po;
	*pin = (int32_t)pi;
	return 0;
}

int32_t ocre_api_ocre_gpio_init(struct ocre_container *c)
{
	(void)c;
	return 0;
}

int32_t ocre_api_ocre_gpio_configure(struct ocre_container *c, int32_t port, int32_t pin,
				     int32_t dir)
{
	return gpio_configure(c, port, pin, dir);
}

int32_t ocre_api_ocre_gpio_pin_set(struct ocre_container *c, int32_t port, int32_t pin,
				   int32_t state)
{
	return gpio_set(c, port, pin, state);
}

int32_t ocre_api_ocre_gpio_pin_get(struct ocre_container *c, int32_t port, int32_t pin)
{
	return gpio_get(c, port, pin);
}

int32_t ocre_api_ocre_gpio_pin_toggle(struct ocre_container *c, int32_t port, int32_t pin)
{
	return gpio_toggle(c, port, pin);
}

int32_t ocre_api_ocre_gpio_register_callback(struct ocre_container *c, int32_t port, int32_t pin)
{
	return gpio_register(c, port, pin);
}

int32_t ocre_api_ocre_gpio_unregister_callback(struct ocre_container *c, int32_t port, int32_t pin)
{
	return gpio_unregister(c, port, pin);
}

#define BY_NAME(fn, call)                                                                          \
	int32_t port, pin;                                                                         \
	int32_t ret = gpio_resolve(m, name, &port, &pin);                                          \
	return ret != 0 ? ret : (call)

int32_t ocre_api_ocre_gpio_configure_by_name(struct ocre_container *c, const struct ocre_mem *m,
					     uint32_t name, int32_t dir)
{
	BY_NAME(ocre_gpio_configure_by_name, gpio_configure(c, port, pin, dir));
}

int32_t ocre_api_ocre_gpio_set_by_name(struct ocre_container *c, const struct ocre_mem *m,
				       uint32_t name, int32_t state)
{
	BY_NAME(ocre_gpio_set_by_name, gpio_set(c, port, pin, state));
}

int32_t ocre_api_ocre_gpio_get_by_name(struct ocre_container *c, const struct ocre_mem *m,
				       uint32_t name)
{
	BY_NAME(ocre_gpio_get_by_name, gpio_get(c, port, pin));
}

int32_t ocre_api_ocre_gpio_toggle_by_name(struct ocre_container *c, const struct ocre_mem *m,
					  uint32_t name)
{
	BY_NAME(ocre_gpio_toggle_by_name, gpio_toggle(c, port, pin));
}

int32_t ocre_api_ocre_gpio_register_callback_by_name(struct ocre_container *c,
						     const struct ocre_mem *m, uint32_t name)
{
	BY_NAME(ocre_gpio_register_callback_by_name, gpio_register(c, port, pin));
}

int32_t ocre_api_ocre_gpio_unregister_callback_by_name(struct ocre_container *c,
						       const struct ocre_mem *m, uint32_t name)
{
	BY_NAME(ocre_gpio_unregister_callback_by_name, gpio_unregister(c, port, pin));
}

/* ---- cleanup after a run ------------------------------------------------------------------ */

void ocre_container_cleanup(struct ocre_container *c)
{
	/* Built without timers, none was ever started. */
	for (int i = 0; OCRE_HAS_TIMERS && i < OCRE_MAX_TIMERS; i++) {
		ocre_port_timer_stop(timer_slot(c, i));
	}
	ocre_container_gpio_release(c);

	unsigned int key = ocre_port_lock();

	memset(c->timers_created, 0, sizeof(c->timers_created));
	ocre_port_unlock(key);
	ocre_port_mutex_lock(OCRE_SLOT_BUS);
	c->nsubs = 0;
	ocre_port_mutex_unlock(OCRE_SLOT_BUS);

	/* Messages hold a host copy each: release them one by one outside the lock. */
	for (;;) {
		struct ocre_event ev;

		key = ocre_port_lock();
		bool got = ocre_evq_pop(&c->events, &ev);

		ocre_port_unlock(key);
		if (!got) {
			break;
		}
		if (ev.msg != NULL) {
			msg_unref(ev.msg);
		}
	}
	/* The copies in the module's heap go away with its instance. */
	memset(c->guest_allocs, 0, sizeof(c->guest_allocs));
}

void ocre_container_reset_run(struct ocre_container *c)
{
	unsigned int key = ocre_port_lock();

	c->events.head = 0;
	c->events.count = 0;
	c->events.dropped = 0;
	c->dropped_reported = 0;
	c->dropped_report_ms = 0;
	c->ext_wait = false;
	c->watchdog_killed = false;
	c->sensor_status = 0;
	c->killed = false;
	c->proc_exited = false;
	c->proc_exit_code = 0;
	c->ext_errno = false;
	c->in_host = false;
	c->last_host_ms = ocre_port_uptime_ms();
	c->warned = 0;
	ocre_port_unlock(key);
}
