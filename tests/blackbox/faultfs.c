/*
 * faultfs: an LD_PRELOAD shim for the black-box tests. While the file named
 * by $FAULTFS_TRIGGER exists, writes to the relay's database files (*.db,
 * *-wal, *-journal) fail with ENOSPC, as on a full disk. Test-only: built
 * by the test that uses it, never part of the relay.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int
failing(int fd)
{
	const char *trigger = getenv("FAULTFS_TRIGGER");
	char link[64], path[4096];
	ssize_t n;

	if (trigger == NULL || access(trigger, F_OK) != 0)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return 0;
	path[n] = '\0';
	n = (ssize_t)strlen(path);
	return (n > 3 && strcmp(path + n - 3, ".db") == 0) ||
	       (n > 4 && strcmp(path + n - 4, "-wal") == 0) ||
	       (n > 8 && strcmp(path + n - 8, "-journal") == 0);
}

ssize_t
pwrite64(int fd, const void *buf, size_t count, off_t offset)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);

	if (real == NULL)
		real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(
		    RTLD_NEXT, "pwrite64");
	if (failing(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, count, offset);
}

ssize_t
pwrite(int fd, const void *buf, size_t count, off_t offset)
{
	return pwrite64(fd, buf, count, offset);
}

ssize_t
write(int fd, const void *buf, size_t count)
{
	static ssize_t (*real)(int, const void *, size_t);

	if (real == NULL)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT,
		    "write");
	if (failing(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, count);
}
