/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The POSIX port: pthreads, clock_gettime, and simulated GPIO and sensors, so that the core
 * runs on a Linux host (the C unit tests, and anyone embedding the core off-target).
 * Simulated hardware is inspected and driven through ocre_port_posix.h.
 */

/* Guarded: builds such as WAMR's Linux platform pass -D_GNU_SOURCE already. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <sys/utsname.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ocre_port_posix.h"

#include "../../src/ocre_internal.h"

/* ---- time --------------------------------------------------------------------------------- */

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t ocre_port_uptime_ms(void)
{
	return clock_ns(CLOCK_MONOTONIC) / 1000000u;
}

uint64_t ocre_port_monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t ocre_port_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

uint32_t ocre_port_cycles(void)
{
	return (uint32_t)(clock_ns(CLOCK_MONOTONIC) / 1000u); /* a "cycle" is a microsecond */
}

uint32_t ocre_port_cycles_to_us(uint32_t cycles)
{
	return cycles;
}

int ocre_port_random(void *buf, size_t len)
{
	FILE *f = fopen("/dev/urandom", "rb");

	if (f == NULL) {
		return -EIO;
	}
	size_t n = fread(buf, 1, len, f);

	fclose(f);
	return n == len ? 0 : -EIO;
}

static void deadline_after(struct timespec *ts, uint32_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000u;
	ts->tv_nsec += (long)(ms % 1000u) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* ---- lock, semaphores, mutexes, threads ---------------------------------------------------- */

static pthread_mutex_t big_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local bool holding_lock;
static unsigned int wait_returns[OCRE_SLOT_COUNT];
static unsigned int sleep_calls;

unsigned int ocre_port_lock(void)
{
	pthread_mutex_lock(&big_lock);
	holding_lock = true;
	return 0;
}

void ocre_port_unlock(unsigned int key)
{
	(void)key;
	holding_lock = false;
	pthread_mutex_unlock(&big_lock);
}

bool ocre_posix_in_lock(void)
{
	return holding_lock;
}

unsigned int ocre_posix_wait_returns(unsigned int slot)
{
	return slot < OCRE_SLOT_COUNT ? __atomic_load_n(&wait_returns[slot], __ATOMIC_RELAXED) : 0;
}

unsigned int ocre_posix_sleep_calls(void)
{
	return __atomic_load_n(&sleep_calls, __ATOMIC_RELAXED);
}

struct sem {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool given;
	bool inited;
};

static struct sem sems[OCRE_SLOT_COUNT];
static pthread_mutex_t slot_mutexes[OCRE_SLOT_COUNT];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_objects(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	for (int i = 0; i < OCRE_SLOT_COUNT; i++) {
		pthread_mutex_init(&sems[i].mu, NULL);
		pthread_cond_init(&sems[i].cv, &attr);
		pthread_mutex_init(&slot_mutexes[i], NULL);
	}
	pthread_condattr_destroy(&attr);
}

int ocre_port_wait(unsigned int slot, uint32_t timeout_ms)
{
	pthread_once(&once, init_objects);
	struct sem *s = &sems[slot];
	struct timespec until;
	int ret = 0;

	deadline_after(&until, timeout_ms == OCRE_PORT_FOREVER ? 86400000u : timeout_ms);
	pthread_mutex_lock(&s->mu);
	while (!s->given && ret == 0) {
		ret = pthread_cond_timedwait(&s->cv, &s->mu, &until);
	}
	bool woken = s->given;

	s->given = false;
	pthread_mutex_unlock(&s->mu);
	__atomic_fetch_add(&wait_returns[slot], 1, __ATOMIC_RELAXED);
	return woken ? 0 : -EAGAIN;
}

void ocre_port_wake(unsigned int slot)
{
	pthread_once(&once, init_objects);
	struct sem *s = &sems[slot];

	pthread_mutex_lock(&s->mu);
	s->given = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void ocre_port_yield(void)
{
	sched_yield();
}

static void sleep_ms(uint32_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

void ocre_port_sleep_ms(uint32_t ms)
{
	__atomic_fetch_add(&sleep_calls, 1, __ATOMIC_RELAXED);
	sleep_ms(ms);
}

void ocre_port_mutex_lock(unsigned int slot)
{
	pthread_once(&once, init_objects);
	pthread_mutex_lock(&slot_mutexes[slot]);
}

void ocre_port_mutex_unlock(unsigned int slot)
{
	pthread_mutex_unlock(&slot_mutexes[slot]);
}

struct thread_start {
	void (*entry)(void *arg);
	void *arg;
};

static void *thread_main(void *p)
{
	struct thread_start st = *(struct thread_start *)p;

	free(p);
	st.entry(st.arg);
	return NULL;
}

int ocre_port_thread_start(unsigned int slot, void (*entry)(void *arg), void *arg)
{
	pthread_t t;
	struct thread_start *st = malloc(sizeof(*st));

	(void)slot;
	if (st == NULL) {
		return -ENOMEM;
	}
	st->entry = entry;
	st->arg = arg;
	if (pthread_create(&t, NULL, thread_main, st) != 0) {
		free(st);
		return -ENOMEM;
	}
	pthread_detach(t);
	return 0;
}

/* ---- timers: one thread scans deadlines every millisecond -------------------------------- */

#define TIMER_SLOTS (OCRE_MAX_CONTAINERS * OCRE_MAX_TIMERS)

static struct {
	bool armed;
	bool periodic;
	uint32_t interval;
	uint64_t due;
} timers[TIMER_SLOTS];
static pthread_mutex_t timer_mu = PTHREAD_MUTEX_INITIALIZER;
static bool timer_thread_running;

static void *timer_thread(void *p)
{
	(void)p;
	for (;;) {
		sleep_ms(1); /* the port's own tick: not a poll by the runtime (sleep_calls) */
		uint64_t now = ocre_port_uptime_ms();

		for (unsigned int i = 0; i < TIMER_SLOTS; i++) {
			bool fire = false;

			pthread_mutex_lock(&timer_mu);
			if (timers[i].armed && now >= timers[i].due) {
				fire = true;
				if (timers[i].periodic) {
					timers[i].due += timers[i].interval;
				} else {
					timers[i].armed = false;
				}
			}
			pthread_mutex_unlock(&timer_mu);
			if (fire) {
				ocre_core_timer_expired(i);
			}
		}
	}
	return NULL;
}

int ocre_port_timer_start(unsigned int slot, uint32_t interval_ms, bool periodic)
{
	if (slot >= TIMER_SLOTS) {
		return -EINVAL;
	}
	pthread_mutex_lock(&timer_mu);
	if (!timer_thread_running) {
		pthread_t t;

		timer_thread_running = pthread_create(&t, NULL, timer_thread, NULL) == 0;
		if (timer_thread_running) {
			pthread_detach(t);
		}
	}
	timers[slot].armed = true;
	timers[slot].periodic = periodic;
	timers[slot].interval = interval_ms;
	timers[slot].due = ocre_port_uptime_ms() + interval_ms;
	pthread_mutex_unlock(&timer_mu);
	return timer_thread_running ? 0 : -ENOMEM;
}

void ocre_port_timer_stop(unsigned int slot)
{
	if (slot >= TIMER_SLOTS) {
		return;
	}
	pthread_mutex_lock(&timer_mu);
	timers[slot].armed = false;
	pthread_mutex_unlock(&timer_mu);
}

uint32_t ocre_port_timer_remaining_ms(unsigned int slot)
{
	uint32_t left = 0;

	if (slot >= TIMER_SLOTS) {
		return 0;
	}
	pthread_mutex_lock(&timer_mu);
	if (timers[slot].armed) {
		uint64_t now = ocre_port_uptime_ms();

		left = timers[slot].due > now ? (uint32_t)(timers[slot].due - now) : 0;
	}
	pthread_mutex_unlock(&timer_mu);
	return left;
}

/* ---- simulated GPIO: OCRE_POSIX_GPIO_PORTS ports of 32 pins ------------------------------- */

static struct {
	uint32_t output;
	uint32_t level;
	uint32_t irq;
} gpio[OCRE_POSIX_GPIO_PORTS];

static const struct {
	const char *name;
	uint32_t port;
	uint32_t pin;
} gpio_names[] = {
	{"led0", 0, 0},
	{"led1", 0, 1},
	{"sw0", 1, 0},
	{"sw1", 1, 1},
};

int ocre_port_gpio_configure(uint32_t port, uint32_t pin, bool output)
{
	if (port >= OCRE_POSIX_GPIO_PORTS) {
		return -ENODEV;
	}
	if (output) {
		gpio[port].output |= 1u << pin;
	} else {
		gpio[port].output &= ~(1u << pin);
	}
	return 0;
}

int ocre_port_gpio_set(uint32_t port, uint32_t pin, bool level)
{
	if (port >= OCRE_POSIX_GPIO_PORTS || !(gpio[port].output & (1u << pin))) {
		return -ENODEV;
	}
	ocre_posix_gpio_drive(port, pin, level);
	return 0;
}

int ocre_port_gpio_get(uint32_t port, uint32_t pin)
{
	if (port >= OCRE_POSIX_GPIO_PORTS) {
		return -ENODEV;
	}
	return (gpio[port].level >> pin) & 1u;
}

int ocre_port_gpio_toggle(uint32_t port, uint32_t pin)
{
	if (port >= OCRE_POSIX_GPIO_PORTS || !(gpio[port].output & (1u << pin))) {
		return -ENODEV;
	}
	ocre_posix_gpio_drive(port, pin, !((gpio[port].level >> pin) & 1u));
	return 0;
}

int ocre_port_gpio_irq(uint32_t port, uint32_t pin, bool enable)
{
	if (port >= OCRE_POSIX_GPIO_PORTS) {
		return -ENODEV;
	}
	if (enable) {
		gpio[port].irq |= 1u << pin;
	} else {
		gpio[port].irq &= ~(1u << pin);
	}
	return 0;
}

int ocre_port_gpio_lookup(const char *name, uint32_t *port, uint32_t *pin)
{
	for (size_t i = 0; i < sizeof(gpio_names) / sizeof(gpio_names[0]); i++) {
		if (strcmp(gpio_names[i].name, name) == 0) {
			*port = gpio_names[i].port;
			*pin = gpio_names[i].pin;
			return 0;
		}
	}
	return -ENOENT;
}

bool ocre_port_gpio_exists(uint32_t port, uint32_t pin)
{
	return port < OCRE_POSIX_GPIO_PORTS && pin < 32;
}

void ocre_posix_gpio_drive(uint32_t port, uint32_t pin, bool level)
{
	uint32_t bit = 1u << pin;
	bool was = (gpio[port].level & bit) != 0;

	gpio[port].level = level ? gpio[port].level | bit : gpio[port].level & ~bit;
	if (was != level && (gpio[port].irq & bit)) {
		ocre_core_gpio_changed(port, pin, level);
	}
}

bool ocre_posix_gpio_irq_enabled(uint32_t port, uint32_t pin)
{
	return port < OCRE_POSIX_GPIO_PORTS && (gpio[port].irq & (1u << pin)) != 0;
}

/* ---- simulated sensors ---------------------------------------------------------------------- */

static const struct {
	const char *name;
	int channels[3];
	int nchannels;
} sensors[] = {
	{"sim_temp", {13}, 1},       /* ambient temperature */
	{"sim_accel", {0, 1, 2}, 3}, /* accel x, y, z */
};
#define NSENSORS ((int)(sizeof(sensors) / sizeof(sensors[0])))

int ocre_port_sensor_count(void)
{
	return NSENSORS;
}

const char *ocre_port_sensor_name(int sensor)
{
	return sensor >= 0 && sensor < NSENSORS ? sensors[sensor].name : NULL;
}

int ocre_port_sensor_channel_count(int sensor)
{
	return sensor >= 0 && sensor < NSENSORS ? sensors[sensor].nchannels : -ENOENT;
}

int ocre_port_sensor_channel_type(int sensor, int channel)
{
	return sensors[sensor].channels[channel];
}

int ocre_port_sensor_read(int sensor, int type, double *value)
{
	/* Deterministic values a test can predict: sensor * 100 + channel type + 0.5. */
	*value = sensor * 100.0 + type + 0.5;
	return 0;
}

/* ---- identity, console, log ---------------------------------------------------------------- */

/* Upstream Ocre 0.7's uname on Linux: "Project Ocre (<sysname>)", the host's node name,
 * "<app version> (<release>)", its version and machine, an empty domain name. */
static char uname_fields[5][OCRE_UNAME_FIELD_BYTES];

static void uname_fill(void)
{
	struct utsname u;

	if (uname(&u) != 0) {
		memset(&u, 0, sizeof(u));
	}
	snprintf(uname_fields[0], OCRE_UNAME_FIELD_BYTES, "Project Ocre (%s)", u.sysname);
	snprintf(uname_fields[1], OCRE_UNAME_FIELD_BYTES, "%s", u.nodename);
	snprintf(uname_fields[2], OCRE_UNAME_FIELD_BYTES, "1.0.0 (%s)", u.release);
	snprintf(uname_fields[3], OCRE_UNAME_FIELD_BYTES, "%s", u.version);
	snprintf(uname_fields[4], OCRE_UNAME_FIELD_BYTES, "%s", u.machine);
}

const char *ocre_port_uname_field(int field)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	(void)pthread_once(&once, uname_fill);
	return field >= 0 && field < 5 ? uname_fields[field] : "";
}

static pthread_mutex_t console_mu = PTHREAD_MUTEX_INITIALIZER;
static ocre_posix_console_hook console_hook;

void ocre_posix_set_console_hook(ocre_posix_console_hook hook)
{
	console_hook = hook;
}

void ocre_port_console_write(const char *buf, size_t len)
{
	pthread_mutex_lock(&console_mu);
	if (console_hook != NULL) {
		console_hook(buf, len);
	} else {
		fwrite(buf, 1, len, stdout);
		fflush(stdout);
	}
	pthread_mutex_unlock(&console_mu);
}

static ocre_posix_log_hook log_hook;

void ocre_posix_set_log_hook(ocre_posix_log_hook hook)
{
	log_hook = hook;
}

void ocre_port_vlog(enum ocre_log_level level, const char *fmt, va_list ap)
{
	static const char *const names[] = {"", "err", "wrn", "inf", "dbg"};
	char line[256];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_hook != NULL) {
		log_hook(level, line);
		return;
	}
	fprintf(stderr, "[ocre %s] %s\n", names[level <= OCRE_LOG_DBG ? level : 0], line);
}
