/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * What the core needs of the ABI list (ocre_abi.def): each call's name, for the log, and the
 * capability it requires. The WAMR signatures live only in the native table.
 */

#include "ocre_internal.h"

const char *const ocre_abi_names[OCRE_FN_COUNT] = {
#define OCRE_ABI_FN(name, sig, cap) #name,
#include "ocre_abi.def"
#undef OCRE_ABI_FN
};

const uint8_t ocre_abi_caps[OCRE_FN_COUNT] = {
#define OCRE_ABI_FN(name, sig, cap) cap,
#include "ocre_abi.def"
#undef OCRE_ABI_FN
};
