/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * WASI preview 1 files for the minimal WASI (OCRE_WASI_FS): the calls upstream's filesystem
 * samples make, over the port's file API (ocre_port_fs_*). A container with the "filesystem"
 * capability gets fd 3 preopened as "/", backed by the folder <port root>/<container name>, as
 * upstream's `-k filesystem` gives each container its own folder. Every path is checked here
 * before the port sees it: absolute paths, ".." above the folder and symbolic links are
 * refused with ENOTCAPABLE; paths, open files and file sizes are bounded (ocre_config.h).
 * Every pointer the module hands in is checked with ocre_mem_range before use.
 */

#include <errno.h>
#include <string.h>

#include "ocre_internal.h"

#if OCRE_HAS_WASI_FS

#define PREOPEN_FD     3
#define FIRST_FILE_FD  4
#define WASI_IOV_MAX   1024

#define FILETYPE_DIRECTORY    3
#define FILETYPE_REGULAR_FILE 4
#define FILETYPE_SYMLINK      7

#define OFLAG_CREAT     1u
#define OFLAG_DIRECTORY 2u
#define OFLAG_EXCL      4u
#define OFLAG_TRUNC     8u
#define FDFLAG_APPEND   1u
#define RIGHT_FD_READ   (1ull << 1)
#define RIGHT_FD_WRITE  (1ull << 6)
#define ALL_RIGHTS      ((1ull << 30) - 1u)

static int32_t wasi_errno(int neg_errno)
{
	switch (-neg_errno) {
	case ENOENT:
		return OCRE_WASI_ENOENT;
	case EEXIST:
		return OCRE_WASI_EEXIST;
	case ENOTDIR:
		return OCRE_WASI_ENOTDIR;
	case EISDIR:
		return OCRE_WASI_EISDIR;
	case ENOTEMPTY:
		return OCRE_WASI_ENOTEMPTY;
	case EACCES:
		return OCRE_WASI_EACCES;
	case ENOSPC:
		return OCRE_WASI_ENOSPC;
	case ENAMETOOLONG:
		return OCRE_WASI_ENAMETOOLONG;
	case EINVAL:
		return OCRE_WASI_EINVAL;
	default:
		return OCRE_WASI_EIO;
	}
}

static uint8_t filetype(enum ocre_fs_type t)
{
	return t == OCRE_FS_DIR ? FILETYPE_DIRECTORY
	       : t == OCRE_FS_FILE ? FILETYPE_REGULAR_FILE
	       : t == OCRE_FS_LINK ? FILETYPE_SYMLINK
				   : 0;
}

static bool has_preopen(const struct ocre_container *c)
{
	return (c->meta.capabilities & OCRE_CAP_FILESYSTEM) != 0;
}

static struct ocre_wasi_file *file_of(struct ocre_container *c, int32_t fd)
{
	if (fd < FIRST_FILE_FD || fd >= FIRST_FILE_FD + OCRE_WASI_FS_MAX_FILES) {
		return NULL;
	}
	struct ocre_wasi_file *f = &c->files[fd - FIRST_FILE_FD];

	return f->used ? f : NULL;
}

/* The container's folder, "<name>", made on first use. */
static int32_t root_of(struct ocre_container *c, char *out, size_t len)
{
	size_t n = strlen(c->meta.name);
	enum ocre_fs_type type;
	uint64_t size;

	if (n + 1 > len) {
		return OCRE_WASI_ENAMETOOLONG;
	}
	memcpy(out, c->meta.name, n + 1);
	if (ocre_port_fs_stat(out, &type, &size) == 0) {
		return type == OCRE_FS_DIR ? OCRE_WASI_ESUCCESS : OCRE_WASI_ENOTCAPABLE;
	}
	int rc = ocre_port_fs_mkdir(out);

	return rc == 0 || rc == -EEXIST ? OCRE_WASI_ESUCCESS : wasi_errno(rc);
}

/*
 * Resolves the guest path at `ptr`/`len` against directory fd `dirfd` into a port path in
 * `out`: components are checked one by one; ".." may not climb above the container's folder,
 * and an existing component that is a symbolic link is refused.
 */
