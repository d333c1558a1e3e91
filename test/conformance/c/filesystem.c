/*
 * WASI preview 1 filesystem: the calls upstream's filesystem samples make (ocre-sdk
 * generic/filesystem*), through wasi-libc and raw, under the first preopened directory (mounted
 * at /data: upstream mounts a host folder with `-v host:/data`, ocre run with `--dir host:/data`),
 * plus every way out of it: "..", an absolute path, a symbolic link to an absolute target and
 * one that climbs out. The host folder holds, before the run: in -> folder (a link that stays
 * inside), abs -> /etc (absolute) and up -> ../.. (climbs out).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

/* The call's result, and errno when it failed (read after the call, not in the same argument list). */
#define SHOW(label, expr)                                                                          \
	do {                                                                                       \
		int rc_ = (expr);                                                                  \
		printf("%s: %d errno %d\n", label, rc_, rc_ != 0 ? errno : 0);                    \
	} while (0)

static int preopen = -1;
static char root[64];

/* The guest path of `rel` under the preopen: "/data" + "/folder". */
static const char *at(const char *rel)
{
	static char paths[2][128];
	static int next;
	char *p = paths[next++ % 2];

	snprintf(p, sizeof(paths[0]), "%s%s", root, rel);
	return p;
}

static void try_open(const char *path)
{
	__wasi_fd_t fd;
	__wasi_errno_t rc = __wasi_path_open(preopen, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, 0,
					     __WASI_RIGHTS_FD_READ, 0, 0, &fd);

	printf("path_open %s: %d\n", path, rc);
	if (rc == 0) {
		(void)__wasi_fd_close(fd);
	}
}

int main(void)
{
	char name[64];
	struct stat st;
	char buf[64];

	setvbuf(stdout, NULL, _IONBF, 0);
	for (int fd = 3; fd < 6; fd++) {
		__wasi_prestat_t pre;

		if (__wasi_fd_prestat_get(fd, &pre) != 0) {
			continue;
		}
		if (pre.u.dir.pr_name_len < sizeof(name) &&
		    __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, pre.u.dir.pr_name_len) == 0) {
			name[pre.u.dir.pr_name_len] = '\0';
			printf("preopen: %s\n", name);
			if (preopen < 0) {
				preopen = fd;
				strcpy(root, name);
			}
		}
	}
	if (preopen < 0) {
		printf("no preopened directory\n");
		return 1;
	}

	SHOW("mkdir /folder", mkdir(at("/folder"), 0777));
	SHOW("mkdir /folder again", mkdir(at("/folder"), 0777));
	FILE *f = fopen(at("/folder/test.txt"), "w+");

	if (f == NULL) {
		printf("fopen failed: errno %d\n", errno);
		return 1;
	}
	printf("fwrite: %zu\n", fwrite("Hello, World!", 1, 14, f));
	printf("fseek: %d\n", fseek(f, 0, SEEK_SET));
	memset(buf, 0, sizeof(buf));
	printf("fread: %zu \"%s\"\n", fread(buf, 1, sizeof(buf), f), buf);
	printf("fseek end: %d ftell %ld\n", fseek(f, 0, SEEK_END), ftell(f));
	printf("fclose: %d\n", fclose(f));

	FILE *a = fopen(at("/folder/test.txt"), "a");

	fputs("more", a);
	fclose(a);
	printf("stat: %d size %lld dir %d\n", stat(at("/folder/test.txt"), &st), (long long)st.st_size,
	       S_ISDIR(st.st_mode));
	printf("stat /folder: %d dir %d\n", stat(at("/folder"), &st), S_ISDIR(st.st_mode));
	SHOW("stat /missing", stat(at("/missing"), &st));
	int fd = open(at("/in/test.txt"), O_RDONLY);

	memset(buf, 0, sizeof(buf));
	printf("read through the inside link: %zd \"%s\"\n", read(fd, buf, sizeof(buf) - 1), buf);
	printf("fstat: %d size %lld\n", fstat(fd, &st), (long long)st.st_size);
	close(fd);

	DIR *dir = opendir(at("/folder"));
	struct dirent *e;

	while (dir != NULL && (e = readdir(dir)) != NULL) {
		printf("  %s (type: %d)\n", e->d_name, e->d_type);
	}
	printf("closedir: %d\n", dir == NULL ? -1 : closedir(dir));

	/* Every way out of the sandbox is refused (76: ENOTCAPABLE). */
	try_open("..");
	try_open("../etc/passwd");
	try_open("folder/../../etc/passwd");
	try_open("/etc/passwd");
	try_open("abs/passwd");
	try_open("up/etc/passwd");
	try_open("in/../../etc/passwd");
	SHOW("stat /../etc/passwd", stat(at("/../etc/passwd"), &st));
	SHOW("fopen /up/x", fopen(at("/up/x"), "w") == NULL ? -1 : 0);

	SHOW("rmdir non-empty", rmdir(at("/folder")));
	SHOW("unlink a folder", unlink(at("/folder")));
	SHOW("unlink", unlink(at("/folder/test.txt")));
	SHOW("unlink again", unlink(at("/folder/test.txt")));
	SHOW("rmdir", rmdir(at("/folder")));

	return 0;
}
