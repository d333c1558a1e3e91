/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The device agent's serial transport (CONFIG_OCRE_AGENT_SERIAL): MCUmgr's SMP serial framing
 * (ocre_smp_serial_feed/encode, docs/deploy.md) on the console UART, or on the UART chosen as
 * "ocre,smp-uart". Frames are lines that start with 0x06 0x09 or 0x04 0x14; every other line
 * is ignored, so the console keeps printing logs and container output around them.
 *
 * The UART interrupt only moves received bytes into a ring buffer and wakes the thread; the
 * thread reassembles frames, hands each to ocre_agent_zephyr_smp (which may write flash and
 * verify a signature) and writes the framed answer a line at a time with the scheduler locked,
 * so that no other thread's printk lands in the middle of a line.
 */

#include <zephyr/device.h>
#include <zephyr/drivers/uart.h>
#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/sys/atomic.h>
#include <zephyr/sys/ring_buffer.h>

#include <ocre/ocre_smp.h>

#include "ocre_agent_zephyr.h"
#include "ocre_internal.h"

LOG_MODULE_REGISTER(ocre_smp_uart, CONFIG_LOG_DEFAULT_LEVEL);

#if DT_HAS_CHOSEN(ocre_smp_uart)
#define OCRE_SMP_UART_NODE DT_CHOSEN(ocre_smp_uart)
#else
#define OCRE_SMP_UART_NODE DT_CHOSEN(zephyr_console)
#endif

/*
 * Zephyr's serial shell owns its UART's receive interrupt: the two cannot share one (Zephyr's
 * own MCUmgr shell transport is the way to combine them, docs/deploy.md says why ocre does not
 * use it). Put the shell on another UART, or the agent there with the "ocre,smp-uart" chosen.
 */
#if defined(CONFIG_SHELL_BACKEND_SERIAL) && DT_HAS_CHOSEN(zephyr_shell_uart)
BUILD_ASSERT(!DT_SAME_NODE(DT_CHOSEN(zephyr_shell_uart), OCRE_SMP_UART_NODE),
	     "CONFIG_OCRE_AGENT_SERIAL and the serial shell use the same UART: choose "
	     "another for one of them (chosen ocre,smp-uart or zephyr,shell-uart)");
#endif

static const struct device *const uart = DEVICE_DT_GET(OCRE_SMP_UART_NODE);

RING_BUF_DECLARE(rx_ring, CONFIG_OCRE_AGENT_SERIAL_RX_BUF_SIZE);
static K_SEM_DEFINE(rx_sem, 0, 1);
static atomic_t rx_dropped;

static struct ocre_smp_serial_rx rx;
static uint8_t rsp[OCRE_SMP_MAX_FRAME];
static uint8_t tx[OCRE_SMP_SERIAL_MAX];

K_THREAD_STACK_DEFINE(serial_stack, CONFIG_OCRE_AGENT_SERIAL_STACK_SIZE);
static struct k_thread serial_thread;

/* Interrupt context: received bytes into the ring, nothing else. */
static void uart_isr(const struct device *dev, void *user_data)
{
	ARG_UNUSED(user_data);

	while (uart_irq_update(dev) > 0 && uart_irq_is_pending(dev) > 0) {
		if (uart_irq_rx_ready(dev) <= 0) {
			break;
		}
		uint8_t buf[16];
		int n = uart_fifo_read(dev, buf, sizeof(buf));

		if (n <= 0) {
			break;
		}
		if (ring_buf_put(&rx_ring, buf, (uint32_t)n) < (uint32_t)n) {
			atomic_inc(&rx_dropped);
		}
		k_sem_give(&rx_sem);
	}
}

/* One line of the answer at a time, so that other threads' console output goes between lines. */
static void send_lines(const uint8_t *p, size_t n)
{
	size_t at = 0;

	while (at < n) {
		size_t end = at;

		while (end < n && p[end] != '\n') {
			end++;
		}
		k_sched_lock();
		for (size_t i = at; i <= end && i < n; i++) {
			uart_poll_out(uart, p[i]);
		}
		k_sched_unlock();
		at = end + 1;
	}
}

static void handle(const uint8_t *frame, size_t len)
{
	size_t out = 0;
	int ret = ocre_agent_zephyr_smp(frame, len, rsp, sizeof(rsp), &out);

	if (ret != 0 || out == 0) {
		LOG_WRN("SMP frame of %zu bytes not answered (%d)", len, ret);
		return;
	}
	size_t lines = ocre_smp_serial_encode(rsp, out, tx, sizeof(tx));

	if (lines > 0) {
		send_lines(tx, lines);
	}
}

static void serial_entry(void *a, void *b, void *c)
{
	ARG_UNUSED(a);
	ARG_UNUSED(b);
	ARG_UNUSED(c);

	for (;;) {
		uint8_t chunk[64];
		uint32_t n;

		(void)k_sem_take(&rx_sem, K_FOREVER);
		while ((n = ring_buf_get(&rx_ring, chunk, sizeof(chunk))) > 0) {
			for (uint32_t i = 0; i < n; i++) {
				const uint8_t *frame;
				size_t len;
				int ret = ocre_smp_serial_feed(&rx, chunk[i], &frame, &len);

				if (ret == 1) {
					handle(frame, len);
				} else if (ret < 0) {
					LOG_WRN("malformed SMP serial packet dropped");
				}
			}
		}
		atomic_val_t dropped = atomic_set(&rx_dropped, 0);

		if (dropped > 0) {
			LOG_WRN("serial receive buffer full %d time(s): bytes lost "
				"(CONFIG_OCRE_AGENT_SERIAL_RX_BUF_SIZE)",
				(int)dropped);
		}
	}
}

int ocre_agent_zephyr_serial_start(void)
{
	uint8_t c;

	if (!device_is_ready(uart)) {
		return -OCRE_ENODEV;
	}
	uart_irq_rx_disable(uart);
	uart_irq_tx_disable(uart);
	while (uart_fifo_read(uart, &c, 1) > 0) {
		/* what arrived before the agent listened is not a frame of this session */
	}
	if (uart_irq_callback_user_data_set(uart, uart_isr, NULL) != 0) {
		return -OCRE_ENOSYS;
	}
	(void)k_thread_create(&serial_thread, serial_stack, K_THREAD_STACK_SIZEOF(serial_stack),
			      serial_entry, NULL, NULL, NULL, CONFIG_OCRE_AGENT_THREAD_PRIORITY, 0,
			      K_NO_WAIT);
	k_thread_name_set(&serial_thread, "ocre_smp_uart");
	uart_irq_rx_enable(uart);
	LOG_INF("agent: SMP serial framing on %s", uart->name);
	return 0;
}
