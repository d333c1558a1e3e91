/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * WAMR natives for module `env` (the Ocre ABI) and, with CONFIG_OCRE_WASI_MINIMAL, for
 * `wasi_snapshot_preview1`. Each one finds its container, takes a fresh view of the caller's
 * memory, marks the host call for the watchdog and hands offsets to the portable core, which
 * validates everything. "*" and "$" arguments arrive as native pointers (WAMR checked their
 * first byte or their NUL) and go back to offsets here.
 */

#include <wasm_export.h>

#include "../ocre_internal.h"

void ocre_wamr_unwind_exit(struct ocre_container *c);

struct call {
	struct ocre_container *c;
	struct ocre_mem m;
};

static struct call enter(wasm_exec_env_t env)
{
	struct call k;

	k.c = wasm_runtime_get_custom_data(wasm_runtime_get_module_inst(env));
	(void)ocre_engine_mem(k.c, &k.m);
	ocre_host_enter(k.c);
	return k;
}

static uint32_t off(const struct call *k, const void *native)
{
	return (uint32_t)((const uint8_t *)native - k->m.base);
}

#define LEAVE(k, expr)                                                                            \
	do {                                                                                       \
		__typeof__(expr) ret_ = (expr);                                                    \
		ocre_host_leave((k).c);                                                            \
		return ret_;                                                                       \
	} while (0)

/* ---- env ---------------------------------------------------------------------------------- */

static int32_t n_uname(wasm_exec_env_t env, void *buf)
{
	struct call k = enter(env);

	LEAVE(k, ocre_api_uname(k.c, &k.m, off(&k, buf)));
}

static int32_t n_ocre_sleep(wasm_exec_env_t env, int32_t ms)
{
	struct call k = enter(env);

	LEAVE(k, ocre_api_ocre_sleep(k.c, ms));
}

static int32_t n_ocre_get_event(wasm_exec_env_t env, uint32_t a, uint32_t b, uint32_t c,
				uint32_t d, uint32_t e, uint32_t f)
{
	struct call k = enter(env);
	const uint32_t out[6] = {a, b, c, d, e, f};

	LEAVE(k, ocre_api_ocre_get_event(k.c, &k.m, out));
}

static int32_t n_ocre_register_dispatcher(wasm_exec_env_t env, int32_t type, const char *name)
{
	struct call k = enter(env);

	LEAVE(k, ocre_api_ocre_register_dispatcher(k.c, &k.m, type, off(&k, name)));
}

