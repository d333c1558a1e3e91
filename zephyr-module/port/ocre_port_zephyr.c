/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The Zephyr port of the Ocre shim: k_timer, k_sem, k_mutex, one k_thread per container with
 * a stack from Kconfig, a spinlock for the core's short critical sections (timer callbacks
 * run in interrupt context), GPIO through devicetree controllers and aliases, sensors through
 * the sensor API, printk for container output and the logging subsystem.
 *
 * Every object is initialised before main() runs (SYS_INIT): nothing is created lazily, so
 * two container threads can never race to initialise one. Interrupt handlers only hand off:
 * a k_timer expiry queues an event; a GPIO edge records the line and submits a work item,
 * which reads the level (gpio_pin_get may block on an I2C expander) in thread context. The
 * port changes no global scheduler setting: time slicing between the container threads,
 * which share one priority, is the application's choice (CONFIG_TIMESLICING, docs/shim.md).
 */

#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/device.h>
#include <zephyr/devicetree.h>
#include <zephyr/logging/log.h>
#include <zephyr/sys/printk.h>

#ifdef CONFIG_OCRE_GPIO
#include <zephyr/drivers/gpio.h>
#endif
#ifdef CONFIG_OCRE_SENSORS
#include <zephyr/drivers/sensor.h>
#endif

#include "ocre_compat.h"

#if OCRE_HAS_SYS_RAND
#include <zephyr/random/random.h>
#endif

#include "ocre_internal.h"

LOG_MODULE_REGISTER(ocre, CONFIG_OCRE_LOG_LEVEL);

/* ---- time ----------------------------------------------------------------------------------- */

uint64_t ocre_port_uptime_ms(void)
{
	return (uint64_t)k_uptime_get();
}

uint64_t ocre_port_monotonic_ns(void)
{
	return k_ticks_to_ns_floor64(k_uptime_ticks());
}

uint64_t ocre_port_realtime_ns(void)
{
	/* No wall clock is assumed: time since boot, as the minimal WASI documents. */
	return ocre_port_monotonic_ns();
}

uint32_t ocre_port_cycles(void)
{
	return k_cycle_get_32();
}

uint32_t ocre_port_cycles_to_us(uint32_t cycles)
{
	return (uint32_t)k_cyc_to_us_floor64(cycles);
}

#if defined(CONFIG_OCRE_RANDOM_XORSHIFT)
/* Chosen explicitly (CONFIG_OCRE_RANDOM_XORSHIFT): predictable, never for keys or nonces. */
static struct k_spinlock xorshift_lock;
static uint32_t xorshift_state;

static int xorshift_init(void)
{
	xorshift_state = k_cycle_get_32() | 1u;
	LOG_WRN("random_get uses xorshift seeded from the cycle counter: NOT cryptographically "
		"secure (CONFIG_OCRE_RANDOM_XORSHIFT)");
	return 0;
}
SYS_INIT(xorshift_init, APPLICATION, 0);
#endif

int ocre_port_random(void *buf, size_t len)
{
#if defined(CONFIG_OCRE_RANDOM_SYS_RAND) && OCRE_HAS_SYS_RAND
	sys_rand_get(buf, len);
	return 0;
#elif defined(CONFIG_OCRE_RANDOM_XORSHIFT)
	uint8_t *p = buf;
	k_spinlock_key_t key = k_spin_lock(&xorshift_lock);

	for (size_t i = 0; i < len; i++) {
		xorshift_state ^= xorshift_state << 13;
		xorshift_state ^= xorshift_state >> 17;
		xorshift_state ^= xorshift_state << 5;
		p[i] = (uint8_t)xorshift_state;
	}
	k_spin_unlock(&xorshift_lock, key);
	return 0;
#else
	ARG_UNUSED(buf), ARG_UNUSED(len);
	return -ENOTSUP; /* no entropy source configured: random_get answers an error */
#endif
}

/* ---- lock, semaphores, mutexes, threads ---------------------------------------------------- */

static struct k_spinlock core_lock;

unsigned int ocre_port_lock(void)
{
	k_spinlock_key_t key = k_spin_lock(&core_lock);

	return (unsigned int)key.key;
}

