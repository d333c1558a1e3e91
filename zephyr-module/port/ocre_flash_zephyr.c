/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The Zephyr port of the device agent's flash (ocre/ocre_store.h): the fixed partition
 * labelled "ocre_store" through the flash map, with the device's erase-block and program-unit
 * sizes (ocre_store_zephyr_open; ocre_agent_zephyr.c starts the agent on it).
 */

#include <zephyr/drivers/flash.h>
#include <zephyr/storage/flash_map.h>

#include <ocre/ocre_store.h>

#include "ocre_agent_zephyr.h"

#include "ocre_internal.h"

#if !DT_HAS_FIXED_PARTITION_LABEL(ocre_store)
#error "CONFIG_OCRE_AGENT needs a fixed partition labelled ocre_store in the devicetree"
#endif

/* By the partition's label property (FIXED_PARTITION_ID would want a node label). */
#define OCRE_STORE_AREA DT_FIXED_PARTITION_ID(DT_NODE_BY_FIXED_PARTITION_LABEL(ocre_store))

static const struct flash_area *area;

static int zephyr_read(const struct ocre_flash *f, uint32_t off, void *buf, size_t len)
{
	ARG_UNUSED(f);
	return flash_area_read(area, (off_t)off, buf, len) == 0 ? 0 : -OCRE_EIO;
}

static int zephyr_write(const struct ocre_flash *f, uint32_t off, const void *buf, size_t len)
{
	ARG_UNUSED(f);
	return flash_area_write(area, (off_t)off, buf, len) == 0 ? 0 : -OCRE_EIO;
}

static int zephyr_erase(const struct ocre_flash *f, uint32_t off, size_t len)
{
	ARG_UNUSED(f);
	return flash_area_erase(area, (off_t)off, len) == 0 ? 0 : -OCRE_EIO;
}

static struct ocre_flash flash = {
	.read = zephyr_read,
	.write = zephyr_write,
	.erase = zephyr_erase,
};

int ocre_store_zephyr_open(struct ocre_store *store, unsigned int slots)
{
	struct flash_pages_info page;
	const struct device *dev;

	if (flash_area_open(OCRE_STORE_AREA, &area) != 0) {
		return -OCRE_ENODEV;
	}
	dev = flash_area_get_device(area);
	if (dev == NULL || !device_is_ready(dev) ||
	    flash_get_page_info_by_offs(dev, area->fa_off, &page) != 0) {
		return -OCRE_ENODEV;
	}
	/* Flash that erases to 0x00 would read as "set" flags everywhere: not supported. */
	if (flash_get_parameters(dev)->erase_value != 0xff) {
		return -OCRE_ENOSYS;
	}
	flash.size = (uint32_t)area->fa_size;
	flash.erase_size = (uint32_t)page.size;
	flash.write_size = (uint32_t)flash_get_write_block_size(dev);

	return ocre_store_open(store, &flash, slots);
}
