/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The ABI tables as data (names, WAMR signatures, capabilities), from the .def lists.
 */

#include "ocre_internal.h"

const struct ocre_abi_entry ocre_abi_table[OCRE_FN_COUNT] = {
#define OCRE_ABI_FN(name, sig, cap) {#name, sig, cap},
#include "ocre_abi.def"
#undef OCRE_ABI_FN
};

const struct ocre_abi_entry ocre_wasi_table[OCRE_WASI_COUNT] = {
#define OCRE_WASI_FN(name, sig) {#name, sig, 0},
#include "ocre_wasi.def"
#undef OCRE_WASI_FN
};
