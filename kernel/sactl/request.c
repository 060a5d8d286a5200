// SPDX-License-Identifier: GPL-2.0
/*
 * sactl requests: who makes a socket call and what it asks for, captured in
 * the caller's context, and reported to the daemon in the daemon's view of
 * the world (its pid and user namespaces, an fd in its file table).
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kdev_t.h>
#include <linux/mm_types.h>
#include <linux/net.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "internal.h"

static struct kmem_cache *sactl_req_cache;

/*
 * The file @mm runs, pinned, or NULL if it has none or if the file is not
 * the one exec() ran: prctl(PR_SET_MM_MAP) can swap in any executable
 * file, even unprivileged (in a user namespace of one's own), and such a
 * file says nothing about the program (*@replaced is set).
 */
static struct file *sactl_mm_exe(struct mm_struct *mm, bool *replaced)
{
	struct file *exe;

	rcu_read_lock();
	exe = rcu_dereference(mm->exe_file);
	if (exe && !get_file_rcu(exe))
		exe = NULL;
	rcu_read_unlock();
	/* Pairs with the xchg() that publishes a replaced file. */
	smp_rmb();
	*replaced = test_bit(MMF_EXE_FILE_REPLACED, &mm->flags);
	if (exe && *replaced) {
		fput(exe);
		exe = NULL;
	}
	return exe;
}

/* Pin the caller's executable and note its identity as stat(2) shows it. */
static void sactl_req_set_exe(struct sactl_req *req)
{
	struct mm_struct *mm = current->mm;
	struct file *exe = NULL;
	bool replaced = false;
	struct kstat stat;

	if (mm)
		exe = sactl_mm_exe(mm, &replaced);
	if (!exe) {
		req->rec.flags |= SACTL_REQ_NO_EXE;
		if (replaced)
			req->rec.flags |= SACTL_REQ_EXE_REPLACED;
		return;
	}
	req->exe = exe->f_path;
	path_get(&req->exe);
	fput(exe);
	if (!vfs_getattr(&req->exe, &stat, STATX_INO | STATX_CTIME,
			 AT_STATX_SYNC_AS_STAT)) {
		req->rec.exe_dev = huge_encode_dev(stat.dev);
		req->rec.exe_ino = stat.ino;
		req->exe_ctime = stat.ctime;
	}
}

/*
 * Note which file the parent runs, so that the daemon can tell whether
 * /proc/PPID/exe still names it when it looks (the parent may exec or
 * swap its file meanwhile).  Nothing if it runs none or a replaced one.
 */
static void sactl_req_set_parent_exe(struct sactl_req *req,
				     struct task_struct *parent)
{
	struct mm_struct *mm = get_task_mm(parent);
	struct file *exe = NULL;
	bool replaced;
	struct kstat stat;

	if (!mm)
		return;
	if (!(parent->flags & PF_KTHREAD))
		exe = sactl_mm_exe(mm, &replaced);
	mmput(mm);
	if (!exe)
		return;
	if (!vfs_getattr(&exe->f_path, &stat, STATX_INO,
			 AT_STATX_SYNC_AS_STAT)) {
		req->rec.parent_exe_dev = huge_encode_dev(stat.dev);
		req->rec.parent_exe_ino = stat.ino;
	}
	fput(exe);
}

/**
 * sactl_req_alloc - a request for the current task's call on @sock
 * @sock: the socket
 * @op: enum sactl_op
 * @flags: SACTL_REQ_*
 *
 * The caller fills in the addresses, then passes it to sactl_decide().
 *
 * Return: the request, with one reference, or NULL if out of memory.
 */
struct sactl_req *sactl_req_alloc(struct socket *sock, u16 op, u32 flags)
{
	struct task_struct *parent;
	struct sock *sk = sock->sk;
	struct sactl_req *req;

	req = kmem_cache_zalloc(sactl_req_cache, GFP_KERNEL);
	if (!req)
		return NULL;
	INIT_HLIST_NODE(&req->id_node);
	INIT_LIST_HEAD(&req->unread);
	init_waitqueue_head(&req->wait);
	refcount_set(&req->ref, 1);

	req->rec.size = sizeof(req->rec);
	req->rec.version = SACTL_ABI_VERSION;
	req->rec.op = op;
	req->rec.flags = flags;
	req->rec.netns = sock_net(sk)->ns.inum;
	req->rec.family = sk->sk_family;
	req->rec.type = sock->type;
	req->rec.protocol = sk->sk_protocol;
	__get_task_comm(req->rec.comm, sizeof(req->rec.comm), current);

	req->cred = get_current_cred();
	req->uid = req->cred->uid;
	req->tid = get_task_pid(current, PIDTYPE_PID);
	req->tgid = get_task_pid(current, PIDTYPE_TGID);
	rcu_read_lock();
	parent = rcu_dereference(current->real_parent);
	get_task_struct(parent);
	rcu_read_unlock();
	req->ppid = get_pid(task_tgid(parent));
	sactl_req_set_exe(req);
	sactl_req_set_parent_exe(req, parent);
	put_task_struct(parent);
	return req;
}

