/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Compile-only stand-in for WAMR's wasm_export.h (not vendored): the declarations
 * wamr-glue/src/wamr/ocre_wamr_natives.c uses, with WAMR 2.4.5's types and signatures, so that
 * test/c-cross.test.ts can compile that file and count the entries of its native table. Nothing
 * is linked or run against it.
 */
#ifndef OCRE_TEST_WASM_EXPORT_H
#define OCRE_TEST_WASM_EXPORT_H
#include <stdbool.h>
#include <stdint.h>

typedef struct NativeSymbol {
	const char *symbol;
	void *func_ptr;
	const char *signature;
	void *attachment;
} NativeSymbol;
typedef struct WASMExecEnv *wasm_exec_env_t;
typedef struct WASMModuleInstanceCommon *wasm_module_inst_t;

wasm_module_inst_t wasm_runtime_get_module_inst(wasm_exec_env_t exec_env);
void *wasm_runtime_get_custom_data(wasm_module_inst_t module_inst);
void *wasm_runtime_get_function_attachment(wasm_exec_env_t exec_env);
bool wasm_runtime_register_natives_raw(const char *module_name, NativeSymbol *native_symbols,
				       uint32_t n_native_symbols);
#endif