static int32_t resolve(struct ocre_container *c, const struct ocre_mem *m, int32_t dirfd,
		       uint32_t ptr, uint32_t len, char *out)
{
	size_t root_len;
	int32_t rc;

	if (dirfd == PREOPEN_FD) {
		if (!has_preopen(c)) {
			return OCRE_WASI_EBADF;
		}
		rc = root_of(c, out, OCRE_WASI_FS_PATH_MAX);
		if (rc != OCRE_WASI_ESUCCESS) {
			return rc;
		}
	} else {
		struct ocre_wasi_file *d = file_of(c, dirfd);

		if (d == NULL) {
			return OCRE_WASI_EBADF;
		}
		if (!d->is_dir) {
			return OCRE_WASI_ENOTDIR;
		}
		memcpy(out, d->path, sizeof(d->path));
	}
	root_len = strlen(c->meta.name);

	const char *path = ocre_mem_range(m, ptr, len);

	if (path == NULL) {
		return OCRE_WASI_EFAULT;
	}
	if (len == 0) {
		return OCRE_WASI_ENOENT;
	}
	if (len >= OCRE_WASI_FS_PATH_MAX) {
		return OCRE_WASI_ENAMETOOLONG;
	}
	if (path[0] == '/') {
		return OCRE_WASI_ENOTCAPABLE;
	}
	size_t at = strlen(out);
	uint32_t i = 0;

	while (i < len) {
		uint32_t start = i;

		while (i < len && path[i] != '/') {
			if (path[i] == '\0') {
				return OCRE_WASI_EINVAL;
			}
			i++;
		}
		uint32_t n = i - start;

		i++; /* the separator */
		if (n == 0 || (n == 1 && path[start] == '.')) {
			continue;
		}
		if (n == 2 && path[start] == '.' && path[start + 1] == '.') {
			if (at <= root_len) {
				return OCRE_WASI_ENOTCAPABLE;
			}
			while (at > root_len && out[at - 1] != '/') {
				at--;
			}
			at--; /* the '/' before the component */
			out[at] = '\0';
			continue;
		}
		if (at + 1 + n + 1 > OCRE_WASI_FS_PATH_MAX) {
			return OCRE_WASI_ENAMETOOLONG;
		}
		out[at++] = '/';
		memcpy(out + at, path + start, n);
		at += n;
		out[at] = '\0';

		enum ocre_fs_type type;
		uint64_t size;

		if (ocre_port_fs_stat(out, &type, &size) == 0 && type == OCRE_FS_LINK) {
			return OCRE_WASI_ENOTCAPABLE;
		}
	}
	return OCRE_WASI_ESUCCESS;
}

void ocre_wasi_fs_close_all(struct ocre_container *c)
{
	for (int i = 0; i < OCRE_WASI_FS_MAX_FILES; i++) {
		struct ocre_wasi_file *f = &c->files[i];

		if (f->used && !f->is_dir) {
			(void)ocre_port_fs_close(f->handle);
		}
		f->used = false;
	}
}

int32_t ocre_wasi_fs_prestat_get(struct ocre_container *c, const struct ocre_mem *m, int32_t fd,
				 uint32_t out)
{
	if (fd != PREOPEN_FD || !has_preopen(c)) {
		return OCRE_WASI_EBADF;
	}
	if (ocre_mem_range(m, out, 8) == NULL) {
		return OCRE_WASI_EFAULT;
	}
	(void)ocre_mem_put_u32(m, out, 0); /* a directory */
	(void)ocre_mem_put_u32(m, out + 4, 1);
	return OCRE_WASI_ESUCCESS;
}

int32_t ocre_wasi_fs_prestat_dir_name(struct ocre_container *c, const struct ocre_mem *m,
				      int32_t fd, uint32_t buf, uint32_t len)
{
	char *p = ocre_mem_range(m, buf, len);

	if (fd != PREOPEN_FD || !has_preopen(c)) {
		return OCRE_WASI_EBADF;
	}
	if (len < 1) {
		return OCRE_WASI_ENAMETOOLONG;
	}
	if (p == NULL) {
		return OCRE_WASI_EFAULT;
	}
	p[0] = '/';
	return OCRE_WASI_ESUCCESS;
}

