/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * File-backed flash with NOR rules (ocre_flash_posix.h). A write over bytes that are not
 * erased is refused (-EIO), as flash with ECC refuses it, so a store that forgets an erase
 * fails its tests instead of working by luck on a file.
 */

/* Guarded: builds such as WAMR's Linux platform pass -D_GNU_SOURCE already. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ocre_flash_posix.h"

#define IO_CHUNK 4096u

static struct ocre_posix_flash *self(const struct ocre_flash *f)
{
	return (struct ocre_posix_flash *)f->ctx;
}

static bool in_range(const struct ocre_flash *f, uint32_t off, size_t len)
{
	return off <= f->size && len <= f->size - off;
}

static int posix_read(const struct ocre_flash *f, uint32_t off, void *buf, size_t len)
{
	if (!in_range(f, off, len)) {
		return -EINVAL;
	}
	ssize_t n = pread(self(f)->fd, buf, len, off);

	return n == (ssize_t)len ? 0 : -EIO;
}

static int posix_write(const struct ocre_flash *f, uint32_t off, const void *buf, size_t len)
{
	struct ocre_posix_flash *pf = self(f);
	uint8_t old[IO_CHUNK];

	pf->writes++;
	if (!in_range(f, off, len) || off % f->write_size != 0 || len % f->write_size != 0) {
		return -EINVAL;
	}
	for (size_t done = 0; done < len; done += IO_CHUNK) {
		size_t n = len - done < IO_CHUNK ? len - done : IO_CHUNK;

		if (pread(pf->fd, old, n, off + done) != (ssize_t)n) {
			return -EIO;
		}
		for (size_t i = 0; i < n; i++) {
			if (old[i] != 0xff) {
				return -EIO; /* programming a byte that is not erased */
			}
		}
	}
	return pwrite(pf->fd, buf, len, off) == (ssize_t)len ? 0 : -EIO;
}

static int posix_erase(const struct ocre_flash *f, uint32_t off, size_t len)
{
	struct ocre_posix_flash *pf = self(f);
	uint8_t ones[IO_CHUNK];

	pf->writes++;
	if (!in_range(f, off, len) || off % f->erase_size != 0 || len % f->erase_size != 0) {
		return -EINVAL;
	}
	memset(ones, 0xff, sizeof(ones));
	for (size_t done = 0; done < len; done += IO_CHUNK) {
		size_t n = len - done < IO_CHUNK ? len - done : IO_CHUNK;

		if (pwrite(pf->fd, ones, n, off + done) != (ssize_t)n) {
			return -EIO;
		}
	}
	return 0;
}

int ocre_posix_flash_open(struct ocre_posix_flash *pf, const char *path, uint32_t size,
			  uint32_t erase_size, uint32_t write_size)
{
	struct stat st;

	memset(pf, 0, sizeof(*pf));
	pf->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (pf->fd < 0) {
		return -errno;
	}
	pf->flash = (struct ocre_flash){
		.read = posix_read,
		.write = posix_write,
		.erase = posix_erase,
		.size = size,
		.erase_size = erase_size,
		.write_size = write_size,
		.ctx = pf,
	};
	if (fstat(pf->fd, &st) != 0) {
		close(pf->fd);
		return -EIO;
	}
	if (st.st_size != (off_t)size) {
		if (ftruncate(pf->fd, 0) != 0 || ftruncate(pf->fd, size) != 0 ||
		    posix_erase(&pf->flash, 0, size - size % erase_size) != 0) {
			close(pf->fd);
			return -EIO;
		}
		pf->writes = 0;
	}
	return 0;
}

void ocre_posix_flash_close(struct ocre_posix_flash *pf)
{
	if (pf->fd >= 0) {
		close(pf->fd);
		pf->fd = -1;
	}
}
