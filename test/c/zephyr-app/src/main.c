/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Runs the containers listed in containers.inc (made by make-containers.mjs) the way the
 * generated firmware does, then reports the result.
 */

#include <zephyr/kernel.h>
#include <zephyr/sys/printk.h>

#include <ocre/ocre.h>

#define CONTAINER(var, cname, caps, restart_policy)                                                \
	{                                                                                          \
		.wasm = var, .size = sizeof(var),                                                  \
		.meta = {.name = cname,                                                            \
			 .digest = "sha256:"                                                       \
				   "0000000000000000000000000000000000000000000000000000000000000" \
				   "000",                                                          \
			 .capabilities = caps,                                                     \
			 .stack_size = 8192,                                                       \
			 .heap_size = 8192,                                                        \
			 .max_memory_pages = 1,                                                    \
			 .restart = restart_policy},                                               \
	}

#include "containers.inc"

int main(void)
{
	int ret = ocre_init();

	if (ret != 0) {
		printk("ocre_init failed: %d\n", ret);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(containers); i++) {
		ret = ocre_container_add(containers[i].wasm, containers[i].size,
					 &containers[i].meta);
		if (ret < 0) {
			printk("add %s failed: %d\n", containers[i].meta.name, ret);
		}
	}
	ocre_start_all();
	ret = ocre_wait_all();
	for (size_t i = 0; i < ARRAY_SIZE(containers); i++) {
		struct ocre_container_status st;

		if (ocre_container_status((int)i, &st) == 0) {
			printk("container %s exit %d\n", st.name, (int)st.exit_code);
		}
	}
	printk("ocre_wait_all: %d\nOCRE-CHECK-DONE\n", ret);
	return 0;
}
