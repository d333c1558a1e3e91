/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * WAMR natives for module `env` (the Ocre ABI) and, with CONFIG_OCRE_WASI_MINIMAL, for
 * `wasi_snapshot_preview1`. They are registered "raw": every import of a module goes to one
 * dispatcher, which learns which call it is from the symbol's attachment (its index in
 * ocre_abi.def / ocre_wasi.def). One dispatcher instead of a wrapper per call keeps the shim
 * small. It finds the container and a fresh view of the caller's memory and hands the call to
 * the portable core (ocre_dispatch.c), which checks the capability and validates everything.
 */

#include <wasm_export.h>

#include "../ocre_internal.h"

void ocre_wamr_unwind_exit(struct ocre_container *c);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static struct ocre_container *enter(wasm_exec_env_t env, struct ocre_mem *m, unsigned int *fn)
{
	struct ocre_container *c = wasm_runtime_get_custom_data(wasm_runtime_get_module_inst(env));

	(void)ocre_engine_mem(c, m);
	*fn = (unsigned int)(uintptr_t)wasm_runtime_get_function_attachment(env);
	return c;
}

static void env_dispatch(wasm_exec_env_t env, uint64_t *args)
{
	struct ocre_mem m;
	unsigned int fn;
	struct ocre_container *c = enter(env, &m, &fn);

	ocre_dispatch_env(c, &m, fn, args);
}

/*
 * Without the device agent (Kconfig OCRE_AGENT) every container of a firmware is embedded at
 * build time, and `ocre build` compiles in every feature their imports use: no container can
 * import a call of a feature built without, so such calls are left out of the table (16 bytes of
 * flash and of RAM each; WAMR sorts the table in place, so it cannot be const). With the agent,
 * or without Kconfig, every call is registered and a call into a missing feature answers -ENOSYS.
 */
#if defined(CONFIG_OCRE) && !defined(CONFIG_OCRE_AGENT)
#define NATIVE_IF(b, ...)  NATIVE_IF_(b, __VA_ARGS__)
#define NATIVE_IF_(b, ...) NATIVE_IF_##b(__VA_ARGS__)
#define NATIVE_IF_0(...)
#define NATIVE_IF_1(...)   __VA_ARGS__
#else
#define NATIVE_IF(b, ...) __VA_ARGS__
#endif
/* By the .def's capability token (pasted, not expanded): 0 is a core call. */
#define NATIVE_CAP_0(...)                  __VA_ARGS__
#define NATIVE_CAP_OCRE_CAP_TIMERS(...)    NATIVE_IF(OCRE_HAS_TIMERS, __VA_ARGS__)
#define NATIVE_CAP_OCRE_CAP_GPIO(...)      NATIVE_IF(OCRE_HAS_GPIO, __VA_ARGS__)
#define NATIVE_CAP_OCRE_CAP_SENSORS(...)   NATIVE_IF(OCRE_HAS_SENSORS, __VA_ARGS__)
#define NATIVE_CAP_OCRE_CAP_MESSAGING(...) NATIVE_IF(OCRE_HAS_MESSAGING, __VA_ARGS__)

static NativeSymbol env_natives[] = {
#define OCRE_ABI_FN(name, sig, cap)                                                                \
	NATIVE_CAP_##cap({#name, (void *)env_dispatch, sig, (void *)(uintptr_t)OCRE_FN_##name}, )
#include "../ocre_abi.def"
#undef OCRE_ABI_FN
};

/* ---- wasi_snapshot_preview1 (minimal) ------------------------------------------------------ */
#if !OCRE_HAS_WASI_FULL

static void wasi_dispatch(wasm_exec_env_t env, uint64_t *args)
{
	struct ocre_mem m;
	unsigned int fn;
	struct ocre_container *c = enter(env, &m, &fn);

	if (ocre_dispatch_wasi(c, &m, fn, args)) {
		ocre_wamr_unwind_exit(c);
	}
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