int32_t ocre_wasi_fs_path_open(struct ocre_container *c, const struct ocre_mem *m, int32_t dirfd,
			       uint32_t path, uint32_t path_len, uint32_t oflags,
			       uint64_t rights, uint32_t fdflags, uint32_t fd_out)
{
	char full[OCRE_WASI_FS_PATH_MAX];
	int32_t rc = resolve(c, m, dirfd, path, path_len, full);
	struct ocre_wasi_file *slot = NULL;
	int fd = 0;

	if (rc != OCRE_WASI_ESUCCESS) {
		return rc;
	}
	if (ocre_mem_range(m, fd_out, 4) == NULL) {
		return OCRE_WASI_EFAULT;
	}
	for (int i = 0; i < OCRE_WASI_FS_MAX_FILES; i++) {
		if (!c->files[i].used) {
			slot = &c->files[i];
			fd = FIRST_FILE_FD + i;
			break;
		}
	}
	if (slot == NULL) {
		return OCRE_WASI_EMFILE;
	}
	enum ocre_fs_type type;
	uint64_t size;
	bool exists = ocre_port_fs_stat(full, &type, &size) == 0;
	bool write = (rights & RIGHT_FD_WRITE) != 0;

	if (exists && (oflags & OFLAG_CREAT) && (oflags & OFLAG_EXCL)) {
		return OCRE_WASI_EEXIST;
	}
	if ((oflags & OFLAG_DIRECTORY) || (exists && type == OCRE_FS_DIR)) {
		if (!exists) {
			return OCRE_WASI_ENOENT;
		}
		if (type != OCRE_FS_DIR) {
			return OCRE_WASI_ENOTDIR;
		}
		if (write || (oflags & (OFLAG_CREAT | OFLAG_TRUNC))) {
			return OCRE_WASI_EISDIR;
		}
		memset(slot, 0, sizeof(*slot));
		slot->used = true;
		slot->is_dir = true;
		memcpy(slot->path, full, sizeof(full));
		(void)ocre_mem_put_u32(m, fd_out, (uint32_t)fd);
		return OCRE_WASI_ESUCCESS;
	}
	if (!exists && !(oflags & OFLAG_CREAT)) {
		return OCRE_WASI_ENOENT;
	}
	if (exists && type != OCRE_FS_FILE) {
		return OCRE_WASI_ENOTSUP;
	}
	uint32_t flags = (write ? OCRE_FS_O_WRITE : 0u) |
			 ((rights & RIGHT_FD_READ) || !write ? OCRE_FS_O_READ : 0u) |
			 ((oflags & OFLAG_CREAT) ? OCRE_FS_O_CREATE : 0u) |
			 ((oflags & OFLAG_EXCL) ? OCRE_FS_O_EXCL : 0u) |
			 ((oflags & OFLAG_TRUNC) ? OCRE_FS_O_TRUNC : 0u);
	int handle;
	int prc = ocre_port_fs_open(full, flags, &handle);

	if (prc != 0) {
		return wasi_errno(prc);
	}
	memset(slot, 0, sizeof(*slot));
	slot->used = true;
	slot->handle = handle;
	slot->read = (flags & OCRE_FS_O_READ) != 0;
	slot->write = write;
	slot->append = (fdflags & FDFLAG_APPEND) != 0;
	memcpy(slot->path, full, sizeof(full));
	(void)ocre_mem_put_u32(m, fd_out, (uint32_t)fd);
	return OCRE_WASI_ESUCCESS;
}

/* Checks the iovec array and every buffer in it; returns their total length through *total. */
static int32_t check_iovecs(const struct ocre_mem *m, uint32_t iovs, uint32_t n, uint32_t *total)
{
	*total = 0;
	if (n > WASI_IOV_MAX || ocre_mem_range(m, iovs, n * 8u) == NULL) {
		return OCRE_WASI_EFAULT;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t buf, len;

		(void)ocre_mem_get_u32(m, iovs + i * 8u, &buf);
		(void)ocre_mem_get_u32(m, iovs + i * 8u + 4u, &len);
		if (ocre_mem_range(m, buf, len) == NULL) {
			return OCRE_WASI_EFAULT;
		}
		if (*total + len < *total) {
			return OCRE_WASI_OVERFLOW;
		}
		*total += len;
	}
	return OCRE_WASI_ESUCCESS;
}

