/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * WAMR natives for module `env` (the Ocre ABI) and, with CONFIG_OCRE_WASI_MINIMAL, for
 * `wasi_snapshot_preview1`. They are registered "raw": every import of a module goes to one
 * dispatcher, which learns which call it is from the symbol's attachment (its index in
 * ocre_abi.def / ocre_wasi.def). One dispatcher instead of a wrapper per call keeps the shim
 * small. It finds the container, takes a fresh view of the caller's memory, marks the host
 * call for the watchdog and hands offsets to the portable core, which validates everything.
 * "*" and "$" arguments arrive as native pointers (WAMR checked their first byte or their NUL)
 * and go back to offsets here.
 */

#include <string.h>

#include <wasm_export.h>

#include "../ocre_internal.h"

void ocre_wamr_unwind_exit(struct ocre_container *c);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Argument slots are 64-bit; WAMR stores i32 and pointer arguments at the start of a slot. */
static uint32_t arg_u32(const uint64_t *a, int n)
{
	uint32_t v;

	memcpy(&v, &a[n], sizeof(v));
	return v;
}

static int32_t arg_i32(const uint64_t *a, int n)
{
	return (int32_t)arg_u32(a, n);
}

static uint32_t arg_ptr(const uint64_t *a, int n, const struct ocre_mem *m)
{
	uintptr_t p;

	memcpy(&p, &a[n], sizeof(p));
	return (uint32_t)((const uint8_t *)p - m->base);
}

static struct ocre_container *enter(wasm_exec_env_t env, struct ocre_mem *m)
{
	struct ocre_container *c = wasm_runtime_get_custom_data(wasm_runtime_get_module_inst(env));

	(void)ocre_engine_mem(c, m);
	ocre_host_enter(c);
	return c;
}

