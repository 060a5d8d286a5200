# Top-level build glue for sactl.  Everything builds under build/; the
# kernel module and tests are built by their own Makefiles.
#   make check   build all, run every test in the QEMU VM, judge the results
#   make run     build all, boot the VM with the module loaded and a shell
# Knobs: ACCEL=kvm, VM_TIMEOUT (whole VM run, s), TEST_TIMEOUT (per program, s).

BUILD := $(CURDIR)/build
KDIR := $(BUILD)/linux
MODDIR := $(CURDIR)/kernel/sactl
TESTS_OUT := $(BUILD)/tests
# The compiler command scripts/kernel-build.sh uses, so ccache hits are shared.
KCC := $(if $(shell command -v ccache),ccache gcc,gcc)
MAKEFLAGS += --no-print-directory

.PHONY: all deps kernel module tests initramfs check run clean distclean
all: initramfs

deps:
	@scripts/deps.sh

kernel: deps
	scripts/kernel-build.sh

module: kernel
	$(MAKE) -C $(KDIR) M=$(MODDIR) CC="$(KCC)" W=1 modules

tests: kernel
	$(MAKE) -C tests/kernel KDIR=$(KDIR) OUT=$(TESTS_OUT)

initramfs: module tests
	scripts/mkinitramfs.sh

# A VM crash or timeout is for check-results.sh to report, so go on to it.
check: initramfs
	scripts/vm.sh check || true
	scripts/lint-kernel.sh > $(BUILD)/lint.tap || true
	@scripts/check-results.sh

run: initramfs
	scripts/vm.sh run

# Keeps build/linux: rebuilding the kernel takes minutes.
clean:
	if [ -f $(KDIR)/Makefile ] && [ -d $(MODDIR) ]; then $(MAKE) -C $(KDIR) M=$(MODDIR) clean; fi
	rm -rf $(TESTS_OUT) $(BUILD)/initramfs.d $(BUILD)/initramfs.cpio.gz \
		$(BUILD)/console.log $(BUILD)/tap.log $(BUILD)/lint.tap $(BUILD)/run-tap.log $(BUILD)/vm-exit

distclean: clean
	rm -rf $(BUILD)
