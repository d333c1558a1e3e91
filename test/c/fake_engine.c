/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 */

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_engine.h"

#define BLOCKS ((FAKE_MEM_SIZE - FAKE_HEAP_BASE) / FAKE_BLOCK)

static struct {
	uint8_t *mem;
	struct ocre_mem view;
	volatile bool terminated;
	bool trapped;
	bool used_blocks[BLOCKS];
	int runs;
} inst[OCRE_MAX_CONTAINERS];

int ocre_engine_init(void)
{
	return 0;
}

static const uint8_t wasm_header[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

/* One byte of section size or count: the wrapped modules stay below 128 bytes per part. */
size_t fake_wrap(const struct fake_module *m, const char *const *imports, uint8_t *out, size_t cap)
{
	size_t n = 0;

#define PUT(b) (n < cap ? (void)(out[n++] = (uint8_t)(b)) : abort())
	for (size_t i = 0; i < sizeof(wasm_header); i++) {
		PUT(wasm_header[i]);
	}
	if (imports != NULL && imports[0] != NULL) {
		size_t size_at, count = 0;

		PUT(2);
		size_at = n;
		PUT(0);
		PUT(0);
		for (; imports[count] != NULL; count++) {
			const char *dot = strchr(imports[count], '.');
			size_t ml = (size_t)(dot - imports[count]);
			size_t fl = strlen(dot + 1);

			PUT(ml);
			for (size_t i = 0; i < ml; i++) {
				PUT(imports[count][i]);
			}
			PUT(fl);
			for (size_t i = 0; i < fl; i++) {
				PUT(dot[1 + i]);
			}
			if (strcmp(imports[count], "env.memory") == 0) {
				PUT(2); /* a memory of 1..2 pages */
				PUT(1);
				PUT(1);
				PUT(2);
			} else {
				PUT(0); /* a function, type 0 */
				PUT(0);
			}
		}
		if (count >= 128 || n - size_at - 1 >= 128) {
			abort();
		}
		out[size_at] = (uint8_t)(n - size_at - 1);
		out[size_at + 1] = (uint8_t)count;
	}
	PUT(0); /* custom section "fake": the module itself */
	PUT(1 + 4 + sizeof(*m));
	PUT(4);
	PUT('f');
	PUT('a');
	PUT('k');
	PUT('e');
	if (n + sizeof(*m) > cap) {
		abort();
	}
	memcpy(out + n, m, sizeof(*m));
#undef PUT
	return n + sizeof(*m);
}

/* The module in a wrapped Wasm's last section (fake_wrap), copied: the bytes are unaligned. */
static struct fake_module unwrapped[OCRE_MAX_CONTAINERS];

static const struct fake_module *unwrap(struct ocre_container *c)
{
	const size_t tail = 1 + 1 + 1 + 4 + sizeof(struct fake_module);

	if (c->wasm_size < sizeof(wasm_header) + tail ||
	    memcmp(c->wasm, wasm_header, sizeof(wasm_header)) != 0) {
		return NULL;
	}
	const uint8_t *at = c->wasm + c->wasm_size - tail;

	if (at[0] != 0 || at[1] != 1 + 4 + sizeof(struct fake_module) || at[2] != 4 ||
	    memcmp(at + 3, "fake", 4) != 0) {
		return NULL;
	}
	memcpy(&unwrapped[c->slot], at + 7, sizeof(struct fake_module));
	return &unwrapped[c->slot];
}

int ocre_engine_load(struct ocre_container *c)
{
	const struct fake_module *mod = (const struct fake_module *)c->wasm;

	if (c->wasm_size != sizeof(*mod) || memcmp(mod->magic, FAKE_MAGIC, 8) != 0) {
		mod = unwrap(c);
	}
	if (mod == NULL || memcmp(mod->magic, FAKE_MAGIC, 8) != 0) {
		return -OCRE_EINVAL;
	}
	c->engine_module = (void *)mod;
	return 0;
}

void ocre_engine_unload(struct ocre_container *c)
{
	c->engine_module = NULL;
}

static atomic_int instantiating_now;
static atomic_int instantiating_max;

int fake_max_concurrent_instantiations(void)
{
	return atomic_load(&instantiating_max);
}

int ocre_engine_instantiate(struct ocre_container *c)
{
	/* Instantiation takes a while, as WAMR's does: overlapping calls would be seen here. */
	int now = atomic_fetch_add(&instantiating_now, 1) + 1;
	int seen = atomic_load(&instantiating_max);

	while (now > seen && !atomic_compare_exchange_weak(&instantiating_max, &seen, now)) {
	}
	nanosleep(&(struct timespec){.tv_nsec = 5 * 1000 * 1000}, NULL);
	atomic_fetch_sub(&instantiating_now, 1);
	inst[c->slot].mem = calloc(1, FAKE_MEM_SIZE);
	if (inst[c->slot].mem == NULL) {
		return -OCRE_ENOMEM;
	}
	inst[c->slot].view = (struct ocre_mem){inst[c->slot].mem, FAKE_MEM_SIZE};
	inst[c->slot].terminated = false;
	inst[c->slot].trapped = false;
	memset(inst[c->slot].used_blocks, 0, sizeof(inst[c->slot].used_blocks));
	c->engine_inst = &inst[c->slot];
	return 0;
}

void ocre_engine_deinstantiate(struct ocre_container *c)
{
	free(inst[c->slot].mem);
	inst[c->slot].mem = NULL;
	c->engine_inst = NULL;
}

bool ocre_engine_run(struct ocre_container *c)
{
	const struct fake_module *mod = c->engine_module;

	inst[c->slot].runs++;
	mod->main(c);
	if (inst[c->slot].trapped) {
		strcpy(c->trap_reason, "unreachable");
	}
	return !inst[c->slot].terminated && !inst[c->slot].trapped;
}

void ocre_engine_terminate(struct ocre_container *c)
{
	inst[c->slot].terminated = true;
}

int ocre_engine_mem(struct ocre_container *c, struct ocre_mem *m)
{
	*m = inst[c->slot].view;
	return m->base != NULL ? 0 : -OCRE_EINVAL;
}

uint32_t ocre_engine_guest_alloc(struct ocre_container *c, uint32_t size)
{
	if (size == 0 || size > FAKE_BLOCK) {
		return 0;
	}
	for (unsigned int i = 0; i < BLOCKS; i++) {
		if (!inst[c->slot].used_blocks[i]) {
			inst[c->slot].used_blocks[i] = true;
			return FAKE_HEAP_BASE + i * FAKE_BLOCK;
		}
	}
	return 0;
}

void ocre_engine_guest_free(struct ocre_container *c, uint32_t offset)
{
	if (offset < FAKE_HEAP_BASE || (offset - FAKE_HEAP_BASE) % FAKE_BLOCK != 0) {
		abort(); /* the core must never free what it did not allocate */
	}
	unsigned int i = (offset - FAKE_HEAP_BASE) / FAKE_BLOCK;

	if (i >= BLOCKS || !inst[c->slot].used_blocks[i]) {
		abort();
	}
	inst[c->slot].used_blocks[i] = false;
}

bool ocre_engine_has_export(struct ocre_container *c, const char *name)
{
	const struct fake_module *mod = c->engine_module;

	for (int i = 0; i < 4; i++) {
		if (mod->exports[i] != NULL && strcmp(mod->exports[i], name) == 0) {
			return true;
		}
	}
	return false;
}

int fake_host_live;
size_t fake_host_live_bytes;

/* Each block carries its size in front (16 bytes keep the caller's pointer aligned). */
#define FAKE_HOST_HEADER 16

void *ocre_engine_host_alloc(size_t size)
{
	uint8_t *p = malloc(FAKE_HOST_HEADER + size);

	if (p == NULL) {
		return NULL;
	}
	memcpy(p, &size, sizeof(size));
	fake_host_live++;
	fake_host_live_bytes += size;
	return p + FAKE_HOST_HEADER;
}

void ocre_engine_host_free(void *ptr)
{
	size_t size;

	if (ptr == NULL) {
		return;
	}
	uint8_t *p = (uint8_t *)ptr - FAKE_HOST_HEADER;

	memcpy(&size, p, sizeof(size));
	fake_host_live--;
	fake_host_live_bytes -= size;
	free(p);
}

void ocre_engine_thread_begin(void)
{
}

void ocre_engine_thread_end(void)
{
}

struct ocre_mem *fake_mem(struct ocre_container *c)
{
	return &inst[c->slot].view;
}

bool fake_should_stop(struct ocre_container *c)
{
	return inst[c->slot].terminated;
}

void fake_trap(struct ocre_container *c)
{
	inst[c->slot].trapped = true;
}

int fake_heap_used(struct ocre_container *c)
{
	int n = 0;

	for (unsigned int i = 0; i < BLOCKS; i++) {
		n += inst[c->slot].used_blocks[i];
	}
	return n;
}

int fake_runs(struct ocre_container *c)
{
	return inst[c->slot].runs;
}
