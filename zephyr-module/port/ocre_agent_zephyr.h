/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The device agent in Zephyr firmware (CONFIG_OCRE_AGENT, docs/deploy.md): the store in the
 * "ocre_store" partition, the thread that judges trials, and the one entry every transport
 * calls with a whole SMP frame. The agent itself (ocre/ocre_agent.h) is not reentrant; this
 * entry serialises the transports (TCP, serial) with a mutex, and the trial thread takes the
 * same mutex, so a transport never runs concurrently with another or with a trial decision.
 */

#ifndef OCRE_AGENT_ZEPHYR_H_
#define OCRE_AGENT_ZEPHYR_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Opens the store (the fixed partition labelled "ocre_store"), applies the boot rule, starts
 * the installed containers next to the embedded ones, starts the trial thread and then the
 * enabled transports (ocre_agent_zephyr_tcp_start, ocre_agent_zephyr_serial_start). Call once
 * from main, after ocre_init and ocre_trust_keys (the generated app does). 0 or a negative
 * OCRE_E* code; on an error no transport is started.
 */
int ocre_agent_zephyr_init(void);

/*
 * Handles one SMP request frame (header and body, req_len bytes) and writes the response
 * frame to rsp. rsp_cap must be at least OCRE_SMP_MAX_FRAME (ocre/ocre_smp.h). *rsp_len is
 * the response's length, 0 when there is nothing to answer (a frame shorter than a header).
 * Thread context only (it takes a mutex and may write flash; a pull holds it for the whole
 * download). Returns 0, -OCRE_EINVAL (a NULL pointer, rsp_cap too small) or -OCRE_ENODEV
 * (ocre_agent_zephyr_init has not succeeded: no store).
 */
int ocre_agent_zephyr_smp(const uint8_t *req, size_t req_len, uint8_t *rsp, size_t rsp_cap,
			  size_t *rsp_len);

/*
 * The transports, each in its own file and Kconfig; ocre_agent_zephyr_init starts the enabled
 * ones. Each runs its own thread and calls ocre_agent_zephyr_smp per frame.
 * CONFIG_OCRE_AGENT_TCP: SMP frames back to back on a TCP stream (ocre_smp_tcp_zephyr.c).
 * CONFIG_OCRE_AGENT_SERIAL: SMP's serial framing on the console (the serial transport's file).
 */
int ocre_agent_zephyr_tcp_start(void);
int ocre_agent_zephyr_serial_start(void);

/* The port's store: opens the "ocre_store" partition (ocre_flash_zephyr.c). */
struct ocre_store;
int ocre_store_zephyr_open(struct ocre_store *store, unsigned int slots);

#ifdef __cplusplus
}
#endif

#endif /* OCRE_AGENT_ZEPHYR_H_ */
