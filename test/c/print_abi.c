/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Prints, as JSON, the lists that build the WAMR native tables (ocre_abi.def, ocre_wasi.def),
 * expanded the same way wamr/ocre_wamr_natives.c expands them.
 */

#include <stdio.h>

#include <ocre/ocre.h>

int main(void)
{
	const char *sep = "";

	printf("{\"env\":[");
#define OCRE_ABI_FN(name, sig, cap)                                                                \
	printf("%s{\"name\":\"%s\",\"wamr\":\"%s\",\"capability\":%u}", sep, #name, sig,           \
	       (unsigned int)(cap));                                                               \
	sep = ",";
#include "ocre_abi.def"
#undef OCRE_ABI_FN
	printf("],\"wasi\":[");
	sep = "";
#define OCRE_WASI_FN(name, sig)                                                                    \
	printf("%s{\"name\":\"%s\",\"wamr\":\"%s\"}", sep, #name, sig);                            \
	sep = ",";
#include "ocre_wasi.def"
#undef OCRE_WASI_FN
	printf("]}\n");
	return 0;
}
