# SPDX-License-Identifier: GPL-2.0
#
# Installing sactl on a real machine.  Included by the top Makefile, and
# usable on its own (debian/rules does: make -f mk/install.mk ...).
#
#   make install [DESTDIR=] [PREFIX=/usr/local]
#                  build and install sactld, sactlctl, sactl-prompt, the
#                  example configuration as /etc/sactl/sactl.conf (an
#                  existing one is kept), the man pages, the systemd unit,
#                  the modules-load.d entry, the udev rule and the XDG
#                  autostart entry of the prompt
#   make uninstall [DESTDIR=] [PREFIX=]
#                  remove them again; the configuration only if unchanged,
#                  the state directory (/var/lib/sactl) never
#   make install-dkms / uninstall-dkms
#                  the module's source and dkms.conf in /usr/src/sactl-VERSION,
#                  for `dkms install sactl/VERSION`
#   make kernel-deb
#                  Debian packages of a sactl-capable 6.1 kernel
#                  (scripts/kernel-deb.sh says how, and what it costs)
#   make vm-install
#                  the tree the test VM's initramfs is assembled from:
#                  make install DESTDIR=build/install PREFIX=/usr, afresh
#   make vm-module
#                  and the VM's module: install-dkms into that tree, and
#                  DKMS builds it from there for the test kernel (KDIR),
#                  into build/install/lib/modules/RELEASE/updates/dkms
#
# install-build and install-files are install's two halves: the build (into
# INSTALL_SRC, default build/userspace) and the copy, which builds nothing.

INSTALL_MK := $(abspath $(lastword $(MAKEFILE_LIST)))
TOP_DIR	:= $(abspath $(dir $(INSTALL_MK))..)
BUILD	?= $(TOP_DIR)/build
USERSPACE ?= $(BUILD)/userspace
INSTALL_SRC ?= $(USERSPACE)

# One version for the daemon, the DKMS module and debian/changelog.
VERSION	:= $(shell sed -n 's/^\#define SACTLD_VERSION[[:space:]]*"sactld \(.*\)"/\1/p' $(TOP_DIR)/sactld/daemon.h)

DESTDIR	?=
PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(PREFIX)/sbin
DATADIR	?= $(PREFIX)/share
MANDIR	?= $(DATADIR)/man
# sactld reads /etc/sactl/sactl.conf whatever the prefix; the XDG autostart
# directory is /etc/xdg on every desktop.
SYSCONFDIR ?= /etc
# systemd and udev also search /usr/local/lib; Debian 12's packages use
# /lib (debian/rules sets these two).
UNITDIR	?= $(PREFIX)/lib/systemd/system
UDEVDIR	?= $(PREFIX)/lib/udev
MODLOADDIR ?= $(PREFIX)/lib/modules-load.d
DKMSDIR	?= /usr/src/sactl-$(VERSION)

