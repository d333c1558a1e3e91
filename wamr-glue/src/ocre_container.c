/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The container table and lifecycle: one thread per container runs its module, cleans up
 * after it and applies the restart policy with back-off; a supervisor thread runs the
 * watchdog. The public API is ocre/ocre.h.
 */

#include <string.h>

#include "ocre_internal.h"

struct ocre_container ocre_containers[OCRE_MAX_CONTAINERS];

static bool ocre_initialized;
static bool supervisor_started;
static int32_t first_failure; /* first non-zero final exit code, for ocre_wait_all */
static bool have_failure;

static struct ocre_container *get(int id)
{
	if (id < 0 || id >= OCRE_MAX_CONTAINERS || !ocre_containers[id].used) {
		return NULL;
	}
	return &ocre_containers[id];
}

static void set_state(struct ocre_container *c, enum ocre_container_state s)
{
	unsigned int key = ocre_port_lock();

	c->state = s;
	ocre_port_unlock(key);
}

/* One run of the module: instantiate, run, clean up, tear down. Returns the exit code. */
static int32_t run_once(struct ocre_container *c)
{
	ocre_container_reset_run(c);

	ocre_port_mutex_lock(c->slot);
	int ret = c->stop_requested ? -OCRE_EINVAL : ocre_engine_instantiate(c);

	if (ret == 0) {
		set_state(c, OCRE_STATE_RUNNING);
	}
	ocre_port_mutex_unlock(c->slot);
	if (c->instantiating) {
		c->instantiating = false;
		ocre_port_wake(OCRE_SLOT_MAIN); /* ocre_start_all may start the next one */
	}
	if (ret != 0) {
		return c->stop_requested ? OCRE_EXIT_KILLED : OCRE_EXIT_TRAP;
	}
	c->started_ms = ocre_port_uptime_ms();
	ocre_health_emit(OCRE_HEALTH_STARTED, c->meta.name, "run=%u",
			 (unsigned int)(c->restarts + 1));

	bool returned = ocre_engine_run(c);

	/* Leave RUNNING first: no more events, no terminate() on a dying instance. */
	ocre_port_mutex_lock(c->slot);
	set_state(c, OCRE_STATE_BACKOFF);
	ocre_port_mutex_unlock(c->slot);

	int32_t code = ocre_exit_code(returned, c->killed, c->proc_exited, c->proc_exit_code);
	unsigned int ran = (unsigned int)(ocre_port_uptime_ms() - c->started_ms);
	struct ocre_mem m;

	/* Linear memory only grows: its size now is this run's high-water mark. */
	if (ocre_engine_mem(c, &m) == 0 && m.size > c->mem_high_water) {
		c->mem_high_water = m.size;
	}
	ocre_report_overflow(c, true);
	if (c->killed) {
		ocre_health_emit(OCRE_HEALTH_KILLED, c->meta.name, "by=%s",
				 c->watchdog_killed ? "watchdog" : "stop");
	} else if (!returned && !c->proc_exited) {
		ocre_health_emit(OCRE_HEALTH_TRAPPED, c->meta.name, "ran_ms=%u reason=%s", ran,
				 c->trap_reason);
	}
#if OCRE_HAS_LATENCY_PROBE
	ocre_log(OCRE_LOG_INF, "%s: latency n=%u avg=%u us max=%u us, wakeups=%u", c->meta.name,
		 (unsigned int)c->lat_count,
		 (unsigned int)(c->lat_count > 0 ? c->lat_sum_us / c->lat_count : 0),
		 (unsigned int)c->lat_max_us, (unsigned int)c->wakeups);
#endif
	ocre_health_emit(OCRE_HEALTH_EXITED, c->meta.name,
			 "code=%d ran_ms=%u memory_bytes=%u dropped=%u", (int)code, ran,
			 (unsigned int)c->mem_high_water, (unsigned int)c->events.dropped);
	ocre_container_cleanup(c);
#if OCRE_HAS_WASI_FS
	ocre_wasi_fs_close_all(c);
#endif

	ocre_port_mutex_lock(c->slot);
	ocre_engine_deinstantiate(c);
	ocre_port_mutex_unlock(c->slot);
	return code;
}

