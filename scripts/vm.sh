#!/bin/bash
# Boot the test kernel and initramfs in QEMU.
#   vm.sh check  run the tests unattended: console (ttyS0) to build/console.log,
#                TAP (ttyS1) to build/tap.log, no stdin, killed after
#                VM_TIMEOUT seconds; QEMU's exit status goes to build/vm-exit.
#   vm.sh run    interactive shell on this terminal with the module loaded.
# ACCEL=kvm to use KVM (default tcg: KVM hangs on the CI machine),
# TEST_TIMEOUT per test program (guest side), KERNEL_CMDLINE for extras.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
kernel=${KERNEL:-$build/linux/arch/x86/boot/bzImage}
initramfs=${INITRAMFS:-$build/initramfs.cpio.gz}
mode=${1:-}

case $mode in check | run) ;; *) echo "usage: $0 check|run" >&2; exit 2 ;; esac
for f in "$kernel" "$initramfs"; do
	[ -f "$f" ] || { echo "vm.sh: missing $f (make initramfs)" >&2; exit 1; }
done

# panic_on_warn/oops=panic turn any splat into a stop; panic=-1 resets at
# once and -no-reboot turns the reset into a QEMU exit.
cmdline="console=ttyS0 printk.time=1 panic_on_warn=1 oops=panic panic=-1 sactl.mode=$mode"
cmdline+=" sactl.timeout=${TEST_TIMEOUT:-300} ${KERNEL_CMDLINE:-}"
qemu=(qemu-system-x86_64 -accel "${ACCEL:-tcg}" -cpu max -m 1024 -smp 2
	-nographic -no-reboot -nic none
	-kernel "$kernel" -initrd "$initramfs" -append "$cmdline")

if [ "$mode" = run ]; then
	# Monitor muxed with the console: Ctrl-A x quits, Ctrl-A c is the monitor.
	exec "${qemu[@]}" -serial mon:stdio -serial file:"$build/run-tap.log"
fi

rm -f "$build/console.log" "$build/tap.log" "$build/vm-exit"
timeout=${VM_TIMEOUT:-1500}
echo "vm.sh: booting (accel ${ACCEL:-tcg}, at most ${timeout}s), console in $build/console.log"
start=$SECONDS
rc=0
timeout -k 10 "$timeout" "${qemu[@]}" -monitor none \
	-serial file:"$build/console.log" -serial file:"$build/tap.log" < /dev/null || rc=$?
echo "$rc" > "$build/vm-exit"
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "vm.sh: VM killed after ${timeout}s (VM_TIMEOUT)" >&2
else
	echo "vm.sh: VM exited with status $rc after $((SECONDS - start))s"
fi
exit "$rc"
