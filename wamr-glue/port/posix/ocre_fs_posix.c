/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The POSIX port's files for WASI (ocre_port_fs_*, used with OCRE_WASI_FS=1): port paths are
 * relative to a root folder (ocre_posix_set_fs_root). The core has checked every path; this
 * layer still opens with O_NOFOLLOW and never follows a link, so a link made on the host
 * between the core's check and the call cannot lead out either.
 */

/* Guarded: builds such as WAMR's Linux platform pass -D_GNU_SOURCE already. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/* 64-bit inodes and offsets on 32-bit hosts too (readdir answers EOVERFLOW otherwise). */
#define _FILE_OFFSET_BITS 64
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ocre/ocre_port.h>

#include "ocre_port_posix.h"

#define MAX_HANDLES 32

static char root[PATH_MAX] = ".";
static int handles[MAX_HANDLES] = {[0 ... MAX_HANDLES - 1] = -1};

void ocre_posix_set_fs_root(const char *dir)
{
	snprintf(root, sizeof(root), "%s", dir);
}

static int host_path(const char *path, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s", root, path);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static enum ocre_fs_type type_of(mode_t mode)
{
	return S_ISREG(mode) ? OCRE_FS_FILE : S_ISDIR(mode) ? OCRE_FS_DIR : S_ISLNK(mode) ? OCRE_FS_LINK : OCRE_FS_OTHER;
}

int ocre_port_fs_stat(const char *path, enum ocre_fs_type *type, uint64_t *size)
{
	char p[PATH_MAX];
	struct stat st;

	if (host_path(path, p, sizeof(p)) != 0) {
		return -ENAMETOOLONG;
	}
	if (lstat(p, &st) != 0) {
		return -errno;
	}
	*type = type_of(st.st_mode);
	*size = (uint64_t)st.st_size;
	return 0;
}

int ocre_port_fs_open(const char *path, uint32_t flags, int *handle)
{
	char p[PATH_MAX];
	int mode = (flags & OCRE_FS_O_WRITE) ? ((flags & OCRE_FS_O_READ) ? O_RDWR : O_WRONLY)
					     : O_RDONLY;
	int slot = -1;

	for (int i = 0; i < MAX_HANDLES; i++) {
		if (handles[i] < 0) {
			slot = i;
			break;
		}
	}
	if (slot < 0) {
		return -EMFILE;
	}
	if (host_path(path, p, sizeof(p)) != 0) {
		return -ENAMETOOLONG;
	}
	mode |= O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	mode |= (flags & OCRE_FS_O_CREATE) ? O_CREAT : 0;
	mode |= (flags & OCRE_FS_O_EXCL) ? O_EXCL : 0;
	mode |= (flags & OCRE_FS_O_TRUNC) ? O_TRUNC : 0;

	int fd = open(p, mode, 0644);

	if (fd < 0) {
		return -errno;
	}
	handles[slot] = fd;
	*handle = slot;
	return 0;
}

static int fd_of(int handle)
{
	return handle >= 0 && handle < MAX_HANDLES ? handles[handle] : -1;
}

int ocre_port_fs_read(int handle, uint64_t offset, void *buf, size_t len)
{
	ssize_t n = pread(fd_of(handle), buf, len, (off_t)offset);

	return n < 0 ? -errno : (int)n;
}

int ocre_port_fs_write(int handle, uint64_t offset, const void *buf, size_t len)
{
	ssize_t n = pwrite(fd_of(handle), buf, len, (off_t)offset);

	return n < 0 ? -errno : (int)n;
}

int ocre_port_fs_size(int handle, uint64_t *size)
{
	struct stat st;

	if (fstat(fd_of(handle), &st) != 0) {
		return -errno;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

int ocre_port_fs_close(int handle)
{
	int fd = fd_of(handle);

	if (fd < 0) {
		return -EBADF;
	}
	handles[handle] = -1;
	return close(fd) == 0 ? 0 : -errno;
}

#define PATH_CALL(call)                                                                            \
	char p[PATH_MAX];                                                                          \
	if (host_path(path, p, sizeof(p)) != 0) {                                                  \
		return -ENAMETOOLONG;                                                              \
	}                                                                                          \
	return (call) == 0 ? 0 : -errno

int ocre_port_fs_mkdir(const char *path)
{
	PATH_CALL(mkdir(p, 0755));
}

int ocre_port_fs_unlink(const char *path)
{
	PATH_CALL(unlink(p));
}

int ocre_port_fs_rmdir(const char *path)
{
	PATH_CALL(rmdir(p));
}

static int skip_dots(const struct dirent *e)
{
	return strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
}

int ocre_port_fs_dirent(const char *path, uint32_t index, char *name, size_t name_len,
			enum ocre_fs_type *type)
{
	char p[PATH_MAX];
	struct dirent **list;
	int rc = 0;

	if (host_path(path, p, sizeof(p)) != 0) {
		return -ENAMETOOLONG;
	}
	/* By name, so that an unchanged folder lists the same at every call (cookies are indexes). */
	int n = scandir(p, &list, skip_dots, alphasort);

	if (n < 0) {
		return -errno;
	}
	if (index < (uint32_t)n && strlen(list[index]->d_name) >= name_len) {
		rc = -ENAMETOOLONG;
	} else if (index < (uint32_t)n) {
		char q[PATH_MAX];
		struct stat st;

		snprintf(name, name_len, "%s", list[index]->d_name);
		*type = snprintf(q, sizeof(q), "%s/%s", p, list[index]->d_name) < (int)sizeof(q) &&
				lstat(q, &st) == 0
			? type_of(st.st_mode)
			: OCRE_FS_OTHER;
		rc = 1;
	}
	for (int i = 0; i < n; i++) {
		free(list[i]);
	}
	free(list);
	return rc;
}
