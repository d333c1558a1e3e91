/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * An upstream-style Ocre C container (wasi-libc + the `env` calls as upstream's C SDK
 * declares them): a periodic timer polled with ocre_get_event, printf to the console.
 * Build: clang --target=wasm32-wasi -Os -Wl,--strip-all -Wl,--import-memory
 *        -Wl,-z,stack-size=8192 -Wl,--initial-memory=65536 -Wl,--max-memory=65536
 *        -o timers.wasm timers.c
 */

#include <stdint.h>
#include <stdio.h>

#define OCRE_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))

OCRE_IMPORT(ocre_timer_create) int ocre_timer_create(int id);
OCRE_IMPORT(ocre_timer_start) int ocre_timer_start(int id, int interval, int periodic);
OCRE_IMPORT(ocre_timer_delete) int ocre_timer_delete(int id);
OCRE_IMPORT(ocre_get_event)
int ocre_get_event(uint32_t type, uint32_t id, uint32_t port, uint32_t state, uint32_t extra,
		   uint32_t len);
OCRE_IMPORT(ocre_register_dispatcher) int ocre_register_dispatcher(int type, const char *name);
OCRE_IMPORT(ocre_sleep) int ocre_sleep(int ms);
OCRE_IMPORT(uname) int ocre_uname(void *buf);

/* Exported only so that ocre_register_dispatcher finds it, as upstream's SDK does. */
__attribute__((export_name("timer_callback"))) void timer_callback(int id)
{
	printf("c-container: timer %d fired\n", id);
}

int main(void)
{
	static char un[6][80];
	static uint32_t ev[6];
	int fired = 0;

	ocre_uname(un);
	printf("c-container on %s (%s)\n", un[0], un[4]);
	if (ocre_register_dispatcher(0, "timer_callback") != 0 || ocre_timer_create(1) != 0 ||
	    ocre_timer_start(1, 100, 1) != 0) {
		printf("c-container: setup failed\n");
		return 1;
	}
	while (fired < 3) {
		if (ocre_get_event((uint32_t)&ev[0], (uint32_t)&ev[1], (uint32_t)&ev[2],
				   (uint32_t)&ev[3], (uint32_t)&ev[4], (uint32_t)&ev[5]) == 0) {
			if (ev[0] == 0) {
				timer_callback((int)ev[1]);
				fired++;
			}
		} else {
			ocre_sleep(10);
		}
	}
	ocre_timer_delete(1);
	printf("c-container: done\n");
	return 0;
}