static void container_thread(void *arg)
{
	struct ocre_container *c = arg;

	ocre_engine_thread_begin();
	for (;;) {
		uint64_t started = ocre_port_uptime_ms();
		int32_t code = run_once(c);
		uint64_t ran = ocre_port_uptime_ms() - started;

		c->exit_code = code;
		ocre_log(code == 0 ? OCRE_LOG_INF : OCRE_LOG_WRN, "%s: exited with code %d",
			 c->meta.name, (int)code);
		if (!ocre_restart_wanted(c->meta.restart, code, c->stop_requested)) {
			break;
		}
		c->failures = ran >= OCRE_BACKOFF_STABLE_MS ? 0 : c->failures + 1;
		uint32_t delay = ocre_restart_delay_ms(c->failures > 0 ? c->failures - 1 : 0);

		ocre_log(OCRE_LOG_INF, "%s: restarting in %u ms", c->meta.name,
			 (unsigned int)delay);
		ocre_health_emit(OCRE_HEALTH_RESTARTED, c->meta.name, "restarts=%u delay_ms=%u",
				 (unsigned int)(c->restarts + 1), (unsigned int)delay);
		uint64_t until = ocre_port_uptime_ms() + delay;

		while (!c->stop_requested && ocre_port_uptime_ms() < until) {
			(void)ocre_port_wait(c->slot, (uint32_t)(until - ocre_port_uptime_ms()));
		}
		if (c->stop_requested) {
			break;
		}
		c->restarts++;
	}
	unsigned int key = ocre_port_lock();

	c->state = OCRE_STATE_EXITED;
	if (c->exit_code != 0 && !have_failure) {
		have_failure = true;
		first_failure = c->exit_code;
	}
	ocre_port_unlock(key);
	ocre_engine_thread_end();
	ocre_port_wake(OCRE_SLOT_DONE(c->slot)); /* ocre_container_stop */
	ocre_port_wake(OCRE_SLOT_MAIN);          /* ocre_wait_all */
}

void ocre_host_enter(struct ocre_container *c)
{
	c->in_host = true;
}

void ocre_host_leave(struct ocre_container *c)
{
	c->last_host_ms = ocre_port_uptime_ms();
	c->in_host = false;
}

void ocre_watchdog_scan(uint64_t now_ms, uint32_t limit_ms)
{
	for (int i = 0; i < OCRE_MAX_CONTAINERS; i++) {
		struct ocre_container *c = &ocre_containers[i];

		if (!c->used || c->state != OCRE_STATE_RUNNING || c->in_host) {
			continue;
		}
		uint64_t last = c->last_host_ms;

		if (now_ms <= last || now_ms - last <= limit_ms) {
			continue;
		}
		ocre_port_mutex_lock(c->slot);
		/* Re-check under the instance guard: it may have made a host call meanwhile. */
		if (c->state == OCRE_STATE_RUNNING && !c->in_host && !c->killed &&
		    c->last_host_ms == last) {
			c->killed = true;
			c->watchdog_killed = true;
			ocre_log(OCRE_LOG_ERR, "%s: no host call for %u ms, terminating",
				 c->meta.name, (unsigned int)(now_ms - last));
			ocre_engine_terminate(c);
		}
		ocre_port_mutex_unlock(c->slot);
	}
}

static void supervisor_thread(void *arg)
{
	(void)arg;
	/* Check a few times per period so a stuck container overruns by at most a quarter. */
	uint32_t period = OCRE_WATCHDOG_MS / 4 > 0 ? OCRE_WATCHDOG_MS / 4 : 1;

	for (;;) {
		(void)ocre_port_wait(OCRE_SLOT_SUPERVISOR, period);
		ocre_watchdog_scan(ocre_port_uptime_ms(), OCRE_WATCHDOG_MS);
	}
}