int32_t ocre_wasi_fs_rw(struct ocre_container *c, const struct ocre_mem *m, int32_t fd,
			uint32_t iovs, uint32_t n, uint32_t done_out, bool write)
{
	struct ocre_wasi_file *f = file_of(c, fd);
	uint32_t total, done = 0;
	int32_t rc;

	if (f == NULL) {
		return OCRE_WASI_EBADF;
	}
	if (f->is_dir) {
		return OCRE_WASI_EISDIR;
	}
	if (write ? !f->write : !f->read) {
		return OCRE_WASI_EBADF;
	}
	rc = check_iovecs(m, iovs, n, &total);
	if (rc != OCRE_WASI_ESUCCESS) {
		return rc;
	}
	if (ocre_mem_range(m, done_out, 4) == NULL) {
		return OCRE_WASI_EFAULT;
	}
	if (write && f->append && ocre_port_fs_size(f->handle, &f->pos) != 0) {
		return OCRE_WASI_EIO;
	}
	if (write && f->pos + total > OCRE_WASI_FS_MAX_FILE_BYTES) {
		return OCRE_WASI_EFBIG;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t buf, len;

		(void)ocre_mem_get_u32(m, iovs + i * 8u, &buf);
		(void)ocre_mem_get_u32(m, iovs + i * 8u + 4u, &len);
		if (len == 0) {
			continue;
		}
		int got = write ? ocre_port_fs_write(f->handle, f->pos, m->base + buf, len)
				: ocre_port_fs_read(f->handle, f->pos, m->base + buf, len);

		if (got < 0) {
			return wasi_errno(got);
		}
		f->pos += (uint32_t)got;
		done += (uint32_t)got;
		if ((uint32_t)got < len) {
			break;
		}
	}
	(void)ocre_mem_put_u32(m, done_out, done);
	return OCRE_WASI_ESUCCESS;
}

int32_t ocre_wasi_fs_seek(struct ocre_container *c, const struct ocre_mem *m, int32_t fd,
			  int64_t offset, uint32_t whence, uint32_t out)
{
	struct ocre_wasi_file *f = file_of(c, fd);
	uint64_t base;

	if (f == NULL || f->is_dir) {
		return OCRE_WASI_EBADF;
	}
	if (whence == 0) {
		base = 0;
	} else if (whence == 1) {
		base = f->pos;
	} else if (whence == 2) {
		if (ocre_port_fs_size(f->handle, &base) != 0) {
			return OCRE_WASI_EIO;
		}
	} else {
		return OCRE_WASI_EINVAL;
	}
	if ((offset < 0 && (uint64_t)(-offset) > base) ||
	    (offset > 0 && base + (uint64_t)offset > OCRE_WASI_FS_MAX_FILE_BYTES)) {
		return OCRE_WASI_EINVAL;
	}
	if (ocre_mem_range(m, out, 8) == NULL) {
		return OCRE_WASI_EFAULT;
	}
	f->pos = (uint64_t)((int64_t)base + offset);
	(void)ocre_mem_put_u64(m, out, f->pos);
	return OCRE_WASI_ESUCCESS;
}

int32_t ocre_wasi_fs_tell(struct ocre_container *c, const struct ocre_mem *m, int32_t fd,
			  uint32_t out)
{
	struct ocre_wasi_file *f = file_of(c, fd);

	if (f == NULL || f->is_dir) {
		return OCRE_WASI_EBADF;
	}
	return ocre_mem_put_u64(m, out, f->pos) ? OCRE_WASI_ESUCCESS : OCRE_WASI_EFAULT;
}

int32_t ocre_wasi_fs_close(struct ocre_container *c, int32_t fd)
{
	struct ocre_wasi_file *f = file_of(c, fd);

	if (f == NULL) {
		return OCRE_WASI_EBADF;
	}
	f->used = false;
	return f->is_dir || ocre_port_fs_close(f->handle) == 0 ? OCRE_WASI_ESUCCESS : OCRE_WASI_EIO;
}