static void env_dispatch(wasm_exec_env_t env, uint64_t *a)
{
	struct ocre_mem mem;
	const struct ocre_mem *m = &mem;
	struct ocre_container *c = enter(env, &mem);
	unsigned int fn = (unsigned int)(uintptr_t)wasm_runtime_get_function_attachment(env);
	int32_t r;
	double d;

#define I(n) arg_i32(a, n)
#define P(n) arg_ptr(a, n, m)
	switch (fn) {
	case OCRE_FN_uname:
		r = ocre_api_uname(c, m, P(0));
		break;
	case OCRE_FN_ocre_sleep:
		r = ocre_api_ocre_sleep(c, I(0));
		break;
	case OCRE_FN_ocre_get_event: {
		const uint32_t out[6] = {arg_u32(a, 0), arg_u32(a, 1), arg_u32(a, 2),
					 arg_u32(a, 3), arg_u32(a, 4), arg_u32(a, 5)};

		r = ocre_api_ocre_get_event(c, m, out);
		break;
	}
	case OCRE_FN_ocre_register_dispatcher:
		r = ocre_api_ocre_register_dispatcher(c, m, I(0), P(1));
		break;
	case OCRE_FN_ocre_timer_create:
		r = ocre_api_ocre_timer_create(c, I(0));
		break;
	case OCRE_FN_ocre_timer_delete:
		r = ocre_api_ocre_timer_delete(c, I(0));
		break;
	case OCRE_FN_ocre_timer_start:
		r = ocre_api_ocre_timer_start(c, I(0), I(1), I(2));
		break;
	case OCRE_FN_ocre_timer_stop:
		r = ocre_api_ocre_timer_stop(c, I(0));
		break;
	case OCRE_FN_ocre_timer_get_remaining:
		r = ocre_api_ocre_timer_get_remaining(c, I(0));
		break;
	case OCRE_FN_ocre_publish_message:
		r = ocre_api_ocre_publish_message(c, m, P(0), P(1), P(2), I(3));
		break;
	case OCRE_FN_ocre_subscribe_message:
		r = ocre_api_ocre_subscribe_message(c, m, P(0));
		break;
	case OCRE_FN_ocre_messaging_free_module_event_data:
		r = ocre_api_ocre_messaging_free_module_event_data(c, arg_u32(a, 0), arg_u32(a, 1),
								   arg_u32(a, 2));
		break;
	case OCRE_FN_ocre_sensors_init:
		r = ocre_api_ocre_sensors_init(c);
		break;
	case OCRE_FN_ocre_sensors_discover:
		r = ocre_api_ocre_sensors_discover(c);
		break;
	case OCRE_FN_ocre_sensors_open:
		r = ocre_api_ocre_sensors_open(c, I(0));
		break;
	case OCRE_FN_ocre_sensors_get_handle:
		r = ocre_api_ocre_sensors_get_handle(c, I(0));
		break;
	case OCRE_FN_ocre_sensors_get_channel_count:
		r = ocre_api_ocre_sensors_get_channel_count(c, I(0));
		break;
	case OCRE_FN_ocre_sensors_get_channel_type:
		r = ocre_api_ocre_sensors_get_channel_type(c, I(0), I(1));
		break;
	case OCRE_FN_ocre_sensors_read:
		d = ocre_api_ocre_sensors_read(c, I(0), I(1));
		goto f64;
	case OCRE_FN_ocre_sensors_open_by_name:
		r = ocre_api_ocre_sensors_open_by_name(c, m, P(0));
		break;
	case OCRE_FN_ocre_sensors_get_handle_by_name:
		r = ocre_api_ocre_sensors_get_handle_by_name(c, m, P(0));
		break;
	case OCRE_FN_ocre_sensors_get_channel_count_by_name:
		r = ocre_api_ocre_sensors_get_channel_count_by_name(c, m, P(0));
		break;
	case OCRE_FN_ocre_sensors_get_channel_type_by_name:
		r = ocre_api_ocre_sensors_get_channel_type_by_name(c, m, P(0), I(1));
		break;
	case OCRE_FN_ocre_sensors_read_by_name:
		d = ocre_api_ocre_sensors_read_by_name(c, m, P(0), I(1));
		goto f64;
	case OCRE_FN_ocre_sensors_get_list:
		r = ocre_api_ocre_sensors_get_list(c, m, P(0), I(1));
		break;
	case OCRE_FN_ocre_gpio_init:
		r = ocre_api_ocre_gpio_init(c);
		break;
	case OCRE_FN_ocre_gpio_configure:
		r = ocre_api_ocre_gpio_configure(c, I(0), I(1), I(2));
		break;
	case OCRE_FN_ocre_gpio_pin_set:
		r = ocre_api_ocre_gpio_pin_set(c, I(0), I(1), I(2));
		break;
	case OCRE_FN_ocre_gpio_pin_get:
		r = ocre_api_ocre_gpio_pin_get(c, I(0), I(1));
		break;
	case OCRE_FN_ocre_gpio_pin_toggle:
		r = ocre_api_ocre_gpio_pin_toggle(c, I(0), I(1));
		break;
	case OCRE_FN_ocre_gpio_register_callback:
		r = ocre_api_ocre_gpio_register_callback(c, I(0), I(1));
		break;
	case OCRE_FN_ocre_gpio_unregister_callback:
		r = ocre_api_ocre_gpio_unregister_callback(c, I(0), I(1));
		break;
	case OCRE_FN_ocre_gpio_configure_by_name:
		r = ocre_api_ocre_gpio_configure_by_name(c, m, P(0), I(1));
		break;
	case OCRE_FN_ocre_gpio_set_by_name:
		r = ocre_api_ocre_gpio_set_by_name(c, m, P(0), I(1));
		break;
	case OCRE_FN_ocre_gpio_get_by_name:
		r = ocre_api_ocre_gpio_get_by_name(c, m, P(0));
		break;
	case OCRE_FN_ocre_gpio_toggle_by_name:
		r = ocre_api_ocre_gpio_toggle_by_name(c, m, P(0));
		break;
	case OCRE_FN_ocre_gpio_register_callback_by_name:
		r = ocre_api_ocre_gpio_register_callback_by_name(c, m, P(0));
		break;
	case OCRE_FN_ocre_gpio_unregister_callback_by_name:
		r = ocre_api_ocre_gpio_unregister_callback_by_name(c, m, P(0));
		break;
	default:
		r = -OCRE_ENOSYS;
		break;
	}
	memcpy(a, &r, sizeof(r));
	ocre_host_leave(c);
	return;
f64:
	memcpy(a, &d, sizeof(d));
	ocre_host_leave(c);
}