void ocre_port_unlock(unsigned int key)
{
	k_spinlock_key_t k = {.key = (int)key};

	k_spin_unlock(&core_lock, k);
}

static struct k_sem sems[OCRE_SLOT_COUNT];
static struct k_mutex mutexes[OCRE_SLOT_COUNT];

static void timers_init(void);
static void gpio_init(void);

/* Before any thread can call into the core (main runs after every SYS_INIT level). */
static int port_init(void)
{
	for (int i = 0; i < OCRE_SLOT_COUNT; i++) {
		k_sem_init(&sems[i], 0, 1);
		k_mutex_init(&mutexes[i]);
	}
	timers_init();
	gpio_init();
	return 0;
}
SYS_INIT(port_init, POST_KERNEL, 0);

int ocre_port_wait(unsigned int slot, uint32_t timeout_ms)
{
	return k_sem_take(&sems[slot],
			  timeout_ms == OCRE_PORT_FOREVER ? K_FOREVER : K_MSEC(timeout_ms));
}

void ocre_port_wake(unsigned int slot)
{
	k_sem_give(&sems[slot]);
}

void ocre_port_yield(void)
{
	k_yield();
}

void ocre_port_sleep_ms(uint32_t ms)
{
	k_msleep((int32_t)ms);
}

void ocre_port_mutex_lock(unsigned int slot)
{
	(void)k_mutex_lock(&mutexes[slot], K_FOREVER);
}

void ocre_port_mutex_unlock(unsigned int slot)
{
	(void)k_mutex_unlock(&mutexes[slot]);
}

#define SUPERVISOR_STACK_SIZE 1536

K_THREAD_STACK_ARRAY_DEFINE(container_stacks, CONFIG_OCRE_MAX_CONTAINERS,
			    CONFIG_OCRE_CONTAINER_THREAD_STACK_SIZE);
K_THREAD_STACK_DEFINE(supervisor_stack, SUPERVISOR_STACK_SIZE);
static struct k_thread threads[CONFIG_OCRE_MAX_CONTAINERS + 1];
static bool thread_started[CONFIG_OCRE_MAX_CONTAINERS + 1];

static void thread_entry(void *entry, void *arg, void *unused)
{
	ARG_UNUSED(unused);
	((void (*)(void *))entry)(arg);
}

int ocre_port_thread_start(unsigned int slot, void (*entry)(void *arg), void *arg)
{
	if (slot > CONFIG_OCRE_MAX_CONTAINERS) {
		return -EINVAL;
	}
	/* A slot's previous thread has finished its entry; make sure it is gone before reuse. */
	if (thread_started[slot]) {
		(void)k_thread_join(&threads[slot], K_FOREVER);
	}
	bool sup = slot == CONFIG_OCRE_MAX_CONTAINERS;
	k_thread_stack_t *stack = sup ? supervisor_stack : container_stacks[slot];
	size_t size = sup ? K_THREAD_STACK_SIZEOF(supervisor_stack)
			  : K_THREAD_STACK_SIZEOF(container_stacks[slot]);
	/* The supervisor (watchdog) must preempt a container stuck in a loop. */
	int prio = sup ? CONFIG_OCRE_CONTAINER_THREAD_PRIORITY - 1
		       : CONFIG_OCRE_CONTAINER_THREAD_PRIORITY;
	k_tid_t tid = k_thread_create(&threads[slot], stack, size, thread_entry, (void *)entry, arg,
				      NULL, prio, 0, K_NO_WAIT);

	if (sup) {
		k_thread_name_set(tid, "ocre_supervisor");
	} else if (arg != NULL) {
		k_thread_name_set(tid, ((struct ocre_container *)arg)->meta.name);
	}
	thread_started[slot] = true;
	return 0;
}

/* ---- timers ------------------------------------------------------------------------------ */

#define TIMER_SLOTS (CONFIG_OCRE_MAX_CONTAINERS * OCRE_MAX_TIMERS)

#ifdef CONFIG_OCRE_TIMERS
static struct k_timer timers[TIMER_SLOTS];

