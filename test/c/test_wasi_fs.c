/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * WASI files (ocre_wasi_fs.c) on the POSIX port's file API, in a temporary folder: the calls
 * upstream's filesystem sample makes, every way out of the container's folder refused with
 * ENOTCAPABLE, the bounds (open files, file size, path length), and pointers outside the
 * module's memory answered EFAULT before anything is touched.
 */

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_support.h"

#define E_NOTCAPABLE 76

static uint8_t mem[8192];
static struct ocre_mem m = {mem, sizeof(mem)};
static struct ocre_container c = {.meta = {.name = "fs", .capabilities = OCRE_CAP_FILESYSTEM}};
static char root[] = "/tmp/ocre-wasi-fs-XXXXXX";

/* Puts `s` (no NUL) at `at` and returns its length. */
static uint32_t str(uint32_t at, const char *s)
{
	memcpy(mem + at, s, strlen(s));
	return (uint32_t)strlen(s);
}

static int32_t open_path(const char *path, uint32_t oflags, uint64_t rights, uint32_t fdflags)
{
	uint32_t len = str(1024, path);

	return ocre_wasi_fs_path_open(&c, &m, 3, 1024, len, oflags, rights, fdflags, 16);
}

static uint32_t fd_out(void)
{
	uint32_t fd;

	ocre_mem_get_u32(&m, 16, &fd);
	return fd;
}

static int32_t path_op(const char *path, enum ocre_wasi_fs_op op)
{
	return ocre_wasi_fs_path_op(&c, &m, 3, 1024, str(1024, path), op);
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(root));
	ocre_posix_set_fs_root(root);
	memset(mem, 0, sizeof(mem));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	ocre_wasi_fs_close_all(&c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	memcpy(root + strlen(root) - 6, "XXXXXX", 6);
	return 0;
}

static void preopen_is_slash_for_the_filesystem_capability(void **state)
{
	struct ocre_container other = {.meta = {.name = "x", .capabilities = OCRE_CAP_API}};

	(void)state;
	assert_int_equal(ocre_wasi_fs_prestat_get(&c, &m, 3, 32), 0);
	uint32_t tag, len;

	ocre_mem_get_u32(&m, 32, &tag);
	ocre_mem_get_u32(&m, 36, &len);
	assert_int_equal(tag, 0);
	assert_int_equal(len, 1);
	assert_int_equal(ocre_wasi_fs_prestat_dir_name(&c, &m, 3, 40, 1), 0);
	assert_int_equal(mem[40], '/');
	assert_int_equal(ocre_wasi_fs_prestat_get(&c, &m, 4, 32), OCRE_WASI_EBADF);
	assert_int_equal(ocre_wasi_fs_prestat_get(&other, &m, 3, 32), OCRE_WASI_EBADF);
	assert_int_equal(ocre_wasi_fs_prestat_get(&c, &m, 3, sizeof(mem) - 4), OCRE_WASI_EFAULT);
}