static NativeSymbol env_natives[] = {
#define OCRE_ABI_FN(name, sig, cap)                                                                \
	{#name, (void *)env_dispatch, sig, (void *)(uintptr_t)OCRE_FN_##name},
#include "../ocre_abi.def"
#undef OCRE_ABI_FN
};

/* ---- wasi_snapshot_preview1 (minimal) ------------------------------------------------------ */
#if !OCRE_HAS_WASI_FULL

enum ocre_wasi_index {
#define OCRE_WASI_FN(name, sig) OCRE_WASI_##name,
#include "../ocre_wasi.def"
#undef OCRE_WASI_FN
};

static void wasi_dispatch(wasm_exec_env_t env, uint64_t *a)
{
	struct ocre_mem mem;
	const struct ocre_mem *m = &mem;
	struct ocre_container *c = enter(env, &mem);
	unsigned int fn = (unsigned int)(uintptr_t)wasm_runtime_get_function_attachment(env);
	const struct ocre_container_meta *meta = &c->meta;
	int32_t r;

#define U(n) arg_u32(a, n)
	switch (fn) {
	case OCRE_WASI_fd_write:
		r = ocre_wasi_fd_write(c, m, I(0), U(1), U(2), U(3));
		break;
	case OCRE_WASI_fd_fdstat_get:
		r = ocre_wasi_fd_fdstat_get(m, I(0), U(1));
		break;
	case OCRE_WASI_fd_prestat_get:
	case OCRE_WASI_fd_prestat_dir_name:
		r = ocre_wasi_fd_prestat_get(I(0));
		break;
	case OCRE_WASI_proc_exit:
		ocre_wasi_proc_exit(c, I(0));
		ocre_host_leave(c);
		ocre_wamr_unwind_exit(c);
		return;
	case OCRE_WASI_clock_time_get: /* (id, precision: i64 in slot 1, out) */
		r = ocre_wasi_clock_time_get(m, I(0), U(2));
		break;
	case OCRE_WASI_clock_res_get:
		r = ocre_wasi_clock_res_get(m, I(0), U(1));
		break;
	case OCRE_WASI_random_get:
		r = ocre_wasi_random_get(m, U(0), U(1));
		break;
	case OCRE_WASI_args_sizes_get:
		r = ocre_wasi_list_sizes(m, meta->argv, meta->argc, U(0), U(1));
		break;
	case OCRE_WASI_args_get:
		r = ocre_wasi_list_get(m, meta->argv, meta->argc, U(0), U(1));
		break;
	case OCRE_WASI_environ_sizes_get:
		r = ocre_wasi_list_sizes(m, meta->envp, meta->envc, U(0), U(1));
		break;
	case OCRE_WASI_environ_get:
		r = ocre_wasi_list_get(m, meta->envp, meta->envc, U(0), U(1));
		break;
	case OCRE_WASI_sched_yield:
		ocre_port_yield();
		r = OCRE_WASI_ESUCCESS;
		break;
	default: /* fd_read, fd_close, fd_seek, fd_fdstat_set_flags, poll_oneoff */
		r = OCRE_WASI_ENOSYS;
		break;
	}
	memcpy(a, &r, sizeof(r));
	ocre_host_leave(c);
}

static NativeSymbol wasi_natives[] = {
#define OCRE_WASI_FN(name, sig)                                                                    \
	{#name, (void *)wasi_dispatch, sig, (void *)(uintptr_t)OCRE_WASI_##name},
#include "../ocre_wasi.def"
#undef OCRE_WASI_FN
};
#endif /* !OCRE_HAS_WASI_FULL */

int ocre_wamr_register_natives(void)
{
	if (!wasm_runtime_register_natives_raw("env", env_natives, ARRAY_LEN(env_natives))) {
		return -OCRE_ENOMEM;
	}
#if !OCRE_HAS_WASI_FULL
	if (!wasm_runtime_register_natives_raw("wasi_snapshot_preview1", wasi_natives,
					       ARRAY_LEN(wasi_natives))) {
		return -OCRE_ENOMEM;
	}
#endif
	return 0;
}