/* Interrupt context: the core only queues the event and gives the container's semaphore. */
static void timer_expired(struct k_timer *t)
{
	ocre_core_timer_expired((unsigned int)(t - timers));
}

static void timers_init(void)
{
	for (int i = 0; i < TIMER_SLOTS; i++) {
		k_timer_init(&timers[i], timer_expired, NULL);
	}
}

int ocre_port_timer_start(unsigned int slot, uint32_t interval_ms, bool periodic)
{
	if (slot >= TIMER_SLOTS) {
		return -EINVAL;
	}
	k_timer_start(&timers[slot], K_MSEC(interval_ms),
		      periodic ? K_MSEC(interval_ms) : K_NO_WAIT);
	return 0;
}

void ocre_port_timer_stop(unsigned int slot)
{
	if (slot < TIMER_SLOTS) {
		k_timer_stop(&timers[slot]);
	}
}

uint32_t ocre_port_timer_remaining_ms(unsigned int slot)
{
	return slot < TIMER_SLOTS ? k_timer_remaining_get(&timers[slot]) : 0;
}
#else
static void timers_init(void)
{
}

int ocre_port_timer_start(unsigned int slot, uint32_t interval_ms, bool periodic)
{
	ARG_UNUSED(slot), ARG_UNUSED(interval_ms), ARG_UNUSED(periodic);
	return -ENOTSUP;
}

void ocre_port_timer_stop(unsigned int slot)
{
	ARG_UNUSED(slot);
}

uint32_t ocre_port_timer_remaining_ms(unsigned int slot)
{
	ARG_UNUSED(slot);
	return 0;
}
#endif

/* ---- GPIO: controllers in devicetree order; names are the led/sw aliases ------------------- */

#ifdef CONFIG_OCRE_GPIO
#define GPIO_CTRL(node)                                                                            \
	COND_CODE_1(DT_NODE_HAS_PROP(node, gpio_controller), (DEVICE_DT_GET(node), ), ())

/* NULL-terminated: a board may have no GPIO controller (qemu_riscv32) or no alias. */
static const struct device *const gpio_ctrls[] = {DT_FOREACH_STATUS_OKAY_NODE(GPIO_CTRL) NULL};

