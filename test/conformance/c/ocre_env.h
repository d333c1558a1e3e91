/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The whole Ocre `env` ABI as a C container declares it (upstream 0.7's names and WAMR
 * signatures, cli/abi/table.ts; test/conformance.test.ts validates every container built with
 * it against that table). Written for the conformance suite; not upstream's SDK header.
 */
#ifndef OCRE_CONFORMANCE_ENV_H
#define OCRE_CONFORMANCE_ENV_H

#include <stdint.h>
#include <stdio.h>

#define ENV(name) __attribute__((import_module("env"), import_name(#name)))

enum { EV_TIMER = 0, EV_GPIO = 1, EV_SENSOR = 2, EV_MESSAGE = 3 };
#define OCRE_EXT_EVENT_TYPE 0x6f637265

ENV(uname) int ocre_uname(void *buf);
ENV(ocre_sleep) int ocre_sleep(int ms);
ENV(ocre_get_event)
int ocre_get_event(uint32_t *type, uint32_t *id, uint32_t *port, uint32_t *state, uint32_t *extra,
		   uint32_t *len);
ENV(ocre_register_dispatcher) int ocre_register_dispatcher(int type, const char *fn);

ENV(ocre_timer_create) int ocre_timer_create(int id);
ENV(ocre_timer_delete) int ocre_timer_delete(int id);
ENV(ocre_timer_start) int ocre_timer_start(int id, int ms, int periodic);
ENV(ocre_timer_stop) int ocre_timer_stop(int id);
ENV(ocre_timer_get_remaining) int ocre_timer_get_remaining(int id);

ENV(ocre_publish_message)
int ocre_publish_message(const char *topic, const char *ctype, const void *payload, int len);
ENV(ocre_subscribe_message) int ocre_subscribe_message(const char *prefix);
ENV(ocre_messaging_free_module_event_data)
int ocre_messaging_free_module_event_data(uint32_t topic, uint32_t ctype, uint32_t payload);

ENV(ocre_sensors_init) int ocre_sensors_init(void);
ENV(ocre_sensors_discover) int ocre_sensors_discover(void);
ENV(ocre_sensors_open) int ocre_sensors_open(int handle);
ENV(ocre_sensors_get_handle) int ocre_sensors_get_handle(int id);
ENV(ocre_sensors_get_channel_count) int ocre_sensors_get_channel_count(int handle);
ENV(ocre_sensors_get_channel_type) int ocre_sensors_get_channel_type(int handle, int ch);
ENV(ocre_sensors_read) double ocre_sensors_read(int handle, int ch);
ENV(ocre_sensors_open_by_name) int ocre_sensors_open_by_name(const char *name);
ENV(ocre_sensors_get_handle_by_name) int ocre_sensors_get_handle_by_name(const char *name);
ENV(ocre_sensors_get_channel_count_by_name)
int ocre_sensors_get_channel_count_by_name(const char *name);
ENV(ocre_sensors_get_channel_type_by_name)
int ocre_sensors_get_channel_type_by_name(const char *name, int ch);
ENV(ocre_sensors_read_by_name) double ocre_sensors_read_by_name(const char *name, int ch);
ENV(ocre_sensors_get_list) int ocre_sensors_get_list(const char *prefix, int max);

ENV(ocre_gpio_init) int ocre_gpio_init(void);
ENV(ocre_gpio_configure) int ocre_gpio_configure(int port, int pin, int dir);
ENV(ocre_gpio_pin_set) int ocre_gpio_pin_set(int port, int pin, int state);
ENV(ocre_gpio_pin_get) int ocre_gpio_pin_get(int port, int pin);
ENV(ocre_gpio_pin_toggle) int ocre_gpio_pin_toggle(int port, int pin);
ENV(ocre_gpio_register_callback) int ocre_gpio_register_callback(int port, int pin);
ENV(ocre_gpio_unregister_callback) int ocre_gpio_unregister_callback(int port, int pin);
ENV(ocre_gpio_configure_by_name) int ocre_gpio_configure_by_name(const char *name, int dir);
ENV(ocre_gpio_set_by_name) int ocre_gpio_set_by_name(const char *name, int state);
ENV(ocre_gpio_get_by_name) int ocre_gpio_get_by_name(const char *name);
ENV(ocre_gpio_toggle_by_name) int ocre_gpio_toggle_by_name(const char *name);
ENV(ocre_gpio_register_callback_by_name) int ocre_gpio_register_callback_by_name(const char *name);
ENV(ocre_gpio_unregister_callback_by_name)
int ocre_gpio_unregister_callback_by_name(const char *name);

/* Prints a call and what it returned: the lines the expected-output files hold. */
#define SHOW(call) printf("%s = %d\n", #call, (int)(call))

/* The out-values of ocre_get_event. */
static uint32_t ev_type, ev_id, ev_port, ev_state, ev_extra, ev_len;
#define GET_EVENT() ocre_get_event(&ev_type, &ev_id, &ev_port, &ev_state, &ev_extra, &ev_len)

#endif