void sactl_req_put(struct sactl_req *req)
{
	if (!refcount_dec_and_test(&req->ref))
		return;
	if (req->exe.mnt)
		path_put(&req->exe);
	put_pid(req->ppid);
	put_pid(req->tgid);
	put_pid(req->tid);
	put_cred(req->cred);
	kmem_cache_free(sactl_req_cache, req);
}

/*
 * Convert an address given to @sock the way its protocol reads it: IPv4
 * sockets take AF_UNSPEC as AF_INET when sending and binding, raw IPv6
 * sockets as AF_INET6 when sending.  Callers skip the cases where AF_UNSPEC
 * means "no address" (a disconnecting connect(), a UDP send).
 */
void sactl_addr_from_sockaddr(struct sactl_sockaddr *out,
			      const struct socket *sock,
			      const struct sockaddr *sa, int len)
{
	bool unspec_is_inet = sock->sk->sk_family == AF_INET;
	bool unspec_is_inet6 = sock->sk->sk_family == AF_INET6 &&
			       sock->type == SOCK_RAW;

	memset(out, 0, sizeof(*out));
	if (!sa || len < (int)sizeof(sa->sa_family))
		return;

	if ((sa->sa_family == AF_INET6 ||
	     (sa->sa_family == AF_UNSPEC && unspec_is_inet6)) &&
	    len >= SIN6_LEN_RFC2133) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		out->family = AF_INET6;
		out->port = ntohs(sin6->sin6_port);
		memcpy(out->addr, &sin6->sin6_addr, sizeof(sin6->sin6_addr));
		if (len >= (int)sizeof(*sin6))
			out->scope_id = sin6->sin6_scope_id;
	} else if ((sa->sa_family == AF_INET ||
		    (sa->sa_family == AF_UNSPEC && unspec_is_inet)) &&
		   len >= (int)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const void *)sa;

		out->family = AF_INET;
		out->port = ntohs(sin->sin_port);
		memcpy(out->addr, &sin->sin_addr, sizeof(sin->sin_addr));
	}
}

/* The socket's own address (@peer 0) or its peer's (@peer 1), if any. */
void sactl_addr_from_sock(struct sactl_sockaddr *out, struct socket *sock,
			  int peer)
{
	struct sockaddr_storage ss;
	int len;

	len = sock->ops->getname(sock, (struct sockaddr *)&ss, peer);
	if (len < 0)
		len = 0;
	sactl_addr_from_sockaddr(out, sock, (struct sockaddr *)&ss, len);
}

/*
 * The exe fd for the reader: opened with the reader's credentials, installed
 * only once the record made it to user space (so a failed read leaks none).
 */
static struct file *sactl_req_open_exe(struct sactl_req *req, int *fd)
{
	struct file *f;

	if (!req->exe.mnt) {
		*fd = -ENOENT;
		return NULL;
	}
	*fd = get_unused_fd_flags(O_CLOEXEC);
	if (*fd < 0)
		return NULL;
	f = dentry_open(&req->exe, O_RDONLY | O_LARGEFILE, current_cred());
	if (IS_ERR(f)) {
		put_unused_fd(*fd);
		*fd = PTR_ERR(f);
		return NULL;
	}
	return f;
}

/**
 * sactl_req_report - copy @req to the reader's @buf
 * @req: a request taken off the queue
 * @buf: room for one struct sactl_request
 *
 * Return: 0, or -EFAULT with nothing installed in the reader.
 */
int sactl_req_report(struct sactl_req *req, struct sactl_request __user *buf)
{
	struct user_namespace *user_ns = current_user_ns();
	struct pid_namespace *pid_ns = task_active_pid_ns(current);
	struct sactl_request rec = req->rec;
	const struct cred *cred = req->cred;
	struct file *exe;
	int fd;

	rec.pid = pid_nr_ns(req->tgid, pid_ns);
	rec.tid = pid_nr_ns(req->tid, pid_ns);
	rec.ppid = pid_nr_ns(req->ppid, pid_ns);
	rec.uid = from_kuid_munged(user_ns, cred->uid);
	rec.euid = from_kuid_munged(user_ns, cred->euid);
	rec.gid = from_kgid_munged(user_ns, cred->gid);
	rec.egid = from_kgid_munged(user_ns, cred->egid);

	exe = sactl_req_open_exe(req, &fd);
	rec.exe_fd = fd;
	if (copy_to_user(buf, &rec, sizeof(rec))) {
		if (exe) {
			fput(exe);
			put_unused_fd(fd);
		}
		return -EFAULT;
	}
	if (exe)
		fd_install(fd, exe);
	return 0;
}

int sactl_req_cache_init(void)
{
	sactl_req_cache = KMEM_CACHE(sactl_req, 0);
	return sactl_req_cache ? 0 : -ENOMEM;
}

void sactl_req_cache_exit(void)
{
	kmem_cache_destroy(sactl_req_cache);
}