static void the_samples_calls_work(void **state)
{
	char host[256];
	struct stat st;

	(void)state;
	assert_int_equal(path_op("folder", OCRE_WASI_FS_MKDIR), 0);
	assert_int_equal(path_op("folder", OCRE_WASI_FS_MKDIR), OCRE_WASI_EEXIST);
	snprintf(host, sizeof(host), "%s/fs/folder", root);
	assert_int_equal(stat(host, &st), 0);

	/* fopen("w+"): create + truncate, read and write */
	assert_int_equal(open_path("folder/test.txt", 1 | 8, (1u << 1) | (1u << 6), 0), 0);
	int32_t fd = (int32_t)fd_out();

	assert_int_equal(fd, 4);
	memcpy(mem + 200, "Hello, World!", 14);
	ocre_mem_put_u32(&m, 100, 200);
	ocre_mem_put_u32(&m, 104, 14);
	assert_int_equal(ocre_wasi_fs_rw(&c, &m, fd, 100, 1, 108, true), 0);
	uint32_t n;

	ocre_mem_get_u32(&m, 108, &n);
	assert_int_equal(n, 14);
	assert_int_equal(ocre_wasi_fs_seek(&c, &m, fd, 0, 0, 112), 0);
	ocre_mem_put_u32(&m, 100, 300);
	ocre_mem_put_u32(&m, 104, 32);
	assert_int_equal(ocre_wasi_fs_rw(&c, &m, fd, 100, 1, 108, false), 0);
	ocre_mem_get_u32(&m, 108, &n);
	assert_int_equal(n, 14);
	assert_string_equal((char *)mem + 300, "Hello, World!");
	assert_int_equal(ocre_wasi_fs_tell(&c, &m, fd, 112), 0);
	assert_int_equal(ocre_wasi_fs_filestat_get(&c, &m, fd, 400), 0);
	assert_int_equal(mem[416], 4); /* regular file */
	assert_int_equal(mem[432], 14);
	assert_int_equal(ocre_wasi_fs_close(&c, fd), 0);
	assert_int_equal(ocre_wasi_fs_close(&c, fd), OCRE_WASI_EBADF);

	/* stat, opendir + readdir: ".", "..", "test.txt" */
	assert_int_equal(ocre_wasi_fs_path_filestat_get(&c, &m, 3, 1024, str(1024, "folder"), 400), 0);
	assert_int_equal(mem[416], 3);
	assert_int_equal(open_path("folder", 2, 1u << 1, 0), 0);
	fd = (int32_t)fd_out();
	assert_int_equal(ocre_wasi_fs_readdir(&c, &m, fd, 2048, 512, 0, 120), 0);
	ocre_mem_get_u32(&m, 120, &n);
	assert_int_equal(n, 3 * 24 + 1 + 2 + 8);
	assert_int_equal(mem[2048 + 16], 1);
	assert_memory_equal(mem + 2048 + 24, ".", 1);
	assert_memory_equal(mem + 2048 + 25 + 24, "..", 2);
	assert_int_equal(mem[2048 + 25 + 26 + 20], 4);
	assert_memory_equal(mem + 2048 + 25 + 26 + 24, "test.txt", 8);
	/* a small buffer gets the first entry cut at its end; the cookie resumes after it */
	assert_int_equal(ocre_wasi_fs_readdir(&c, &m, fd, 2048, 10, 0, 120), 0);
	ocre_mem_get_u32(&m, 120, &n);
	assert_int_equal(n, 10);
	assert_int_equal(ocre_wasi_fs_readdir(&c, &m, fd, 2048, 512, 2, 120), 0);
	ocre_mem_get_u32(&m, 120, &n);
	assert_int_equal(n, 24 + 8);
	assert_int_equal(ocre_wasi_fs_close(&c, fd), 0);

	/* unlink, rmdir and their errors */
	assert_int_equal(path_op("folder", OCRE_WASI_FS_RMDIR), OCRE_WASI_ENOTEMPTY);
	assert_int_equal(path_op("folder", OCRE_WASI_FS_UNLINK), OCRE_WASI_EISDIR);
	assert_int_equal(path_op("folder/test.txt", OCRE_WASI_FS_UNLINK), 0);
	assert_int_equal(path_op("folder/test.txt", OCRE_WASI_FS_UNLINK), OCRE_WASI_ENOENT);
	assert_int_equal(path_op("folder", OCRE_WASI_FS_RMDIR), 0);
	assert_int_equal(path_op(".", OCRE_WASI_FS_RMDIR), OCRE_WASI_EINVAL);
	assert_int_equal(stat(host, &st), -1);
}

