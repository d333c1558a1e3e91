/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The engine on WAMR: runtime from a static pool, per-container limits at instantiation,
 * the entry point, asynchronous termination and the app heap used for message copies.
 */

#include <stdio.h>
#include <string.h>

#include <wasm_export.h>

#include "../ocre_internal.h"

#if OCRE_WATCHDOG_MS > 0 && !defined(WASM_ENABLE_THREAD_MGR)
/* wasm_runtime_terminate only stops a busy loop when the thread manager is built in. */
#warning "the watchdog needs WAMR built with WAMR_BUILD_THREAD_MGR=1"
#endif

/* The exception text our proc_exit raises to unwind the module; not a failure. */
#define OCRE_PROC_EXIT_EXCEPTION "ocre proc exit"

static uint8_t wamr_pool[OCRE_WAMR_HEAP_POOL_SIZE] __attribute__((aligned(8)));

int ocre_wamr_register_natives(void);

int ocre_engine_init(void)
{
	RuntimeInitArgs args;

	memset(&args, 0, sizeof(args));
	args.mem_alloc_type = Alloc_With_Pool;
	args.mem_alloc_option.pool.heap_buf = wamr_pool;
	args.mem_alloc_option.pool.heap_size = sizeof(wamr_pool);
	/* One cluster per container when the thread manager is built in (the watchdog). */
	args.max_thread_num = OCRE_MAX_CONTAINERS;
	if (!wasm_runtime_full_init(&args)) {
		ocre_log(OCRE_LOG_ERR, "WAMR init failed (pool %u bytes)",
			 (unsigned int)sizeof(wamr_pool));
		return -OCRE_ENOMEM;
	}
	return ocre_wamr_register_natives();
}

int ocre_engine_load(struct ocre_container *c)
{
	char err[128];
	wasm_module_t module = wasm_runtime_load(c->wasm, (uint32_t)c->wasm_size, err, sizeof(err));

	if (module == NULL) {
		ocre_log(OCRE_LOG_ERR, "%s: load failed: %s", c->meta.name, err);
		return -OCRE_EINVAL;
	}
#if OCRE_HAS_WASI_FULL
	wasm_runtime_set_wasi_args(module, NULL, 0, NULL, 0, (const char **)c->meta.envp,
				   c->meta.envc, (char **)c->meta.argv, (int)c->meta.argc);
#endif
	c->engine_module = module;
	return 0;
}

void ocre_engine_unload(struct ocre_container *c)
{
	if (c->engine_module != NULL) {
		wasm_runtime_unload(c->engine_module);
		c->engine_module = NULL;
	}
}

int ocre_engine_instantiate(struct ocre_container *c)
{
	char err[128];
	InstantiationArgs args = {
		.default_stack_size = c->meta.stack_size,
		.host_managed_heap_size = c->meta.heap_size,
		.max_memory_pages = c->meta.max_memory_pages,
	};
	wasm_module_inst_t inst =
		wasm_runtime_instantiate_ex(c->engine_module, &args, err, sizeof(err));

	if (inst == NULL) {
		ocre_log(OCRE_LOG_ERR, "%s: instantiate failed: %s", c->meta.name, err);
		return -OCRE_ENOMEM;
	}
	wasm_runtime_set_custom_data(inst, c);
	c->engine_inst = inst;
	return 0;
}

void ocre_engine_deinstantiate(struct ocre_container *c)
{
	if (c->engine_inst != NULL) {
		wasm_runtime_deinstantiate(c->engine_inst);
		c->engine_inst = NULL;
	}
}

#if OCRE_LOG_POOL_USE
/*
 * What a container really takes from the pool, once its instance and execution stack exist:
 * the figures ocre's pool sizing (cli/generate/pool.ts) is measured against
 * (CONFIG_OCRE_LOG_LEVEL_DBG).
 */
static void log_pool_use(const struct ocre_container *c)
{
	mem_alloc_info_t info;

	if (wasm_runtime_get_mem_alloc_info(&info)) {
		ocre_log(OCRE_LOG_DBG, "%s: WAMR pool %u of %u bytes in use, high mark %u",
			 c->meta.name, (unsigned int)(info.total_size - info.total_free_size),
			 (unsigned int)info.total_size, (unsigned int)info.highmark_size);
	}
}
#endif