INSTALL	?= install
CONF	:= $(DESTDIR)$(SYSCONFDIR)/sactl/sactl.conf
MANPAGES := $(wildcard $(TOP_DIR)/doc/*.[1-8])
# The module's sources only: kernel/sactl also holds a build's objects.
DKMS_SRC := $(filter-out %.mod.c,$(wildcard $(TOP_DIR)/kernel/sactl/*.c $(TOP_DIR)/kernel/sactl/*.h)) \
	    $(TOP_DIR)/kernel/sactl/Kbuild $(TOP_DIR)/kernel/sactl/Makefile

.PHONY: install install-build install-files uninstall install-dkms uninstall-dkms kernel-deb vm-install \
	vm-module

install: install-build
	@$(MAKE) -f $(INSTALL_MK) install-files

# sactl-prompt gets PREFIX for its translations' directory (LOCALEDIR).
install-build:
	$(MAKE) -C $(TOP_DIR)/sactld OUT=$(INSTALL_SRC)
	$(MAKE) -C $(TOP_DIR)/sactlctl OUT=$(INSTALL_SRC)
	$(MAKE) -C $(TOP_DIR)/gtk-prompt OUT=$(INSTALL_SRC) PREFIX=$(PREFIX)

install-files:
	@for p in sactld sactlctl sactl-prompt; do \
		[ -x $(INSTALL_SRC)/$$p ] || { echo "install: no $(INSTALL_SRC)/$$p: make install-build first (or INSTALL_SRC=)" >&2; exit 1; }; \
	done
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 0755 $(INSTALL_SRC)/sactld $(DESTDIR)$(SBINDIR)/sactld
	$(INSTALL) -m 0755 $(INSTALL_SRC)/sactlctl $(INSTALL_SRC)/sactl-prompt $(DESTDIR)$(BINDIR)/
	@# sactld refuses a configuration others may write: 0755 and 0644.
	$(INSTALL) -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/sactl
	@if [ -e $(CONF) ]; then \
		echo "install: keeping the existing $(CONF)"; \
	else \
		echo "$(INSTALL) -m 0644 etc/sactl.conf $(CONF)"; \
		$(INSTALL) -m 0644 $(TOP_DIR)/etc/sactl.conf $(CONF); \
	fi
	@# The example stays at hand for comparing with a kept configuration.
	$(INSTALL) -d $(DESTDIR)$(DATADIR)/doc/sactl/examples
	$(INSTALL) -m 0644 $(TOP_DIR)/etc/sactl.conf $(DESTDIR)$(DATADIR)/doc/sactl/examples/sactl.conf
	@for page in $(MANPAGES); do \
		s=$${page##*.}; \
		echo "$(INSTALL) -m 0644 $${page#$(TOP_DIR)/} $(DESTDIR)$(MANDIR)/man$$s/"; \
		$(INSTALL) -d $(DESTDIR)$(MANDIR)/man$$s && \
		$(INSTALL) -m 0644 $$page $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
	done
	@# The unit names sactld by its installed path.
	$(INSTALL) -d $(DESTDIR)$(UNITDIR)
	sed 's|/usr/sbin/sactld|$(SBINDIR)/sactld|g' $(TOP_DIR)/etc/systemd/sactld.service > $(DESTDIR)$(UNITDIR)/sactld.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/sactld.service
	$(INSTALL) -D -m 0644 $(TOP_DIR)/etc/modules-load.d/sactl.conf $(DESTDIR)$(MODLOADDIR)/sactl.conf
	$(INSTALL) -D -m 0644 $(TOP_DIR)/etc/udev/60-sactl.rules $(DESTDIR)$(UDEVDIR)/rules.d/60-sactl.rules
	$(INSTALL) -D -m 0644 $(TOP_DIR)/gtk-prompt/sactl-prompt.desktop $(DESTDIR)$(DATADIR)/applications/sactl-prompt.desktop
	$(INSTALL) -D -m 0644 $(TOP_DIR)/gtk-prompt/sactl-prompt-autostart.desktop $(DESTDIR)$(SYSCONFDIR)/xdg/autostart/sactl-prompt.desktop
	@if [ -z "$(DESTDIR)" ]; then \
		echo "install: now: systemctl daemon-reload; udevadm control --reload;"; \
		echo "install: systemctl enable --now sactld (the module: make install-dkms, or a sactl kernel)"; \
	fi

# The configuration goes only if it is still the example: edits are the
# user's.  Directories go when empty.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/sactld $(DESTDIR)$(BINDIR)/sactlctl $(DESTDIR)$(BINDIR)/sactl-prompt
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/,$(foreach p,$(MANPAGES),man$(subst .,,$(suffix $(p)))/$(notdir $(p))))
	rm -f $(DESTDIR)$(UNITDIR)/sactld.service $(DESTDIR)$(MODLOADDIR)/sactl.conf \
		$(DESTDIR)$(UDEVDIR)/rules.d/60-sactl.rules \
		$(DESTDIR)$(DATADIR)/applications/sactl-prompt.desktop \
		$(DESTDIR)$(SYSCONFDIR)/xdg/autostart/sactl-prompt.desktop \
		$(DESTDIR)$(DATADIR)/doc/sactl/examples/sactl.conf
	-rmdir $(DESTDIR)$(DATADIR)/doc/sactl/examples $(DESTDIR)$(DATADIR)/doc/sactl 2> /dev/null
	@if [ -f $(CONF) ] && cmp -s $(CONF) $(TOP_DIR)/etc/sactl.conf; then \
		echo "rm -f $(CONF)"; rm -f $(CONF); rmdir $(DESTDIR)$(SYSCONFDIR)/sactl 2> /dev/null || true; \
	elif [ -f $(CONF) ]; then \
		echo "uninstall: keeping $(CONF): it differs from the example"; \
	fi

install-dkms:
	$(INSTALL) -d $(DESTDIR)$(DKMSDIR)/kernel/sactl $(DESTDIR)$(DKMSDIR)/include/uapi/linux
	$(INSTALL) -m 0644 $(DKMS_SRC) $(DESTDIR)$(DKMSDIR)/kernel/sactl/
	$(INSTALL) -m 0644 $(TOP_DIR)/include/uapi/linux/sactl.h $(DESTDIR)$(DKMSDIR)/include/uapi/linux/
	sed 's/#MODULE_VERSION#/$(VERSION)/' $(TOP_DIR)/dkms.conf > $(DESTDIR)$(DKMSDIR)/dkms.conf
	chmod 0644 $(DESTDIR)$(DKMSDIR)/dkms.conf
	@[ -n "$(DESTDIR)" ] || echo "install-dkms: now: dkms install sactl/$(VERSION)"

uninstall-dkms:
	rm -rf $(DESTDIR)$(DKMSDIR)

kernel-deb:
	$(TOP_DIR)/scripts/kernel-deb.sh

# From scratch: install-files keeps an existing sactl.conf, and a stale one
# must not reach the VM.
vm-install: install-build
	rm -rf $(BUILD)/install
	@$(MAKE) -f $(INSTALL_MK) install-files DESTDIR=$(BUILD)/install PREFIX=/usr > /dev/null

# DKMS with trees of its own (nothing reaches /var/lib/dkms or /lib/modules),
# the way a user's `dkms install` builds the module: the VM loads that.
KDIR	?= $(BUILD)/linux
VM_DKMS	:= $(BUILD)/dkms
vm-module: vm-install
	$(MAKE) -f $(INSTALL_MK) install-dkms DESTDIR=$(BUILD)/install DKMSDIR=/usr/src/sactl-$(VERSION)
	@set -e; release=$$(cat $(KDIR)/include/config/kernel.release); \
	dk="dkms -m sactl -v $(VERSION) --sourcetree $(BUILD)/install/usr/src --dkmstree $(VM_DKMS)"; \
	rm -rf $(VM_DKMS); mkdir -p $(VM_DKMS); \
	$$dk add > /dev/null; \
	$$dk build -k $$release --kernelsourcedir $(KDIR) > $(BUILD)/dkms.log 2>&1 || \
		{ cat $(BUILD)/dkms.log $(VM_DKMS)/sactl/$(VERSION)/build/make.log >&2; exit 1; }; \
	$(INSTALL) -D -m 0644 $(VM_DKMS)/sactl/$(VERSION)/$$release/$$(uname -m)/module/sactl.ko \
		$(BUILD)/install/lib/modules/$$release/updates/dkms/sactl.ko; \
	echo "vm-module: DKMS built $(BUILD)/install/lib/modules/$$release/updates/dkms/sactl.ko"
