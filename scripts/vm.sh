#!/bin/bash
# Boot the test kernel and initramfs in QEMU.
#   vm.sh check  run the tests unattended: console (ttyS0) to build/console.log,
#                TAP (ttyS1) to build/tap.log, no stdin, killed after
#                VM_TIMEOUT seconds; QEMU's exit status goes to build/vm-exit.
#   vm.sh run    interactive shell on this terminal with the module loaded.
# Both give the guest a virtio-serial port named org.sactl.prompt, whose
# host end is a Unix socket (check: build/vm-prompt.sock, run:
# build/run/prompt.sock): in the guest, `sactlctl relay` joins it to
# sactld's prompt socket, so a prompt agent here answers the guest's
# prompts.  check starts scripts/gui-e2e-host.sh SOCKET (GUI_E2E_HOST=
# another program) there if it exists; run starts the desktop prompt
# (build/userspace/sactl-prompt) when there is a $DISPLAY.
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
	-kernel "$kernel" -initrd "$initramfs")

# The prompt port: QEMU listens on $sock; the guest finds the port by name.
if [ "$mode" = run ]; then
	sock=$build/run/prompt.sock
else
	sock=$build/vm-prompt.sock
fi
mkdir -p "$(dirname "$sock")"
rm -f "$sock"
qemu+=(-device virtio-serial-pci
	-chardev "socket,id=prompt,path=$sock,server=on,wait=off"
	-device "virtserialport,chardev=prompt,name=org.sactl.prompt")

# Helpers started here run in their own session, away from the terminal
# QEMU uses: setsid does not fork (a background child of a script leads
# no group), so each $! is a process group to kill, whatever it forks.
helpers=()
helpers_alive() {
	local p
	for p in ${helpers[@]+"${helpers[@]}"}; do
		kill -0 "$p" 2> /dev/null && return 0
	done
	return 1
}
stop_helpers() {
	local p
	for p in ${helpers[@]+"${helpers[@]}"}; do
		kill -TERM -- -"$p" 2> /dev/null || kill -TERM "$p" 2> /dev/null || true
	done
	for _ in $(seq 10); do
		helpers_alive || break
		sleep 0.2
	done
	for p in ${helpers[@]+"${helpers[@]}"}; do
		kill -KILL -- -"$p" 2> /dev/null || kill -KILL "$p" 2> /dev/null || true
		wait "$p" 2> /dev/null || true
	done
	helpers=()
}
trap stop_helpers EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# own_socket MODE [UID:GID]: once QEMU has created $sock (before the guest
# boots), set who may connect; a prompt agent needs write permission.
own_socket() {
	for _ in $(seq 100); do
		if [ -S "$sock" ]; then
			[ -z "${2:-}" ] || chown "$2" "$sock"
			chmod "$1" "$sock"
			return
		fi
		sleep 0.1
	done
	echo "vm.sh: QEMU did not create $sock" >&2
	return 1
}

if [ "$mode" = run ]; then
	prompt=$build/userspace/sactl-prompt
	if [ -z "${DISPLAY:-}" ]; then
		echo "vm.sh: no \$DISPLAY, so no prompt window: answer prompts in the guest with 'sactlctl prompt'"
	elif [ ! -x "$prompt" ]; then
		echo "vm.sh: no $prompt, so no prompt window: answer prompts in the guest with 'sactlctl prompt'"
	elif [ "$(id -u)" != 0 ]; then
		# Our own socket: the prompt runs as we do.
		(own_socket 0600 && exec setsid "$prompt" --socket "$sock") \
			> "$build/run/sactl-prompt.log" 2>&1 < /dev/null &
		helpers+=($!)
		cmdline+=" sactl.prompt_host=1"
	elif [ -n "${SUDO_UID:-}" ] && [ "$SUDO_UID" != 0 ]; then
		# sactl-prompt refuses root: it runs as the user who ran sudo, and
		# only that user (and root) may answer the guest's prompts.
		user=${SUDO_USER:-$SUDO_UID} gid=${SUDO_GID:-$SUDO_UID}
		home=$(getent passwd "$SUDO_UID" | cut -d: -f6)
		env=(HOME="${home:-/}" USER="$user" LOGNAME="$user" PATH=/usr/bin:/bin
			DISPLAY="$DISPLAY" LANG="${LANG:-C.UTF-8}")
		[ -z "${XAUTHORITY:-}" ] || env+=(XAUTHORITY="$XAUTHORITY")
		if [ -d "/run/user/$SUDO_UID" ]; then
			env+=(XDG_RUNTIME_DIR="/run/user/$SUDO_UID")
			[ ! -S "/run/user/$SUDO_UID/bus" ] ||
				env+=(DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$SUDO_UID/bus")
		fi
		(own_socket 0600 "$SUDO_UID:$gid" &&
			exec setsid setpriv --reuid="$SUDO_UID" --regid="$gid" --init-groups \
				env -i "${env[@]}" "$prompt" --socket "$sock") \
			> "$build/run/sactl-prompt.log" 2>&1 < /dev/null &
		helpers+=($!)
		cmdline+=" sactl.prompt_host=1"
	else
		echo "vm.sh: sactl-prompt does not run as root; for prompt windows, while the VM runs, as your desktop user: sudo chown \$USER $sock && $prompt --socket $sock"
	fi
	[ "${#helpers[@]}" = 0 ] ||
		echo "vm.sh: the guest's prompts open windows on $DISPLAY (log: $build/run/sactl-prompt.log)"
	# Monitor muxed with the console: Ctrl-A x quits, Ctrl-A c is the monitor.
	rc=0
	"${qemu[@]}" -append "$cmdline" -serial mon:stdio \
		-serial file:"$build/run-tap.log" || rc=$?
	exit "$rc"
fi

rm -f "$build/console.log" "$build/tap.log" "$build/vm-exit"
# The host side of the guest's prompt-bridge test, a prompt agent on $sock
# (sactl-prompt, which refuses root, so the socket is open to all users:
# it only lives while this throwaway VM runs).  The guest learns whether
# one was started, so that it does not wait for nothing.
gui_host=${GUI_E2E_HOST:-$top/scripts/gui-e2e-host.sh}
if [ -x "$gui_host" ]; then
	echo "vm.sh: starting $gui_host $sock (log: $build/gui-e2e-host.log)"
	setsid "$gui_host" "$sock" > "$build/gui-e2e-host.log" 2>&1 < /dev/null &
	helpers+=($!)
	own_socket 0666 > /dev/null 2>&1 < /dev/null &
	helpers+=($!)
	cmdline+=" sactl.prompt_host=1"
else
	cmdline+=" sactl.prompt_host=0"
fi
timeout=${VM_TIMEOUT:-1500}
echo "vm.sh: booting (accel ${ACCEL:-tcg}, at most ${timeout}s), console in $build/console.log"
start=$SECONDS
rc=0
timeout -k 10 "$timeout" "${qemu[@]}" -append "$cmdline" -monitor none \
	-serial file:"$build/console.log" -serial file:"$build/tap.log" < /dev/null || rc=$?
echo "$rc" > "$build/vm-exit"
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "vm.sh: VM killed after ${timeout}s (VM_TIMEOUT)" >&2
else
	echo "vm.sh: VM exited with status $rc after $((SECONDS - start))s"
fi
# Let the host side finish its report, then stop it whatever it does.
if [ -x "$gui_host" ]; then
	for _ in $(seq 25); do
		kill -0 "${helpers[0]}" 2> /dev/null || break
		sleep 0.2
	done
fi
stop_helpers
exit "$rc"