int ocre_init(void)
{
	if (ocre_initialized) {
		return 0;
	}
	int ret = ocre_engine_init();

	if (ret != 0) {
		return ret;
	}
	ocre_initialized = true;
	return 0;
}

static bool valid_meta(const struct ocre_container_meta *meta)
{
	if (meta == NULL || meta->name == NULL || meta->name[0] == '\0') {
		return false;
	}
	if ((meta->argc > 0 && meta->argv == NULL) || (meta->envc > 0 && meta->envp == NULL)) {
		return false;
	}
	return meta->restart <= OCRE_RESTART_ALWAYS;
}

int ocre_container_add(const uint8_t *wasm, size_t wasm_size,
		       const struct ocre_container_meta *meta)
{
	if (!ocre_initialized) {
		return -OCRE_EINVAL;
	}
	if (wasm == NULL || wasm_size < 8 || wasm_size > UINT32_MAX || !valid_meta(meta)) {
		return -OCRE_EINVAL;
	}
	if (ocre_container_find(meta->name) >= 0) {
		return -OCRE_EBUSY;
	}
	/*
	 * Before the loader sees (and may rewrite) the bytes: only what a trusted key signed.
	 * Without OCRE_VERIFY the check and its refusal are compiled out (no crypto in the image).
	 */
	const char *why = "";

	if (OCRE_HAS_VERIFY && ocre_verify_container(wasm, wasm_size, meta, &why) != 0) {
		ocre_log(OCRE_LOG_ERR, "%s: refused, not started: %s", meta->name, why);
		ocre_health_emit(OCRE_HEALTH_REFUSED, meta->name, "reason=%s", why);
		return -OCRE_EPERM;
	}
	for (int i = 0; i < OCRE_MAX_CONTAINERS; i++) {
		struct ocre_container *c = &ocre_containers[i];

		if (c->used) {
			continue;
		}
		memset(c, 0, sizeof(*c));
		c->slot = (uint8_t)i;
		/* WAMR's loader may rewrite the buffer in place: the generator keeps it writable.
		 */
		c->wasm = (uint8_t *)(uintptr_t)wasm;
		c->wasm_size = wasm_size;
		c->meta = *meta;
		c->state = OCRE_STATE_CREATED;
		int ret = ocre_engine_load(c);

		if (ret != 0) {
			ocre_log(OCRE_LOG_ERR, "%s: not a loadable module", meta->name);
			return ret;
		}
		c->used = true;
		return i;
	}
	return -OCRE_ENOMEM;
}

int ocre_container_start(int id)
{
	struct ocre_container *c = get(id);

	if (c == NULL) {
		return -OCRE_ENOENT;
	}
	if (c->state == OCRE_STATE_RUNNING || c->state == OCRE_STATE_BACKOFF) {
		return -OCRE_EBUSY;
	}
	if (OCRE_WATCHDOG_MS > 0 && !supervisor_started) {
		if (ocre_port_thread_start(OCRE_SLOT_SUPERVISOR, supervisor_thread, NULL) != 0) {
			return -OCRE_ENOMEM;
		}
		supervisor_started = true;
	}
	c->stop_requested = false;
	c->failures = 0;
	c->instantiating = true;
	/* BACKOFF until its thread has instantiated the module: counts as "not finished". */
	set_state(c, OCRE_STATE_BACKOFF);
	if (ocre_port_thread_start(c->slot, container_thread, c) != 0) {
		c->instantiating = false;
		set_state(c, OCRE_STATE_EXITED);
		return -OCRE_ENOMEM;
	}
	return 0;
}

/*
 * One after another: each container's instantiation (its linear memory, app heap and stack
 * taken from the shared WAMR pool) completes before the next one starts, so the pool's layout
 * does not depend on how the threads interleave.
 */
