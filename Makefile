# Top-level build glue for sactl.  Everything builds under build/; the
# kernel module, the user space and the tests are built by their own
# Makefiles.
#   make check   build all, run the host tests and fuzzers, run every test
#                in the QEMU VM, judge the results
#   make run     build all, boot the VM with the module loaded, sactld
#                running on the example configuration, and a shell
#   make bench   build the kernel, module and user space, run the
#                benchmarks (bench/run.sh): bench/RESULTS.md and
#                bench/concurrency.png; not part of check
#   make install, uninstall, install-dkms, uninstall-dkms, kernel-deb
#                installing on a real machine: see mk/install.mk
# Knobs: ACCEL=kvm, VM_TIMEOUT (whole VM run, s), TEST_TIMEOUT (per program,
# s), FUZZ_TIME (per fuzzer in make check, s).

BUILD := $(CURDIR)/build
KDIR := $(BUILD)/linux
MODDIR := $(CURDIR)/kernel/sactl
TESTS_OUT := $(BUILD)/tests
USERSPACE := $(BUILD)/userspace
# The compiler command scripts/kernel-build.sh uses, so ccache hits are shared.
KCC := $(if $(shell command -v ccache),ccache gcc,gcc)
MAKEFLAGS += --no-print-directory

.PHONY: all deps kernel module tests userspace host-tests gui-tests fuzz initramfs check run bench clean distclean
all: initramfs

deps:
	@scripts/deps.sh

kernel: deps
	scripts/kernel-build.sh

module: kernel
	$(MAKE) -C $(KDIR) M=$(MODDIR) CC="$(KCC)" W=1 modules

tests: kernel
	$(MAKE) -C tests/kernel KDIR=$(KDIR) OUT=$(TESTS_OUT)
	$(MAKE) -C tests/vm OUT=$(TESTS_OUT)
	$(MAKE) -C tests/escape KDIR=$(KDIR) OUT=$(TESTS_OUT)/escape

# sactld and sactlctl, for the VM (and for installing); sactl-prompt, the
# desktop prompt, runs on the host (make run) and in the GUI tests.
userspace: deps
	$(MAKE) -C sactld OUT=$(USERSPACE)
	$(MAKE) -C sactlctl OUT=$(USERSPACE)
	$(MAKE) -C gtk-prompt OUT=$(USERSPACE)

# The host tests use the kernel tree's kselftest harness.
host-tests: kernel
	$(MAKE) -C tests/host KDIR=$(KDIR)

# sactl-prompt's GUI tests (tests/gui): sanitized sactld and sactl-prompt,
# the test programs, and the host half of the VM's prompt-bridge test,
# which vm.sh check starts (so this comes first).
gui-tests: kernel
	$(MAKE) -C tests/gui KDIR=$(KDIR)

fuzz: deps
	$(MAKE) -C tests/fuzz

# The VM runs the installed tree (build/install), as a user would: the
# user space, the configuration, and the module as DKMS builds it.
initramfs: tests vm-module
	MODULE_KO=$$(ls $(BUILD)/install/lib/modules/*/updates/dkms/sactl.ko) scripts/mkinitramfs.sh

# A VM crash, a failed host test or fuzzer is for check-results.sh to
# report, so go on to it; stale results of an earlier run must not count.
check: initramfs host-tests fuzz gui-tests
	rm -f $(BUILD)/host.tap $(BUILD)/fuzz.tap $(BUILD)/gui.tap $(BUILD)/gui-e2e.tap $(BUILD)/docs.tap \
		$(BUILD)/install.tap
	scripts/vm.sh check || true
	scripts/lint-kernel.sh > $(BUILD)/lint.tap || true
	scripts/lint-docs.sh > $(BUILD)/docs.tap || true
	scripts/run-host-tests.sh || true
	scripts/run-fuzz.sh || true
	scripts/run-gui-tests.sh || true
	scripts/check-install.sh || true
	@scripts/check-results.sh

run: initramfs
	scripts/vm.sh run

# make install builds with what the machine has (README lists it); the
# VM's installed tree is part of make run and check, which install deps.
include mk/install.mk
vm-install: deps
vm-module: kernel

# bench/run.sh also builds the unpatched kernel (build/linux-vanilla) and
# its own initramfs and programs (build/bench).
bench: module userspace
	USERSPACE_DIR=$(USERSPACE) bench/run.sh

# Keeps build/linux and build/linux-vanilla (rebuilding a kernel takes
# minutes) and build/install-check (kernel-deb's unpacked tree).
clean:
	if [ -f $(KDIR)/Makefile ] && [ -d $(MODDIR) ]; then $(MAKE) -C $(KDIR) M=$(MODDIR) clean; fi
	rm -rf $(TESTS_OUT) $(BUILD)/initramfs.d $(BUILD)/initramfs.cpio.gz \
		$(BUILD)/console.log $(BUILD)/tap.log $(BUILD)/lint.tap $(BUILD)/run-tap.log $(BUILD)/vm-exit \
		$(USERSPACE) $(BUILD)/userspace-san $(BUILD)/host-tests $(BUILD)/fuzz \
		$(BUILD)/host.tap $(BUILD)/fuzz.tap $(BUILD)/docs.tap \
		$(BUILD)/gui-tests $(BUILD)/gui.tap $(BUILD)/gui-e2e.tap $(BUILD)/gui-e2e-host.log \
		$(BUILD)/screenshots $(BUILD)/vm-prompt.sock $(BUILD)/run \
		$(BUILD)/install $(BUILD)/install.tap $(BUILD)/dkms $(BUILD)/dkms.log
	rm -rf $(BUILD)/bench

distclean: clean
	rm -rf $(BUILD)
