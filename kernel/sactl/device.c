// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/sactl: the daemon reads requests and writes verdicts.
 *
 * One opener at a time, with CAP_NET_ADMIN.  read() hands out whole
 * struct sactl_request records, write() takes whole struct sactl_response
 * records; both may carry several.  Closing the device detaches the daemon,
 * which releases every waiting caller with the detached verdict.
 */

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/uaccess.h>

#include "internal.h"

static atomic_t sactl_opened = ATOMIC_INIT(0);

static int sactl_open(struct inode *inode, struct file *file)
{
	int err;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	if (atomic_cmpxchg(&sactl_opened, 0, 1))
		return -EBUSY;
	err = stream_open(inode, file);
	if (err) {
		atomic_set(&sactl_opened, 0);
		return err;
	}
	sactl_queue_attach();
	return 0;
}

static int sactl_release(struct inode *inode, struct file *file)
{
	/* The daemon's verdicts leave with it. */
	sactl_cache_flush();
	sactl_queue_detach();
	atomic_set(&sactl_opened, 0);
	return 0;
}

static ssize_t sactl_read(struct file *file, char __user *buf, size_t count,
			  loff_t *ppos)
{
	struct sactl_request __user *rec = (void __user *)buf;
	size_t done = 0;
	int err;

	if (count < sizeof(*rec))
		return -EINVAL;

	while (count - done >= sizeof(*rec)) {
		struct sactl_req *req = sactl_queue_take();

		if (!req) {
			/* Hand out what we have rather than wait for more. */
			if (done)
				break;
			if (file->f_flags & O_NONBLOCK)
				return -EAGAIN;
			err = sactl_queue_wait_unread();
			if (err)
				return err;
			continue;
		}
		err = sactl_req_report(req, rec);
		if (err) {
			sactl_queue_untake(req);
			return done ? done : err;
		}
		sactl_queue_reported(req);
		done += sizeof(*rec);
		rec++;
	}
	return done;
}

/* A well-formed response: known verdict, an errno only with a denial. */
static bool sactl_response_valid(const struct sactl_response *resp)
{
	if (resp->flags || resp->reserved)
		return false;
	if (resp->verdict == SACTL_ALLOW)
		return !resp->error;
	return resp->verdict == SACTL_DENY &&
	       sactl_deny_error_valid(resp->error);
}

static ssize_t sactl_write(struct file *file, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	const struct sactl_response __user *uresp = (const void __user *)buf;
	size_t done = 0;

	if (!count || count % sizeof(*uresp))
		return -EINVAL;

	for (; done < count; done += sizeof(*uresp), uresp++) {
		struct sactl_response resp;
		int err;

		if (copy_from_user(&resp, uresp, sizeof(resp)))
			err = -EFAULT;
		else if (!sactl_response_valid(&resp))
			err = -EINVAL;
		else
			err = sactl_queue_answer(resp.id,
						 resp.verdict == SACTL_DENY,
						 resp.error);
		if (err)
			return done ? done : err;
	}
	return done;
}

static __poll_t sactl_poll(struct file *file, poll_table *wait)
{
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &sactl_readq, wait);
	if (sactl_queue_has_unread())
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static long sactl_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	struct sactl_abi abi = {
		.version = SACTL_ABI_VERSION,
		.request_size = sizeof(struct sactl_request),
		.response_size = sizeof(struct sactl_response),
	};
	u64 id;

	switch (cmd) {
	case SACTL_IOC_GET_ABI:
		return copy_to_user(argp, &abi, sizeof(abi)) ? -EFAULT : 0;
	case SACTL_IOC_ID_VALID:
		if (copy_from_user(&id, argp, sizeof(id)))
			return -EFAULT;
		return sactl_queue_id_valid(id);
	case SACTL_IOC_CACHE_ADD:
		return sactl_cache_add(argp);
	case SACTL_IOC_CACHE_FLUSH:
		sactl_cache_flush();
		return 0;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations sactl_fops = {
	.owner		= THIS_MODULE,
	.open		= sactl_open,
	.release	= sactl_release,
	.read		= sactl_read,
	.write		= sactl_write,
	.poll		= sactl_poll,
	.unlocked_ioctl	= sactl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= no_llseek,
};

static struct miscdevice sactl_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "sactl",
	.fops	= &sactl_fops,
	.groups	= sactl_stat_groups,
	.mode	= 0600,
};

int sactl_device_register(void)
{
	return misc_register(&sactl_misc);
}

void sactl_device_unregister(void)
{
	misc_deregister(&sactl_misc);
}