bool ocre_engine_run(struct ocre_container *c)
{
	wasm_module_inst_t inst = c->engine_inst;
	wasm_function_inst_t start = wasm_runtime_lookup_function(inst, "_start");
	bool ok;

	if (start != NULL) {
		wasm_exec_env_t env = wasm_runtime_get_exec_env_singleton(inst);

		if (env == NULL) {
			ocre_log(OCRE_LOG_ERR, "%s: no room for a %u-byte execution stack",
				 c->meta.name, (unsigned int)c->meta.stack_size);
			return false;
		}
#if OCRE_LOG_POOL_USE
		log_pool_use(c);
#endif
		ok = wasm_runtime_call_wasm(env, start, 0, NULL);
	} else {
		/* main, __main_argc_argv or _main, as upstream accepts. */
		ok = wasm_application_execute_main(inst, 0, NULL);
	}
	if (!ok) {
		const char *exc = wasm_runtime_get_exception(inst);

		if (c->proc_exited || (exc != NULL && strstr(exc, OCRE_PROC_EXIT_EXCEPTION))) {
			ok = true;
		} else if (exc != NULL && strstr(exc, "wasi proc exit") != NULL) {
#if OCRE_HAS_WASI_FULL
			c->proc_exited = true;
			c->proc_exit_code = (int32_t)wasm_runtime_get_wasi_exit_code(inst);
#endif
			ok = true;
		} else if (!c->killed) {
			/* WAMR's text is "Exception: <reason>": keep the reason for health. */
			const char *why = exc != NULL ? exc : "failed";
			const char *colon = strstr(why, "Exception: ");

			ocre_log(OCRE_LOG_ERR, "%s: %s", c->meta.name, why);
			(void)snprintf(c->trap_reason, sizeof(c->trap_reason), "%s",
				       colon != NULL ? colon + 11 : why);
		}
		wasm_runtime_clear_exception(inst);
	}
	return ok;
}

void ocre_engine_terminate(struct ocre_container *c)
{
	if (c->engine_inst != NULL) {
		wasm_runtime_terminate(c->engine_inst);
	}
}

/* Raises our proc_exit exception in the caller's own instance so that it unwinds. */
void ocre_wamr_unwind_exit(struct ocre_container *c)
{
	wasm_runtime_set_exception(c->engine_inst, OCRE_PROC_EXIT_EXCEPTION);
}

int ocre_engine_mem(struct ocre_container *c, struct ocre_mem *m)
{
	wasm_memory_inst_t mem = wasm_runtime_get_default_memory(c->engine_inst);

	if (mem == NULL) {
		m->base = NULL;
		m->size = 0;
		return -OCRE_EINVAL;
	}
	uint64_t size = wasm_memory_get_cur_page_count(mem) * wasm_memory_get_bytes_per_page(mem);

	m->base = wasm_memory_get_base_address(mem);
	m->size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	return 0;
}

uint32_t ocre_engine_guest_alloc(struct ocre_container *c, uint32_t size)
{
	void *native = NULL;
	uint64_t off = wasm_runtime_module_malloc(c->engine_inst, size, &native);

	/* A failed module_malloc leaves an exception that would trap the caller: clear it. */
	if (off == 0) {
		wasm_runtime_clear_exception(c->engine_inst);
	}
	return (uint32_t)off;
}

void ocre_engine_guest_free(struct ocre_container *c, uint32_t offset)
{
	wasm_runtime_module_free(c->engine_inst, offset);
}

bool ocre_engine_has_export(struct ocre_container *c, const char *name)
{
	return wasm_runtime_lookup_function(c->engine_inst, name) != NULL;
}

void *ocre_engine_host_alloc(size_t size)
{
	return size > UINT32_MAX ? NULL : wasm_runtime_malloc((unsigned int)size);
}

void ocre_engine_host_free(void *ptr)
{
	wasm_runtime_free(ptr);
}

void ocre_engine_thread_begin(void)
{
	(void)wasm_runtime_init_thread_env();
}

void ocre_engine_thread_end(void)
{
	wasm_runtime_destroy_thread_env();
}
