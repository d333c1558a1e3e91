/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The POSIX port's flash: a file that behaves like NOR flash (erased bytes read 0xff, a write
 * must be aligned to the program unit and may only program erased bytes), for the container
 * store in the host tests and the POSIX device.
 */

#ifndef OCRE_FLASH_POSIX_H_
#define OCRE_FLASH_POSIX_H_

#include <stdint.h>

#include <ocre/ocre_store.h>

struct ocre_posix_flash {
	struct ocre_flash flash;
	int fd;
	uint32_t writes; /* write and erase calls so far (tests count steps with it) */
};

/*
 * Opens (creating it erased if missing or of another size) the file at `path` as a region of
 * `size` bytes. 0 or -errno.
 */
int ocre_posix_flash_open(struct ocre_posix_flash *pf, const char *path, uint32_t size,
			  uint32_t erase_size, uint32_t write_size);
void ocre_posix_flash_close(struct ocre_posix_flash *pf);

#endif /* OCRE_FLASH_POSIX_H_ */
