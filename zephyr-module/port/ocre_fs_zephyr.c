/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Files for the minimal WASI (CONFIG_OCRE_WASI_FS) on Zephyr's file system API: port paths are
 * relative to CONFIG_OCRE_WASI_FS_ROOT (a mounted file system, e.g. littlefs at /lfs). The core
 * (ocre_wasi_fs.c) has checked every path; Zephyr's file systems have no symbolic links.
 * With CONFIG_OCRE_WASI_FS_RAM_DISK it also makes that file system before main() runs: ext2 on
 * a RAM disk, mounted at the root's first component.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <zephyr/fs/fs.h>
#ifdef CONFIG_OCRE_WASI_FS_RAM_DISK
#include <zephyr/fs/ext2.h>
#endif
#include <zephyr/init.h>
#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>

#include <ocre/ocre_port.h>

LOG_MODULE_DECLARE(ocre, CONFIG_OCRE_LOG_LEVEL);

#define MAX_HANDLES (CONFIG_OCRE_WASI_FS_MAX_FILES * CONFIG_OCRE_MAX_CONTAINERS)

static struct fs_file_t files[MAX_HANDLES];
static bool in_use[MAX_HANDLES];
static K_MUTEX_DEFINE(handles_lock);

static int full_path(const char *path, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s", CONFIG_OCRE_WASI_FS_ROOT, path);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

#define FULL(p)                                                                                    \
	char p[sizeof(CONFIG_OCRE_WASI_FS_ROOT) + CONFIG_OCRE_WASI_FS_PATH_MAX + 1];               \
	if (full_path(path, p, sizeof(p)) != 0) {                                                  \
		return -ENAMETOOLONG;                                                              \
	}

int ocre_port_fs_stat(const char *path, enum ocre_fs_type *type, uint64_t *size)
{
	struct fs_dirent e;
	FULL(p);
	int rc = fs_stat(p, &e);

	if (rc != 0) {
		return rc;
	}
	*type = e.type == FS_DIR_ENTRY_DIR ? OCRE_FS_DIR : OCRE_FS_FILE;
	*size = e.size;
	return 0;
}

int ocre_port_fs_open(const char *path, uint32_t flags, int *handle)
{
	fs_mode_t mode = ((flags & OCRE_FS_O_READ) ? FS_O_READ : 0) |
			 ((flags & OCRE_FS_O_WRITE) ? FS_O_WRITE : 0) |
			 ((flags & OCRE_FS_O_CREATE) ? FS_O_CREATE : 0);
	int slot = -1;
	int rc;
	FULL(p);

	if ((flags & OCRE_FS_O_EXCL) && ocre_port_fs_stat(path, &(enum ocre_fs_type){0},
							  &(uint64_t){0}) == 0) {
		return -EEXIST;
	}
	k_mutex_lock(&handles_lock, K_FOREVER);
	for (int i = 0; i < MAX_HANDLES; i++) {
		if (!in_use[i]) {
			slot = i;
			in_use[i] = true;
			break;
		}
	}
	k_mutex_unlock(&handles_lock);
	if (slot < 0) {
		return -EMFILE;
	}
	fs_file_t_init(&files[slot]);
	rc = fs_open(&files[slot], p, mode);
	if (rc == 0 && (flags & OCRE_FS_O_TRUNC)) {
		rc = fs_truncate(&files[slot], 0);
		if (rc != 0) {
			(void)fs_close(&files[slot]);
		}
	}
	if (rc != 0) {
		in_use[slot] = false;
		return rc;
	}
	*handle = slot;
	return 0;
}

static struct fs_file_t *file_of(int handle)
{
	return handle >= 0 && handle < MAX_HANDLES && in_use[handle] ? &files[handle] : NULL;
}

int ocre_port_fs_read(int handle, uint64_t offset, void *buf, size_t len)
{
	struct fs_file_t *f = file_of(handle);

	if (f == NULL) {
		return -EBADF;
	}
	int rc = fs_seek(f, (off_t)offset, FS_SEEK_SET);

	return rc != 0 ? rc : (int)fs_read(f, buf, len);
}

int ocre_port_fs_write(int handle, uint64_t offset, const void *buf, size_t len)
{
	struct fs_file_t *f = file_of(handle);

	if (f == NULL) {
		return -EBADF;
	}
	int rc = fs_seek(f, (off_t)offset, FS_SEEK_SET);

	return rc != 0 ? rc : (int)fs_write(f, buf, len);
}

int ocre_port_fs_size(int handle, uint64_t *size)
{
	struct fs_file_t *f = file_of(handle);

	if (f == NULL) {
		return -EBADF;
	}
	off_t here = fs_tell(f);
	int rc = fs_seek(f, 0, FS_SEEK_END);

	if (rc != 0) {
		return rc;
	}
	*size = (uint64_t)fs_tell(f);
	return fs_seek(f, here, FS_SEEK_SET);
}

int ocre_port_fs_close(int handle)
{
	struct fs_file_t *f = file_of(handle);

	if (f == NULL) {
		return -EBADF;
	}
	int rc = fs_close(f);

	in_use[handle] = false;
	return rc;
}

int ocre_port_fs_mkdir(const char *path)
{
	FULL(p);
	return fs_mkdir(p);
}

/* fs_unlink removes files and empty directories alike; the core has checked the type. */
int ocre_port_fs_unlink(const char *path)
{
	FULL(p);
	return fs_unlink(p);
}

int ocre_port_fs_rmdir(const char *path)
{
	FULL(p);
	return fs_unlink(p);
}

int ocre_port_fs_dirent(const char *path, uint32_t index, char *name, size_t name_len,
			enum ocre_fs_type *type)
{
	struct fs_dir_t dir;
	struct fs_dirent e;
	int rc;
	FULL(p);

	fs_dir_t_init(&dir);
	rc = fs_opendir(&dir, p);
	if (rc != 0) {
		return rc;
	}
	/* In the file system's own order, which is stable while the directory does not change. */
	for (uint32_t i = 0;; i++) {
		rc = fs_readdir(&dir, &e);
		if (rc != 0 || e.name[0] == '\0') {
			break;
		}
		if (i == index) {
			if (strlen(e.name) >= name_len) {
				rc = -ENAMETOOLONG;
				break;
			}
			strcpy(name, e.name);
			*type = e.type == FS_DIR_ENTRY_DIR ? OCRE_FS_DIR : OCRE_FS_FILE;
			rc = 1;
			break;
		}
	}
	(void)fs_closedir(&dir);
	return rc;
}

#ifdef CONFIG_OCRE_WASI_FS_RAM_DISK
/*
 * "/lfs/ocre/containers": ext2 on the RAM disk mounted at "/lfs", then "/lfs/ocre" and the root
 * made. A disk that holds ext2 already (RAM that survived a warm reset) is mounted as it is;
 * one that does not (a RAM disk at power-on) is formatted first. A failure is logged; the
 * containers' file calls then answer ENOENT, and the rest of the firmware runs.
 */
#define ROOT CONFIG_OCRE_WASI_FS_ROOT

/*
 * 1 KiB blocks and one inode per 1 KiB (Zephyr's default is one per 4 KiB): a container's files
 * are small, and every folder and file takes an inode. A 64 KiB disk then has 56 inodes, 11 of
 * them ext2's own, where the default gives 16. A fixed UUID: a RAM disk's identity is moot.
 */
static struct ext2_cfg ram_disk_format = {
	.block_size = 1024,
	.bytes_per_inode = 1024,
	.uuid = {'o', 'c', 'r', 'e'},
	.volume_name = "ocre",
	.set_uuid = true,
};

static char mount_point[sizeof(ROOT)];
static struct fs_mount_t ram_disk_mount = {
	.type = FS_EXT2,
	.mnt_point = mount_point,
	.storage_dev = (void *)CONFIG_OCRE_WASI_FS_RAM_DISK_NAME,
};

static int ram_disk_init(void)
{
	char path[sizeof(ROOT)];
	const char *slash = strchr(ROOT + 1, '/');
	size_t mount_len = slash != NULL ? (size_t)(slash - ROOT) : strlen(ROOT);
	int rc;

	if (ROOT[0] != '/' || mount_len < 2) {
		LOG_ERR("files: CONFIG_OCRE_WASI_FS_ROOT \"%s\" is not below a mount point", ROOT);
		return 0;
	}
	memcpy(mount_point, ROOT, mount_len);
	mount_point[mount_len] = '\0';
	ram_disk_mount.flags = FS_MOUNT_FLAG_NO_FORMAT;
	rc = fs_mount(&ram_disk_mount);
	if (rc != 0) {
		rc = fs_mkfs(FS_EXT2, (uintptr_t)CONFIG_OCRE_WASI_FS_RAM_DISK_NAME, &ram_disk_format,
			     0);
		if (rc == 0) {
			rc = fs_mount(&ram_disk_mount);
		}
	}
	if (rc != 0) {
		LOG_ERR("files: cannot mount ext2 on disk \"%s\" at %s (%d)",
			CONFIG_OCRE_WASI_FS_RAM_DISK_NAME, mount_point, rc);
		return 0;
	}
	/* Each folder of the root below the mount point, outermost first. */
	for (const char *next = slash; next != NULL; next = strchr(next + 1, '/')) {
		const char *end = strchr(next + 1, '/');
		size_t len = end != NULL ? (size_t)(end - ROOT) : strlen(ROOT);

		memcpy(path, ROOT, len);
		path[len] = '\0';
		rc = fs_mkdir(path);
		if (rc != 0 && rc != -EEXIST) {
			LOG_ERR("files: cannot make %s (%d)", path, rc);
			return 0;
		}
	}
	LOG_INF("files: ext2 on RAM disk \"%s\" at %s, containers under %s",
		CONFIG_OCRE_WASI_FS_RAM_DISK_NAME, mount_point, ROOT);
	return 0;
}

/* After the disk driver (POST_KERNEL); before main() and the containers. */
SYS_INIT(ram_disk_init, APPLICATION, 0);
#endif /* CONFIG_OCRE_WASI_FS_RAM_DISK */
