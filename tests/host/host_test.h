/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every host test shares: the kernel tree's kselftest harness (found
 * through -I$(KDIR)/tools/testing/selftests, never copied), an explicit
 * leak check (the harness leaves tests with _exit(), which would hide
 * leaks from LeakSanitizer), and removal of a test's scratch directory.
 */
#ifndef SACTL_HOST_TEST_H
#define SACTL_HOST_TEST_H

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

/* TEST_F() has parameters some tests do not use. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LEAKS() __lsan_do_recoverable_leak_check()
#else
#define LEAKS() 0
#endif

static inline int host_test_rm_one(const char *path, const struct stat *st,
				   int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* rm -rf @dir, never following links. */
static inline void rm_tree(const char *dir)
{
	nftw(dir, host_test_rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

#endif /* SACTL_HOST_TEST_H */
