/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * No engine: for a host program that links the core for the device agent but runs no module
 * (the POSIX device, ocre_device_posix.c, whose agent keeps, verifies and lists installed
 * containers without starting them). Every load fails.
 */

#include "../../src/ocre_internal.h"

int ocre_engine_init(void)
{
	return 0;
}

int ocre_engine_load(struct ocre_container *c)
{
	(void)c;
	return -OCRE_ENOSYS;
}

void ocre_engine_unload(struct ocre_container *c)
{
	(void)c;
}

int ocre_engine_instantiate(struct ocre_container *c)
{
	(void)c;
	return -OCRE_ENOSYS;
}

void ocre_engine_deinstantiate(struct ocre_container *c)
{
	(void)c;
}

bool ocre_engine_run(struct ocre_container *c)
{
	(void)c;
	return false;
}

void ocre_engine_terminate(struct ocre_container *c)
{
	(void)c;
}

int ocre_engine_mem(struct ocre_container *c, struct ocre_mem *m)
{
	(void)c;
	(void)m;
	return -OCRE_ENOSYS;
}

uint32_t ocre_engine_guest_alloc(struct ocre_container *c, uint32_t size)
{
	(void)c;
	(void)size;
	return 0;
}

void ocre_engine_guest_free(struct ocre_container *c, uint32_t offset)
{
	(void)c;
	(void)offset;
}

bool ocre_engine_has_export(struct ocre_container *c, const char *name)
{
	(void)c;
	(void)name;
	return false;
}

void *ocre_engine_host_alloc(size_t size)
{
	(void)size;
	return NULL;
}

void ocre_engine_host_free(void *ptr)
{
	(void)ptr;
}

void ocre_engine_thread_begin(void)
{
}

void ocre_engine_thread_end(void)
{
}
