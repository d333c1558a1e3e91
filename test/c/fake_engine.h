/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * A stand-in for WAMR in the host tests. A "module" is a C function run as the container's
 * code over a real 64 KiB linear memory whose top quarter is the app heap (where WAMR puts it
 * for a module without __heap_base). Termination works as in WAMR: a flag the running code
 * sees at its next check (fake_should_stop), i.e. at a loop back-edge.
 */

#ifndef FAKE_ENGINE_H_
#define FAKE_ENGINE_H_

#include "ocre_internal.h"

#define FAKE_MEM_SIZE  65536u
#define FAKE_HEAP_BASE 49152u
#define FAKE_BLOCK     256u

struct fake_module {
	char magic[8]; /* FAKE_MAGIC */
	void (*main)(struct ocre_container *c);
	const char *exports[4]; /* names ocre_register_dispatcher may find */
};

#define FAKE_MAGIC "\0asmFAKE"

/*
 * A real Wasm 1.0 module carrying m: the header, an import section naming `imports`
 * ("module.name" functions, NULL-terminated; NULL: none; "env.memory" is a memory of 1 to 2
 * pages) and m in a custom section "fake"
 * (what the device agent installs and checks). Returns its size.
 */
size_t fake_wrap(const struct fake_module *m, const char *const *imports, uint8_t *out,
		 size_t cap);

struct ocre_mem *fake_mem(struct ocre_container *c);
bool fake_should_stop(struct ocre_container *c);
/* Makes the current run end in a trap. */
void fake_trap(struct ocre_container *c);
/* Number of heap blocks currently allocated in the container's app heap. */
int fake_heap_used(struct ocre_container *c);
int fake_runs(struct ocre_container *c);
/* The most ocre_engine_instantiate calls ever in progress at once. */
int fake_max_concurrent_instantiations(void);
/* Host allocations (ocre_engine_host_alloc) not yet freed: how many, how many bytes. */
extern int fake_host_live;
extern size_t fake_host_live_bytes;

/* A host call as the natives make it: watchdog bookkeeping around the core function. */
#define GUEST(c, expr)                                                                             \
	({                                                                                         \
		ocre_host_enter(c);                                                                \
		__typeof__(expr) r_ = (expr);                                                      \
		ocre_host_leave(c);                                                                \
		r_;                                                                                \
	})

#endif /* FAKE_ENGINE_H_ */