static void escapes_are_refused(void **state)
{
	char link[256];

	(void)state;
	assert_int_equal(path_op("in", OCRE_WASI_FS_MKDIR), 0);
	snprintf(link, sizeof(link), "%s/fs/out", root);
	assert_int_equal(symlink("/etc", link), 0);
	snprintf(link, sizeof(link), "%s/fs/up", root);
	assert_int_equal(symlink("..", link), 0);
	snprintf(link, sizeof(link), "%s/fs/inside", root);
	assert_int_equal(symlink("in", link), 0);

	static const char *const refused[] = {
		"..", "../x", "in/../../x", "/etc/passwd", "out/passwd", "up/fs", "inside/x",
	};

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(open_path(refused[i], 0, 1u << 1, 0), E_NOTCAPABLE);
	}
	assert_int_equal(path_op("../fs2", OCRE_WASI_FS_MKDIR), E_NOTCAPABLE);
	/* links are refused wherever they are, the last component too (Zephyr has none) */
	assert_int_equal(path_op("out", OCRE_WASI_FS_UNLINK), E_NOTCAPABLE);
	assert_int_equal(open_path("in/../in", 2, 1u << 1, 0), 0);
	/* a directory fd resolves inside its folder, and ".." from it stops at the container's */
	int32_t dir = (int32_t)fd_out();

	assert_int_equal(ocre_wasi_fs_path_op(&c, &m, dir, 1024, str(1024, "../../x"),
					      OCRE_WASI_FS_MKDIR),
			 E_NOTCAPABLE);
	assert_int_equal(ocre_wasi_fs_path_op(&c, &m, dir, 1024, str(1024, "sub"), OCRE_WASI_FS_MKDIR),
			 0);
	snprintf(link, sizeof(link), "%s/fs/in/sub", root);
	struct stat st;

	assert_int_equal(stat(link, &st), 0);
}

static void bounds_hold(void **state)
{
	(void)state;
	/* OCRE_WASI_FS_MAX_FILES=3 in the test build */
	for (int i = 0; i < 3; i++) {
		char name[8];

		snprintf(name, sizeof(name), "f%d", i);
		assert_int_equal(open_path(name, 1, 1u << 6, 0), 0);
	}
	assert_int_equal(open_path("f9", 1, 1u << 6, 0), OCRE_WASI_EMFILE);
	ocre_wasi_fs_close_all(&c);

	/* OCRE_WASI_FS_MAX_FILE_BYTES=4096: a write past it is EFBIG, nothing written */
	assert_int_equal(open_path("big", 1, 1u << 6, 1), 0);
	int32_t fd = (int32_t)fd_out();

	ocre_mem_put_u32(&m, 100, 0);
	ocre_mem_put_u32(&m, 104, 4096);
	assert_int_equal(ocre_wasi_fs_rw(&c, &m, fd, 100, 1, 108, true), 0);
	ocre_mem_put_u32(&m, 104, 1);
	assert_int_equal(ocre_wasi_fs_rw(&c, &m, fd, 100, 1, 108, true), OCRE_WASI_EFBIG);
	assert_int_equal(ocre_wasi_fs_seek(&c, &m, fd, 5000, 0, 112), OCRE_WASI_EINVAL);

	/* long paths, bad pointers, a read on a write-only file */
	char longp[200];

	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(open_path(longp, 1, 1u << 6, 0), OCRE_WASI_ENAMETOOLONG);
	assert_int_equal(ocre_wasi_fs_path_open(&c, &m, 3, sizeof(mem) - 2, 8, 0, 2, 0, 16),
			 OCRE_WASI_EFAULT);
	assert_int_equal(open_path("big", 0, 1u << 1, 0), 0);
	assert_int_equal(ocre_wasi_fs_rw(&c, &m, fd, 100, 1, sizeof(mem) - 2, true),
			 OCRE_WASI_EFAULT);
	ocre_mem_put_u32(&m, 100, sizeof(mem) - 4);
	ocre_mem_put_u32(&m, 104, 8);
	assert_int_equal(ocre_wasi_fs_rw(&c, &m, fd, 100, 1, 108, true), OCRE_WASI_EFAULT);
	assert_int_equal(ocre_wasi_fs_rw(&c, &m, (int32_t)fd_out(), 100, 1, 108, true),
			 OCRE_WASI_EBADF);
	assert_int_equal(ocre_wasi_fs_rw(&c, &m, 99, 100, 1, 108, false), OCRE_WASI_EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(preopen_is_slash_for_the_filesystem_capability,
						setup, teardown),
		cmocka_unit_test_setup_teardown(the_samples_calls_work, setup, teardown),
		cmocka_unit_test_setup_teardown(escapes_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(bounds_hold, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