int ocre_start_all(void)
{
	int first_err = 0;

	for (int i = 0; i < OCRE_MAX_CONTAINERS; i++) {
		struct ocre_container *c = &ocre_containers[i];

		if (!c->used || c->state != OCRE_STATE_CREATED) {
			continue;
		}
		int ret = ocre_container_start(i);

		if (ret != 0) {
			if (first_err == 0) {
				first_err = ret;
			}
			continue;
		}
		/* run_once wakes this slot once the instantiation is done */
		while (c->instantiating) {
			(void)ocre_port_wait(OCRE_SLOT_MAIN, OCRE_PORT_FOREVER);
		}
	}
	return first_err;
}

static bool all_finished(void)
{
	for (int i = 0; i < OCRE_MAX_CONTAINERS; i++) {
		const struct ocre_container *c = &ocre_containers[i];

		if (c->used && (c->state == OCRE_STATE_RUNNING || c->state == OCRE_STATE_BACKOFF)) {
			return false;
		}
	}
	return true;
}

int ocre_wait_all(void)
{
	/* every container thread wakes this slot when it finishes */
	while (!all_finished()) {
		(void)ocre_port_wait(OCRE_SLOT_MAIN, OCRE_PORT_FOREVER);
	}
	return have_failure ? first_failure : 0;
}

int ocre_container_stop(int id)
{
	struct ocre_container *c = get(id);

	if (c == NULL) {
		return -OCRE_ENOENT;
	}
	c->stop_requested = true;
	ocre_port_mutex_lock(c->slot);
	if (c->state == OCRE_STATE_RUNNING && !c->killed) {
		c->killed = true;
		ocre_engine_terminate(c);
	}
	ocre_port_mutex_unlock(c->slot);
	ocre_port_wake(c->slot); /* cut a sleep or a back-off short */
	/* The container's thread gives its "done" semaphore as it finishes: no polling. */
	while (c->state == OCRE_STATE_RUNNING || c->state == OCRE_STATE_BACKOFF) {
		(void)ocre_port_wait(OCRE_SLOT_DONE(c->slot), OCRE_PORT_FOREVER);
	}
	ocre_port_wake(OCRE_SLOT_DONE(c->slot)); /* pass it on to a concurrent stopper */
	return 0;
}

int ocre_container_restart(int id)
{
	int ret = ocre_container_stop(id);

	return ret != 0 ? ret : ocre_container_start(id);
}

int ocre_container_destroy(int id)
{
	int ret = ocre_container_stop(id);

	if (ret != 0) {
		return ret;
	}
	struct ocre_container *c = &ocre_containers[id];

	ocre_engine_unload(c);
	unsigned int key = ocre_port_lock();

	c->used = false;
	ocre_port_unlock(key);
	return 0;
}

int ocre_container_find(const char *name)
{
	if (name == NULL) {
		return -OCRE_EINVAL;
	}
	for (int i = 0; i < OCRE_MAX_CONTAINERS; i++) {
		if (ocre_containers[i].used && strcmp(ocre_containers[i].meta.name, name) == 0) {
			return i;
		}
	}
	return -OCRE_ENOENT;
}

int ocre_container_status(int id, struct ocre_container_status *out)
{
	struct ocre_container *c = get(id);

	if (c == NULL || out == NULL) {
		return -OCRE_ENOENT;
	}
	out->name = c->meta.name;
	out->state = c->state;
	out->exit_code = c->exit_code;
	out->restarts = c->restarts;
	out->events_dropped = c->events.dropped;
	out->events_dropped_total = c->dropped_total;
	out->memory_high_water = c->mem_high_water;
	out->run_ms = c->state == OCRE_STATE_RUNNING ? ocre_port_uptime_ms() - c->started_ms : 0;
	out->trap_reason = c->trap_reason;
	out->wakeups = c->wakeups;
	out->latency_count = c->lat_count;
	out->latency_max_us = c->lat_max_us;
	out->latency_avg_us = c->lat_count > 0 ? (uint32_t)(c->lat_sum_us / c->lat_count) : 0;
	return 0;
}
