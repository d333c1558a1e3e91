/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Prints the native tables as JSON: the same data (ocre_abi.def, ocre_wasi.def) that builds
 * the WAMR NativeSymbol arrays.
 */

#include <stdio.h>

#include "ocre_internal.h"

int main(void)
{
	printf("{\"env\":[");
	for (int i = 0; i < OCRE_FN_COUNT; i++) {
		printf("%s{\"name\":\"%s\",\"wamr\":\"%s\",\"capability\":%u}", i ? "," : "",
		       ocre_abi_table[i].name, ocre_abi_table[i].signature,
		       (unsigned int)ocre_abi_table[i].capability);
	}
	printf("],\"wasi\":[");
	for (int i = 0; i < OCRE_WASI_COUNT; i++) {
		printf("%s{\"name\":\"%s\",\"wamr\":\"%s\"}", i ? "," : "", ocre_wasi_table[i].name,
		       ocre_wasi_table[i].signature);
	}
	printf("]}\n");
	return 0;
}