int32_t ocre_wasi_fs_renumber(struct ocre_container *c, int32_t from, int32_t to)
{
	struct ocre_wasi_file *f = file_of(c, from);
	struct ocre_wasi_file *t = file_of(c, to);

	if (f == NULL || t == NULL) {
		return OCRE_WASI_EBADF;
	}
	if (f != t) {
		if (!t->is_dir) {
			(void)ocre_port_fs_close(t->handle);
		}
		*t = *f;
		f->used = false;
	}
	return OCRE_WASI_ESUCCESS;
}

int32_t ocre_wasi_fs_fdstat_get(struct ocre_container *c, const struct ocre_mem *m, int32_t fd,
				uint32_t out)
{
	struct ocre_wasi_file *f = file_of(c, fd);
	uint8_t *p = ocre_mem_range(m, out, 24);
	bool dir = fd == PREOPEN_FD && has_preopen(c);
	uint64_t rights = ALL_RIGHTS;

	if (!dir && f == NULL) {
		return OCRE_WASI_EBADF;
	}
	if (p == NULL) {
		return OCRE_WASI_EFAULT;
	}
	dir = dir || f->is_dir;
	memset(p, 0, 24);
	p[0] = dir ? FILETYPE_DIRECTORY : FILETYPE_REGULAR_FILE;
	if (!dir) {
		p[2] = f->append ? FDFLAG_APPEND : 0;
		rights &= ~((f->read ? 0 : RIGHT_FD_READ) | (f->write ? 0 : RIGHT_FD_WRITE));
	}
	(void)ocre_mem_put_u64(m, out + 8, rights);
	(void)ocre_mem_put_u64(m, out + 16, dir ? ALL_RIGHTS : 0);
	return OCRE_WASI_ESUCCESS;
}

static int32_t put_filestat(const struct ocre_mem *m, uint32_t out, enum ocre_fs_type type,
			    uint64_t size)
{
	uint8_t *p = ocre_mem_range(m, out, 64);

	if (p == NULL) {
		return OCRE_WASI_EFAULT;
	}
	memset(p, 0, 64);
	p[16] = filetype(type);
	(void)ocre_mem_put_u64(m, out + 24, 1); /* nlink */
	(void)ocre_mem_put_u64(m, out + 32, size);
	return OCRE_WASI_ESUCCESS;
}

int32_t ocre_wasi_fs_filestat_get(struct ocre_container *c, const struct ocre_mem *m, int32_t fd,
				  uint32_t out)
{
	struct ocre_wasi_file *f = file_of(c, fd);
	uint64_t size = 0;

	if (fd == PREOPEN_FD && has_preopen(c)) {
		return put_filestat(m, out, OCRE_FS_DIR, 0);
	}
	if (f == NULL) {
		return OCRE_WASI_EBADF;
	}
	if (!f->is_dir && ocre_port_fs_size(f->handle, &size) != 0) {
		return OCRE_WASI_EIO;
	}
	return put_filestat(m, out, f->is_dir ? OCRE_FS_DIR : OCRE_FS_FILE, size);
}

int32_t ocre_wasi_fs_path_filestat_get(struct ocre_container *c, const struct ocre_mem *m,
				       int32_t dirfd, uint32_t path, uint32_t len, uint32_t out)
{
	char full[OCRE_WASI_FS_PATH_MAX];
	int32_t rc = resolve(c, m, dirfd, path, len, full);
	enum ocre_fs_type type;
	uint64_t size;

	if (rc != OCRE_WASI_ESUCCESS) {
		return rc;
	}
	int prc = ocre_port_fs_stat(full, &type, &size);

	return prc == 0 ? put_filestat(m, out, type, size) : wasi_errno(prc);
}

