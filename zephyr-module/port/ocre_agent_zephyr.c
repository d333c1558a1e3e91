/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The device agent in Zephyr firmware (ocre_agent_zephyr.h): the store in the "ocre_store"
 * partition, a thread that judges trials every OCRE_AGENT_POLL_MS, and the mutex that makes
 * the agent (not reentrant) safe for several transports. Trials are judged in a thread, never
 * from a timer or an ISR: a rollback stops a container and loads another from flash.
 */

#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>

#include <ocre/ocre_agent.h>
#include <ocre/ocre_smp.h>

#include "ocre_agent_zephyr.h"
#include "ocre_internal.h"

LOG_MODULE_REGISTER(ocre_agent, CONFIG_LOG_DEFAULT_LEVEL);

/* docs/deploy.md promises a trial decision within 100 ms of its deadline. */
#define OCRE_AGENT_POLL_MS 100

static K_MUTEX_DEFINE(agent_lock);
static struct ocre_store store;
static bool ready;

K_THREAD_STACK_DEFINE(trial_stack, CONFIG_OCRE_AGENT_THREAD_STACK_SIZE);
static struct k_thread trial_thread;

static void trial_entry(void *a, void *b, void *c)
{
	ARG_UNUSED(a);
	ARG_UNUSED(b);
	ARG_UNUSED(c);

	for (;;) {
		k_msleep(OCRE_AGENT_POLL_MS);
		(void)k_mutex_lock(&agent_lock, K_FOREVER);
		ocre_agent_poll();
		(void)k_mutex_unlock(&agent_lock);
	}
}

int ocre_agent_zephyr_init(void)
{
	const struct ocre_agent_config cfg = {
		.store = &store,
		.run = true,
		.allow_tags = IS_ENABLED(CONFIG_OCRE_AGENT_PULL_TAGS),
	};
	int ret;

	if (ready) { /* a second call */
		return -OCRE_EBUSY;
	}
	ret = ocre_store_zephyr_open(&store, CONFIG_OCRE_AGENT_SLOTS);
	if (ret != 0) {
		LOG_ERR("store: partition ocre_store unusable (%d)", ret);
		return ret;
	}
	(void)k_mutex_lock(&agent_lock, K_FOREVER);
	ret = ocre_agent_init(&cfg);
	ready = ret == 0;
	(void)k_mutex_unlock(&agent_lock);
	if (ret != 0) {
		LOG_ERR("agent: start failed (%d)", ret);
		return ret;
	}
	(void)k_thread_create(&trial_thread, trial_stack, K_THREAD_STACK_SIZEOF(trial_stack),
			      trial_entry, NULL, NULL, NULL, CONFIG_OCRE_AGENT_THREAD_PRIORITY, 0,
			      K_NO_WAIT);
	k_thread_name_set(&trial_thread, "ocre_agent");
#if defined(CONFIG_OCRE_AGENT_TCP)
	ret = ocre_agent_zephyr_tcp_start();
	if (ret != 0) {
		LOG_ERR("agent: TCP transport failed (%d)", ret);
		return ret;
	}
#endif
#if defined(CONFIG_OCRE_AGENT_SERIAL)
	ret = ocre_agent_zephyr_serial_start();
	if (ret != 0) {
		LOG_ERR("agent: serial transport failed (%d)", ret);
		return ret;
	}
#endif
	return 0;
}

int ocre_agent_zephyr_smp(const uint8_t *req, size_t req_len, uint8_t *rsp, size_t rsp_cap,
			  size_t *rsp_len)
{
	if (req == NULL || rsp == NULL || rsp_len == NULL || rsp_cap < OCRE_SMP_MAX_FRAME) {
		return -OCRE_EINVAL;
	}
	*rsp_len = 0;
	(void)k_mutex_lock(&agent_lock, K_FOREVER);
	if (!ready) {
		(void)k_mutex_unlock(&agent_lock);
		return -OCRE_ENODEV;
	}
	*rsp_len = ocre_smp_handle(req, req_len, rsp, rsp_cap);
	(void)k_mutex_unlock(&agent_lock);
	return 0;
}