#define TIMER1(fn)                                                                                \
	static int32_t n_##fn(wasm_exec_env_t env, int32_t id)                                     \
	{                                                                                          \
		struct call k = enter(env);                                                        \
		LEAVE(k, ocre_api_##fn(k.c, id));                                                  \
	}
TIMER1(ocre_timer_create)
TIMER1(ocre_timer_delete)
TIMER1(ocre_timer_stop)
TIMER1(ocre_timer_get_remaining)

static int32_t n_ocre_timer_start(wasm_exec_env_t env, int32_t id, int32_t ms, int32_t periodic)
{
	struct call k = enter(env);

	LEAVE(k, ocre_api_ocre_timer_start(k.c, id, ms, periodic));
}

static int32_t n_ocre_publish_message(wasm_exec_env_t env, const char *topic, const char *ctype,
				      const void *payload, int32_t len)
{
	struct call k = enter(env);

	LEAVE(k, ocre_api_ocre_publish_message(k.c, &k.m, off(&k, topic), off(&k, ctype),
					       off(&k, payload), len));
}

static int32_t n_ocre_subscribe_message(wasm_exec_env_t env, const char *prefix)
{
	struct call k = enter(env);

	LEAVE(k, ocre_api_ocre_subscribe_message(k.c, &k.m, off(&k, prefix)));
}

static int32_t n_ocre_messaging_free_module_event_data(wasm_exec_env_t env, uint32_t topic,
						       uint32_t ctype, uint32_t payload)
{
	struct call k = enter(env);

	LEAVE(k, ocre_api_ocre_messaging_free_module_event_data(k.c, topic, ctype, payload));
}

#define NOARG(fn)                                                                                 \
	static int32_t n_##fn(wasm_exec_env_t env)                                                 \
	{                                                                                          \
		struct call k = enter(env);                                                        \
		LEAVE(k, ocre_api_##fn(k.c));                                                      \
	}
#define INT1(fn)                                                                                  \
	static int32_t n_##fn(wasm_exec_env_t env, int32_t a)                                      \
	{                                                                                          \
		struct call k = enter(env);                                                        \
		LEAVE(k, ocre_api_##fn(k.c, a));                                                   \
	}
#define INT2(fn, type)                                                                            \
	static type n_##fn(wasm_exec_env_t env, int32_t a, int32_t b)                              \
	{                                                                                          \
		struct call k = enter(env);                                                        \
		LEAVE(k, ocre_api_##fn(k.c, a, b));                                                \
	}
#define INT3(fn)                                                                                  \
	static int32_t n_##fn(wasm_exec_env_t env, int32_t a, int32_t b, int32_t c)                \
	{                                                                                          \
		struct call k = enter(env);                                                        \
		LEAVE(k, ocre_api_##fn(k.c, a, b, c));                                             \
	}
#define STR(fn)                                                                                   \
	static int32_t n_##fn(wasm_exec_env_t env, const char *s)                                  \
	{                                                                                          \
		struct call k = enter(env);                                                        \
		LEAVE(k, ocre_api_##fn(k.c, &k.m, off(&k, s)));                                    \
	}
#define STR_INT(fn, type)                                                                         \
	static type n_##fn(wasm_exec_env_t env, const char *s, int32_t a)                          \
	{                                                                                          \
		struct call k = enter(env);                                                        \
		LEAVE(k, ocre_api_##fn(k.c, &k.m, off(&k, s), a));                                 \
	}

NOARG(ocre_sensors_init)
NOARG(ocre_sensors_discover)
INT1(ocre_sensors_open)
INT1(ocre_sensors_get_handle)
INT1(ocre_sensors_get_channel_count)
INT2(ocre_sensors_get_channel_type, int32_t)
INT2(ocre_sensors_read, double)
STR(ocre_sensors_open_by_name)
STR(ocre_sensors_get_handle_by_name)
STR(ocre_sensors_get_channel_count_by_name)
STR_INT(ocre_sensors_get_channel_type_by_name, int32_t)
STR_INT(ocre_sensors_read_by_name, double)
STR_INT(ocre_sensors_get_list, int32_t)

NOARG(ocre_gpio_init)
INT3(ocre_gpio_configure)
INT3(ocre_gpio_pin_set)
INT2(ocre_gpio_pin_get, int32_t)
INT2(ocre_gpio_pin_toggle, int32_t)
INT2(ocre_gpio_register_callback, int32_t)
INT2(ocre_gpio_unregister_callback, int32_t)
STR_INT(ocre_gpio_configure_by_name, int32_t)
STR_INT(ocre_gpio_set_by_name, int32_t)
STR(ocre_gpio_get_by_name)
STR(ocre_gpio_toggle_by_name)
STR(ocre_gpio_register_callback_by_name)
STR(ocre_gpio_unregister_callback_by_name)

static NativeSymbol env_natives[] = {
#define OCRE_ABI_FN(name, sig, cap) {#name, (void *)n_##name, sig, NULL},
#include "../ocre_abi.def"
#undef OCRE_ABI_FN
};

/* ---- wasi_snapshot_preview1 (minimal) ------------------------------------------------------ */
#if !OCRE_HAS_WASI_FULL

static int32_t w_fd_write(wasm_exec_env_t env, int32_t fd, uint32_t iovs, uint32_t n,
			  uint32_t nwritten)
{
	struct call k = enter(env);

	LEAVE(k, ocre_wasi_fd_write(k.c, &k.m, fd, iovs, n, nwritten));
}

static int32_t w_enosys4(wasm_exec_env_t env, int32_t a, int32_t b, int32_t c, int32_t d)
{
	(void)env, (void)a, (void)b, (void)c, (void)d;
	return OCRE_WASI_ENOSYS;
}

static int32_t w_enosys2(wasm_exec_env_t env, int32_t a, int32_t b)
{
	(void)env, (void)a, (void)b;
	return OCRE_WASI_ENOSYS;
}

static int32_t w_fd_close(wasm_exec_env_t env, int32_t fd)
{
	(void)env, (void)fd;
	return OCRE_WASI_ENOSYS;
}

static int32_t w_fd_seek(wasm_exec_env_t env, int32_t fd, int64_t delta, int32_t whence,
			 uint32_t out)
{
	(void)env, (void)fd, (void)delta, (void)whence, (void)out;
	return OCRE_WASI_ENOSYS;
}

static int32_t w_fd_fdstat_get(wasm_exec_env_t env, int32_t fd, uint32_t out)
{
	struct call k = enter(env);

	LEAVE(k, ocre_wasi_fd_fdstat_get(&k.m, fd, out));
}

static int32_t w_fd_prestat_get(wasm_exec_env_t env, int32_t fd, uint32_t out)
{
	(void)env, (void)out;
	return ocre_wasi_fd_prestat_get(fd);
}

static int32_t w_fd_prestat_dir_name(wasm_exec_env_t env, int32_t fd, uint32_t path,
				     uint32_t len)
{
	(void)env, (void)path, (void)len;
	return ocre_wasi_fd_prestat_get(fd);
}

static void w_proc_exit(wasm_exec_env_t env, int32_t code)
{
	struct call k = enter(env);

	ocre_wasi_proc_exit(k.c, code);
	ocre_host_leave(k.c);
	ocre_wamr_unwind_exit(k.c);
}

static int32_t w_clock_time_get(wasm_exec_env_t env, int32_t id, int64_t precision, uint32_t out)
{
	struct call k = enter(env);

	(void)precision;
	LEAVE(k, ocre_wasi_clock_time_get(&k.m, id, out));
}

static int32_t w_clock_res_get(wasm_exec_env_t env, int32_t id, uint32_t out)
{
	struct call k = enter(env);

	LEAVE(k, ocre_wasi_clock_res_get(&k.m, id, out));
}

static int32_t w_random_get(wasm_exec_env_t env, uint32_t buf, uint32_t len)
{
	struct call k = enter(env);

	LEAVE(k, ocre_wasi_random_get(&k.m, buf, len));
}

static int32_t w_args_sizes_get(wasm_exec_env_t env, uint32_t count, uint32_t size)
{
	struct call k = enter(env);

	LEAVE(k, ocre_wasi_list_sizes(&k.m, k.c->meta.argv, k.c->meta.argc, count, size));
}

static int32_t w_args_get(wasm_exec_env_t env, uint32_t ptrs, uint32_t buf)
{
	struct call k = enter(env);

	LEAVE(k, ocre_wasi_list_get(&k.m, k.c->meta.argv, k.c->meta.argc, ptrs, buf));
}

static int32_t w_environ_sizes_get(wasm_exec_env_t env, uint32_t count, uint32_t size)
{
	struct call k = enter(env);

	LEAVE(k, ocre_wasi_list_sizes(&k.m, k.c->meta.envp, k.c->meta.envc, count, size));
}

static int32_t w_environ_get(wasm_exec_env_t env, uint32_t ptrs, uint32_t buf)
{
	struct call k = enter(env);

	LEAVE(k, ocre_wasi_list_get(&k.m, k.c->meta.envp, k.c->meta.envc, ptrs, buf));
}

static int32_t w_sched_yield(wasm_exec_env_t env)
{
	struct call k = enter(env);

	ocre_port_yield();
	LEAVE(k, 0);
}

#define w_fd_read             w_enosys4
#define w_poll_oneoff         w_enosys4
#define w_fd_fdstat_set_flags w_enosys2

static NativeSymbol wasi_natives[] = {
#define OCRE_WASI_FN(name, sig) {#name, (void *)w_##name, sig, NULL},
#include "../ocre_wasi.def"
#undef OCRE_WASI_FN
};
#endif /* !OCRE_HAS_WASI_FULL */

int ocre_wamr_register_natives(void)
{
	if (!wasm_runtime_register_natives("env", env_natives,
					   sizeof(env_natives) / sizeof(env_natives[0]))) {
		return -OCRE_ENOMEM;
	}
#if !OCRE_HAS_WASI_FULL
	if (!wasm_runtime_register_natives("wasi_snapshot_preview1", wasi_natives,
					   sizeof(wasi_natives) / sizeof(wasi_natives[0]))) {
		return -OCRE_ENOMEM;
	}
#endif
	return 0;
}