int32_t ocre_wasi_fs_path_op(struct ocre_container *c, const struct ocre_mem *m, int32_t dirfd,
			     uint32_t path, uint32_t len, enum ocre_wasi_fs_op op)
{
	char full[OCRE_WASI_FS_PATH_MAX];
	int32_t rc = resolve(c, m, dirfd, path, len, full);
	enum ocre_fs_type type;
	uint64_t size;
	int prc;

	if (rc != OCRE_WASI_ESUCCESS) {
		return rc;
	}
	switch (op) {
	case OCRE_WASI_FS_MKDIR:
		prc = ocre_port_fs_mkdir(full);
		break;
	case OCRE_WASI_FS_UNLINK:
		prc = ocre_port_fs_stat(full, &type, &size);
		if (prc == 0 && type == OCRE_FS_DIR) {
			return OCRE_WASI_EISDIR;
		}
		prc = prc == 0 ? ocre_port_fs_unlink(full) : prc;
		break;
	default: /* OCRE_WASI_FS_RMDIR */
		if (strcmp(full, c->meta.name) == 0) {
			return OCRE_WASI_EINVAL; /* the preopen itself stays */
		}
		prc = ocre_port_fs_stat(full, &type, &size);
		if (prc == 0 && type != OCRE_FS_DIR) {
			return OCRE_WASI_ENOTDIR;
		}
		prc = prc == 0 ? ocre_port_fs_rmdir(full) : prc;
		break;
	}
	return prc == 0 ? OCRE_WASI_ESUCCESS : wasi_errno(prc);
}

/* One dirent: d_next, d_ino, d_namlen, d_type, then the name, cut at the buffer's end. */
static uint32_t put_dirent(const struct ocre_mem *m, uint32_t buf, uint32_t room, uint64_t next,
			   const char *name, uint8_t type)
{
	uint8_t rec[24 + OCRE_WASI_FS_NAME_MAX];
	uint32_t n = (uint32_t)strlen(name);

	memset(rec, 0, 24);
	for (int i = 0; i < 8; i++) {
		rec[i] = (uint8_t)(next >> (8 * i));
	}
	rec[16] = (uint8_t)n;
	rec[17] = (uint8_t)(n >> 8);
	rec[20] = type;
	memcpy(rec + 24, name, n);

	uint32_t size = 24 + n < room ? 24 + n : room;

	memcpy(m->base + buf, rec, size);
	return size;
}

int32_t ocre_wasi_fs_readdir(struct ocre_container *c, const struct ocre_mem *m, int32_t fd,
			     uint32_t buf, uint32_t len, uint64_t cookie, uint32_t used_out)
{
	struct ocre_wasi_file *f = file_of(c, fd);
	char root[OCRE_WASI_FS_PATH_MAX];
	const char *path;
	uint32_t used = 0;

	if (fd == PREOPEN_FD && has_preopen(c)) {
		int32_t rc = root_of(c, root, sizeof(root));

		if (rc != OCRE_WASI_ESUCCESS) {
			return rc;
		}
		path = root;
	} else if (f == NULL) {
		return OCRE_WASI_EBADF;
	} else if (!f->is_dir) {
		return OCRE_WASI_ENOTDIR;
	} else {
		path = f->path;
	}
	if (ocre_mem_range(m, buf, len) == NULL || ocre_mem_range(m, used_out, 4) == NULL) {
		return OCRE_WASI_EFAULT;
	}
	/* Cookies 0 and 1 are "." and ".."; cookie k >= 2 is the port's entry k - 2. */
	for (uint64_t k = cookie; used < len && k < UINT32_MAX; k++) {
		char name[OCRE_WASI_FS_NAME_MAX + 1];
		enum ocre_fs_type type = OCRE_FS_DIR;

		if (k < 2) {
			strcpy(name, k == 0 ? "." : "..");
		} else {
			int rc = ocre_port_fs_dirent(path, (uint32_t)(k - 2), name, sizeof(name),
						     &type);

			if (rc < 0) {
				return wasi_errno(rc);
			}
			if (rc == 0) {
				break;
			}
		}
		used += put_dirent(m, buf + used, len - used, k + 1, name, filetype(type));
	}
	(void)ocre_mem_put_u32(m, used_out, used);
	return OCRE_WASI_ESUCCESS;
}

#endif /* OCRE_HAS_WASI_FS */
