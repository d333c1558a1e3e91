/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * GCC lowers __atomic builtins to library calls on RISC-V cores without the A extension
 * (ESP32-C3 is rv32imc), and a bare-metal toolchain without libatomic (Debian's
 * riscv64-unknown-elf) has none: WAMR's thread manager then fails to link on
 * __atomic_fetch_or_4 / __atomic_fetch_and_4. On a single core, locking interrupts makes the
 * read-modify-write atomic. Built only for RISC-V without A (zephyr-module/CMakeLists.txt).
 */

#include <zephyr/kernel.h>

BUILD_ASSERT(!IS_ENABLED(CONFIG_SMP), "interrupt-locked atomics are only atomic on one core");

unsigned int __atomic_fetch_or_4(volatile void *mem, unsigned int val, int model)
{
	volatile unsigned int *word = mem;
	unsigned int key = irq_lock();
	unsigned int old = *word;

	ARG_UNUSED(model);
	*word = old | val;
	irq_unlock(key);
	return old;
}

unsigned int __atomic_fetch_and_4(volatile void *mem, unsigned int val, int model)
{
	volatile unsigned int *word = mem;
	unsigned int key = irq_lock();
	unsigned int old = *word;

	ARG_UNUSED(model);
	*word = old & val;
	irq_unlock(key);
	return old;
}
