// SPDX-License-Identifier: GPL-2.0
/*
 * sactl: a per-application socket firewall.  This module registers behind
 * the sactl hooks in net/socket.c and lets a daemon decide, through
 * /dev/sactl, every socket(), bind(), connect(), listen(), accept() and
 * addressed send of IPv4/IPv6 sockets, per program and per user.
 *
 * Unloading is always safe: the open device pins the module, and every
 * caller inside it holds a module reference taken by the hook, so exit
 * runs only when nobody is in here.
 */

#include <linux/module.h>

#include "internal.h"

static int __init sactl_init(void)
{
	int err;

	/* Records are ABI: the same on every architecture and word size. */
	BUILD_BUG_ON(sizeof(struct sactl_sockaddr) != 24);
	BUILD_BUG_ON(sizeof(struct sactl_request) != 160);
	BUILD_BUG_ON(sizeof(struct sactl_response) != 24);
	BUILD_BUG_ON(sizeof(struct sactl_abi) != 16);
	BUILD_BUG_ON(sizeof(struct sactl_cache_rule) != 104);
	BUILD_BUG_ON(offsetof(struct sactl_cache_rule, exe_ctime_sec) != 88);

	err = sactl_req_cache_init();
	if (err)
		return err;
	err = sactl_device_register();
	if (err)
		goto out_cache;
	err = sactl_hooks_register();
	if (err)
		goto out_device;
	return 0;

out_device:
	sactl_device_unregister();
out_cache:
	sactl_req_cache_exit();
	return err;
}

static void __exit sactl_exit(void)
{
	sactl_hooks_unregister();
	sactl_device_unregister();
	sactl_req_cache_exit();
}

module_init(sactl_init);
module_exit(sactl_exit);

MODULE_DESCRIPTION("sactl per-application socket firewall");
MODULE_AUTHOR("sactl maintainers <maintainers@users.noreply.r-seed-0aacb920.example>");
MODULE_LICENSE("GPL");