#define GPIO_ALIAS(a)                                                                              \
	IF_ENABLED(DT_NODE_EXISTS(DT_ALIAS(a)), ({#a, GPIO_DT_SPEC_GET(DT_ALIAS(a), gpios)}, ))

static const struct {
	const char *name;
	struct gpio_dt_spec spec;
} gpio_aliases[] = {
	GPIO_ALIAS(led0) GPIO_ALIAS(led1) GPIO_ALIAS(led2) GPIO_ALIAS(led3) GPIO_ALIAS(sw0)
		GPIO_ALIAS(sw1) GPIO_ALIAS(sw2) GPIO_ALIAS(sw3){NULL, {0}},
};

#ifdef CONFIG_OCRE_GPIO_EVENTS
static struct gpio_callback gpio_cbs[ARRAY_SIZE(gpio_ctrls)];
static bool gpio_cb_added[ARRAY_SIZE(gpio_ctrls)];
static uint32_t gpio_irq_pins[ARRAY_SIZE(gpio_ctrls)];
/* Lines whose edge the ISR saw and the work item has not read yet, and when (cycles). */
static atomic_t gpio_pending[ARRAY_SIZE(gpio_ctrls)];
static uint32_t gpio_seen_at[ARRAY_SIZE(gpio_ctrls)];
/* Serialises callback registration (container threads). */
static K_MUTEX_DEFINE(gpio_mutex);
static struct k_work gpio_work;
#endif /* CONFIG_OCRE_GPIO_EVENTS */

static const struct device *gpio_dev(uint32_t port)
{
	for (uint32_t p = 0; gpio_ctrls[p] != NULL; p++) {
		if (p == port) {
			return device_is_ready(gpio_ctrls[p]) ? gpio_ctrls[p] : NULL;
		}
	}
	return NULL;
}

/* Flags (active level) of a pin that an alias describes, so "led0" honours ACTIVE_LOW. */
static gpio_dt_flags_t alias_flags(uint32_t port, uint32_t pin)
{
	for (size_t i = 0; gpio_aliases[i].name != NULL; i++) {
		if (gpio_aliases[i].spec.port == gpio_ctrls[port] &&
		    gpio_aliases[i].spec.pin == pin) {
			return gpio_aliases[i].spec.dt_flags;
		}
	}
	return 0;
}

int ocre_port_gpio_configure(uint32_t port, uint32_t pin, bool output)
{
	const struct device *dev = gpio_dev(port);

	if (dev == NULL) {
		return -ENODEV;
	}
	return gpio_pin_configure(dev, (gpio_pin_t)pin,
				  (output ? GPIO_OUTPUT_INACTIVE : GPIO_INPUT) |
					  alias_flags(port, pin));
}

int ocre_port_gpio_set(uint32_t port, uint32_t pin, bool level)
{
	const struct device *dev = gpio_dev(port);

	return dev == NULL ? -ENODEV : gpio_pin_set(dev, (gpio_pin_t)pin, level);
}

int ocre_port_gpio_get(uint32_t port, uint32_t pin)
{
	const struct device *dev = gpio_dev(port);

	return dev == NULL ? -ENODEV : gpio_pin_get(dev, (gpio_pin_t)pin);
}

int ocre_port_gpio_toggle(uint32_t port, uint32_t pin)
{
	const struct device *dev = gpio_dev(port);

	return dev == NULL ? -ENODEV : gpio_pin_toggle(dev, (gpio_pin_t)pin);
}

#ifdef CONFIG_OCRE_GPIO_EVENTS
/* Thread context (system work queue): reads the levels the ISR could not. */
static void gpio_work_handler(struct k_work *work)
{
	ARG_UNUSED(work);
	for (uint32_t port = 0; gpio_ctrls[port] != NULL; port++) {
		uint32_t pins = (uint32_t)atomic_clear(&gpio_pending[port]);
		uint32_t at = gpio_seen_at[port];

		for (uint32_t pin = 0; pins != 0 && pin < 32; pin++) {
			if ((pins & BIT(pin)) != 0) {
				int level = gpio_pin_get(gpio_ctrls[port], (gpio_pin_t)pin);

				ocre_core_gpio_changed_at(port, pin, level, at);
			}
		}
	}
}

/* Interrupt context: record which lines changed and hand off; no driver call, no log. */
static void gpio_isr(const struct device *dev, struct gpio_callback *cb, uint32_t pins)
{
	ARG_UNUSED(dev);
	uint32_t port = (uint32_t)(cb - gpio_cbs);

	gpio_seen_at[port] = k_cycle_get_32();
	(void)atomic_or(&gpio_pending[port], (atomic_val_t)pins);
	(void)k_work_submit(&gpio_work);
}

static void gpio_init(void)
{
	k_work_init(&gpio_work, gpio_work_handler);
	for (size_t p = 0; gpio_ctrls[p] != NULL; p++) {
		gpio_init_callback(&gpio_cbs[p], gpio_isr, 0);
	}
}

int ocre_port_gpio_irq(uint32_t port, uint32_t pin, bool enable)
{
	const struct device *dev = gpio_dev(port);

	if (dev == NULL) {
		return -ENODEV;
	}
	(void)k_mutex_lock(&gpio_mutex, K_FOREVER);
	if (enable && !gpio_cb_added[port]) {
		gpio_cb_added[port] = gpio_add_callback(dev, &gpio_cbs[port]) == 0;
	}
	int ret = gpio_pin_interrupt_configure(dev, (gpio_pin_t)pin,
					       enable ? GPIO_INT_EDGE_BOTH : GPIO_INT_DISABLE);

	if (enable && ret == -ENOTSUP) {
		/* Controllers without both-edge triggers (CMSDK): report edges to active only. */
		ret = gpio_pin_interrupt_configure(dev, (gpio_pin_t)pin, GPIO_INT_EDGE_TO_ACTIVE);
	}
	if (ret == 0 || !enable) {
		gpio_irq_pins[port] = enable ? gpio_irq_pins[port] | BIT(pin)
					     : gpio_irq_pins[port] & ~BIT(pin);
		gpio_cbs[port].pin_mask = gpio_irq_pins[port];
	}
	k_mutex_unlock(&gpio_mutex);
	return ret;
}

#ifdef CONFIG_OCRE_LATENCY_PROBE
/*
 * Measurement only: every CONFIG_OCRE_LATENCY_PROBE_GPIO_MS a k_timer interrupt calls the GPIO
 * callback for the first line a container watches, as the controller's interrupt would (QEMU
 * models no external input), so the whole path ISR -> work item -> event -> container runs.
 */
static void gpio_probe_fire(struct k_timer *t)
{
	ARG_UNUSED(t);
	for (uint32_t port = 0; gpio_ctrls[port] != NULL; port++) {
		uint32_t pins = gpio_irq_pins[port];

		if (pins != 0) {
			gpio_isr(gpio_ctrls[port], &gpio_cbs[port], pins & (~pins + 1u));
			return;
		}
	}
}

static K_TIMER_DEFINE(gpio_probe_timer, gpio_probe_fire, NULL);

static int gpio_probe_init(void)
{
	k_timer_start(&gpio_probe_timer, K_MSEC(CONFIG_OCRE_LATENCY_PROBE_GPIO_MS),
		      K_MSEC(CONFIG_OCRE_LATENCY_PROBE_GPIO_MS));
	return 0;
}
SYS_INIT(gpio_probe_init, APPLICATION, 0);
#endif
#else
/* Built without edge events (no container registers callbacks): no interrupt path at all. */
static void gpio_init(void)
{
}

int ocre_port_gpio_irq(uint32_t port, uint32_t pin, bool enable)
{
	ARG_UNUSED(port), ARG_UNUSED(pin), ARG_UNUSED(enable);
	return -ENOTSUP;
}
#endif /* CONFIG_OCRE_GPIO_EVENTS */

int ocre_port_gpio_lookup(const char *name, uint32_t *port, uint32_t *pin)
{
	for (size_t i = 0; gpio_aliases[i].name != NULL; i++) {
		if (strcmp(gpio_aliases[i].name, name) != 0) {
			continue;
		}
		for (uint32_t p = 0; gpio_ctrls[p] != NULL; p++) {
			if (gpio_ctrls[p] == gpio_aliases[i].spec.port) {
				*port = p;
				*pin = gpio_aliases[i].spec.pin;
				return 0;
			}
		}
	}
	return -ENOENT;
}

bool ocre_port_gpio_exists(uint32_t port, uint32_t pin)
{
	const struct device *dev = gpio_dev(port);

	if (dev == NULL || pin >= 32) {
		return false;
	}
	/* Every GPIO driver's config starts with the common part, as gpio.h relies on. */
	const struct gpio_driver_config *cfg = dev->config;

	return (cfg->port_pin_mask & BIT(pin)) != 0;
}
#else
int ocre_port_gpio_configure(uint32_t port, uint32_t pin, bool output)
{
	ARG_UNUSED(port), ARG_UNUSED(pin), ARG_UNUSED(output);
	return -ENOTSUP;
}

int ocre_port_gpio_set(uint32_t port, uint32_t pin, bool level)
{
	ARG_UNUSED(port), ARG_UNUSED(pin), ARG_UNUSED(level);
	return -ENOTSUP;
}

int ocre_port_gpio_get(uint32_t port, uint32_t pin)
{
	ARG_UNUSED(port), ARG_UNUSED(pin);
	return -ENOTSUP;
}

int ocre_port_gpio_toggle(uint32_t port, uint32_t pin)
{
	ARG_UNUSED(port), ARG_UNUSED(pin);
	return -ENOTSUP;
}

int ocre_port_gpio_irq(uint32_t port, uint32_t pin, bool enable)
{
	ARG_UNUSED(port), ARG_UNUSED(pin), ARG_UNUSED(enable);
	return -ENOTSUP;
}

int ocre_port_gpio_lookup(const char *name, uint32_t *port, uint32_t *pin)
{
	ARG_UNUSED(name), ARG_UNUSED(port), ARG_UNUSED(pin);
	return -ENOENT;
}

bool ocre_port_gpio_exists(uint32_t port, uint32_t pin)
{
	ARG_UNUSED(port), ARG_UNUSED(pin);
	return false;
}

static void gpio_init(void)
{
}
#endif /* CONFIG_OCRE_GPIO */

/* ---- sensors ----------------------------------------------------------------------------- */

#ifdef CONFIG_OCRE_SENSORS
#define MAX_SENSORS  8
#define MAX_CHANNELS 8

static const struct device *sensors[MAX_SENSORS];
static enum sensor_channel channels[MAX_SENSORS][MAX_CHANNELS];
static uint8_t nchannels[MAX_SENSORS];
static int nsensors;

/* Channels probed at discovery: the sensor API has no way to list them. */
static const enum sensor_channel probe[] = {
	SENSOR_CHAN_ACCEL_X,  SENSOR_CHAN_ACCEL_Y,  SENSOR_CHAN_ACCEL_Z,      SENSOR_CHAN_GYRO_X,
	SENSOR_CHAN_GYRO_Y,   SENSOR_CHAN_GYRO_Z,   SENSOR_CHAN_MAGN_X,       SENSOR_CHAN_MAGN_Y,
	SENSOR_CHAN_MAGN_Z,   SENSOR_CHAN_DIE_TEMP, SENSOR_CHAN_AMBIENT_TEMP, SENSOR_CHAN_PRESS,
	SENSOR_CHAN_HUMIDITY, SENSOR_CHAN_LIGHT,    SENSOR_CHAN_PROX,         SENSOR_CHAN_VOLTAGE,
};

/* Unused on a 3.7 board without sensor aliases. */
static __maybe_unused void add_sensor(const struct device *dev)
{
	if (nsensors >= MAX_SENSORS || !device_is_ready(dev)) {
		return;
	}
	int i = nsensors;
	struct sensor_value v;

	nchannels[i] = 0;
	if (sensor_sample_fetch(dev) == 0) {
		for (size_t c = 0; c < ARRAY_SIZE(probe) && nchannels[i] < MAX_CHANNELS; c++) {
			if (sensor_channel_get(dev, probe[c], &v) == 0) {
				channels[i][nchannels[i]++] = probe[c];
			}
		}
	}
	sensors[nsensors++] = dev;
}

#if !OCRE_HAS_DEVICE_API_IS
#define SENSOR_ALIAS(n)                                                                            \
	IF_ENABLED(DT_NODE_EXISTS(DT_ALIAS(sensor##n)),                                            \
		   (add_sensor(DEVICE_DT_GET(DT_ALIAS(sensor##n)));))
#endif

/* After every driver's init (APPLICATION level): the sensor table is fixed before main. */
static int discover(void)
{
	nsensors = 0;
#if OCRE_HAS_DEVICE_API_IS
	const struct device *devs;
	size_t n = z_device_get_all_static(&devs);

	for (size_t i = 0; i < n; i++) {
		if (DEVICE_API_IS(sensor, &devs[i])) {
			add_sensor(&devs[i]);
		}
	}
#else
	/* Zephyr 3.7 cannot tell a sensor among devices: the devicetree aliases sensor0..7 do. */
	SENSOR_ALIAS(0)
	SENSOR_ALIAS(1) SENSOR_ALIAS(2) SENSOR_ALIAS(3) SENSOR_ALIAS(4) SENSOR_ALIAS(5)
		SENSOR_ALIAS(6) SENSOR_ALIAS(7)
#endif
	return 0;
}
SYS_INIT(discover, APPLICATION, 0);

int ocre_port_sensor_count(void)
{
	return nsensors;
}

const char *ocre_port_sensor_name(int sensor)
{
	return sensor >= 0 && sensor < ocre_port_sensor_count() ? sensors[sensor]->name : NULL;
}

int ocre_port_sensor_channel_count(int sensor)
{
	return sensor >= 0 && sensor < ocre_port_sensor_count() ? nchannels[sensor] : -ENOENT;
}

int ocre_port_sensor_channel_type(int sensor, int channel)
{
	return (int)channels[sensor][channel];
}

int ocre_port_sensor_read(int sensor, int type, double *value)
{
	const struct device *dev = sensors[sensor];
	struct sensor_value v;
	int ret = sensor_sample_fetch(dev);

	if (ret == 0) {
		ret = sensor_channel_get(dev, (enum sensor_channel)type, &v);
	}
	if (ret == 0) {
		*value = sensor_value_to_double(&v);
	}
	return ret;
}
#else
int ocre_port_sensor_count(void)
{
	return 0;
}

const char *ocre_port_sensor_name(int sensor)
{
	ARG_UNUSED(sensor);
	return NULL;
}

int ocre_port_sensor_channel_count(int sensor)
{
	ARG_UNUSED(sensor);
	return -ENOENT;
}

int ocre_port_sensor_channel_type(int sensor, int channel)
{
	ARG_UNUSED(sensor), ARG_UNUSED(channel);
	return -ENOENT;
}

int ocre_port_sensor_read(int sensor, int type, double *value)
{
	ARG_UNUSED(sensor), ARG_UNUSED(type), ARG_UNUSED(value);
	return -ENOTSUP;
}
#endif /* CONFIG_OCRE_SENSORS */

/* ---- identity, console, log ---------------------------------------------------------------- */

/* Upstream Ocre 0.7's uname on Zephyr: "Project Ocre (Zephyr)", the node name, "<app version>
 * (<kernel version>)", the kernel version, the CPU, an empty domain name. */
#ifndef APP_VERSION_STRING
#define OCRE_UNAME_APP_VERSION "1.0.0" /* upstream's fallback without a VERSION file */
#else
#define OCRE_UNAME_APP_VERSION APP_VERSION_STRING
#endif
#if defined(CONFIG_NET_HOSTNAME_ENABLE)
#define OCRE_UNAME_NODE CONFIG_NET_HOSTNAME
#else
#define OCRE_UNAME_NODE "zephyr"
#endif
#if defined(CONFIG_CPU_CORTEX_M0)
#define OCRE_UNAME_MACHINE "ARM Cortex-M0"
#elif defined(CONFIG_CPU_CORTEX_M3)
#define OCRE_UNAME_MACHINE "ARM Cortex-M3"
#elif defined(CONFIG_CPU_CORTEX_M4)
#define OCRE_UNAME_MACHINE "ARM Cortex-M4"
#elif defined(CONFIG_CPU_CORTEX_M7)
#define OCRE_UNAME_MACHINE "ARM Cortex-M7"
#elif defined(CONFIG_CPU_CORTEX_M33)
#define OCRE_UNAME_MACHINE "ARM Cortex-M33"
#elif defined(CONFIG_CPU_CORTEX_M23)
#define OCRE_UNAME_MACHINE "ARM Cortex-M23"
#elif defined(CONFIG_CPU_CORTEX_M55)
#define OCRE_UNAME_MACHINE "ARM Cortex-M55"
#else
#define OCRE_UNAME_MACHINE CONFIG_ARCH
#endif

const char *ocre_port_uname_field(int field)
{
	static const char *const fields[] = {
		"Project Ocre (Zephyr)",
		OCRE_UNAME_NODE,
		OCRE_UNAME_APP_VERSION " (" KERNEL_VERSION_STRING ")",
		KERNEL_VERSION_STRING,
		OCRE_UNAME_MACHINE,
	};

	return field >= 0 && field < (int)ARRAY_SIZE(fields) ? fields[field] : "";
}

void ocre_port_console_write(const char *buf, size_t len)
{
	printk("%.*s", (int)len, buf);
}

void ocre_port_vlog(enum ocre_log_level level, const char *fmt, va_list ap)
{
	char line[128];

	vsnprintk(line, sizeof(line), fmt, ap);
	switch (level) {
	case OCRE_LOG_ERR:
		LOG_ERR("%s", line);
		break;
	case OCRE_LOG_WRN:
		LOG_WRN("%s", line);
		break;
	case OCRE_LOG_INF:
		LOG_INF("%s", line);
		break;
	default:
		LOG_DBG("%s", line);
		break;
	}
}
