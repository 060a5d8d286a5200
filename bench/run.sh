#!/bin/bash
# make bench: the benchmarks of the sactl hooks, module, verdict cache and
# sactld, written to bench/RESULTS.md and bench/concurrency.png.
#
# Builds the unpatched kernel from the test kernel's config (once, then
# cached: scripts/kernel-build.sh with VANILLA=1), the bench programs and
# an initramfs with them (build/bench/), then boots QEMU:
#   - BENCH_BOOTS times the patched kernel and the vanilla kernel in turn
#     (ABBA), each running figure 1's loop (the two sides of that ratio
#     are two kernels, so they alternate by boot);
#   - once the patched kernel for figures 2, 3, 4 and 6 (each a ratio of
#     two sides alternated within that boot);
# and runs figure 5 on the host against the real sactld.  Every result
# line lands in build/bench/*.out; bench/summarize.sh takes the medians,
# bench/report.sh writes the table and the plot.
#
# The guest's clock: QEMU's -icount (BENCH_CLOCK=icount, the default)
# makes the emulated CPU's time advance by 1 ns per guest instruction, so
# a time is an instruction count, the same on every run and untouched by
# whatever else the host is doing; the other way (BENCH_CLOCK=host) times
# by the host's clock, as TCG normally runs, where one round differs from
# the next by some 10%.  With icount, BENCH_HOST_BOOTS pairs of boots also
# time figure 1 by the host's clock, as a cross-check.
#
# The run fails if a boot does not finish, reports an error, or the kernel
# complains (WARNING, BUG, KASAN, lockdep).
# Knobs: BENCH_BOOTS (3), BENCH_HOST_BOOTS (2), BENCH_CLOCK, BENCH_QUICK=1
# (tiny counts, to try it), ACCEL (tcg; anything else implies
# BENCH_CLOCK=host), BENCH_VM_TIMEOUT (s per boot, 1800), USERSPACE_DIR.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
out=$build/bench
quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then
	boots=${BENCH_BOOTS:-1} host_boots=${BENCH_HOST_BOOTS:-1}
else
	boots=${BENCH_BOOTS:-3} host_boots=${BENCH_HOST_BOOTS:-2}
fi
accel=${ACCEL:-tcg}
clock=${BENCH_CLOCK:-icount}
[ "$accel" = tcg ] || clock=host
limit=${BENCH_VM_TIMEOUT:-1800}
patched=$build/linux/arch/x86/boot/bzImage
vanilla=$build/linux-vanilla/arch/x86/boot/bzImage
userspace=${USERSPACE_DIR:-$build/userspace}
ko=${MODULE_KO:-$top/kernel/sactl/sactl.ko}

# What scripts/check-results.sh counts as the kernel complaining.
splat='WARNING:|BUG:|KASAN:|UBSAN:|Kernel panic|Oops|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|INFO: task .* blocked|unreferenced object|Call Trace:'

say() { printf '==> %s\n' "$*"; }
die() { echo "bench: $*" >&2; exit 1; }

case $clock in icount | host) ;; *) die "BENCH_CLOCK is icount or host, not $clock" ;; esac
command -v gnuplot > /dev/null || {
	say "installing gnuplot-nox"
	sudo=
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get install -y -q gnuplot-nox > /dev/null ||
		{ $sudo apt-get update -q > /dev/null && $sudo apt-get install -y -q gnuplot-nox > /dev/null; }
}
[ -f "$patched" ] || die "no $patched (make module first)"
[ -f "$ko" ] || die "no $ko (make module first)"
for p in sactld sactlctl; do [ -x "$userspace/$p" ] || die "no $userspace/$p (make userspace first)"; done
VANILLA=1 "$top/scripts/kernel-build.sh"
make -C "$top/bench" OUT="$out"

# This run's inputs, copied: the user space may be rebuilt while we run.
rm -f "$out"/*.out "$out"/*.console "$out"/*.qemu.log "$out"/*.dat "$out"/run.info
mkdir -p "$out/notests" "$out/userspace"
cp "$userspace/sactld" "$userspace/sactlctl" "$out/userspace/"
cp "$ko" "$out/sactl.ko"
info() { echo "$1=$2" >> "$out/run.info"; }
info start "$(date -u '+%Y-%m-%d %H:%M UTC')"
info clock "$clock"
info accel "$accel"
info boots "$boots"
info host_boots "$host_boots"
info quick "$quick"
# What was measured: the commit, and what differed from it.
info git_head "$(git -C "$top" rev-parse --short HEAD 2> /dev/null || echo unknown)"
info git_dirty "$(git -C "$top" status --porcelain -- patches kernel include sactld lib bench 2> /dev/null |
	awk '{ print $2 }' | tr '\n' ' ' | sed 's/ $//')"
begin=$SECONDS

# The initramfs: the usual one (module, sactld, busybox) plus /bench.
extra="$top/bench/run-guest.sh:/bench/run-guest.sh $top/bench/sactld-bench.conf:/bench/bench.conf"
for p in "$out"/guest/bench-*; do extra+=" $p:/bench/$(basename "$p")"; done
BUILD=$out TESTS_DIR=$out/notests USERSPACE_DIR=$out/userspace MODULE_KO=$out/sactl.ko \
	INITRAMFS=$out/initramfs.cpio.gz INITRAMFS_EXTRA=$extra \
	"$top/scripts/mkinitramfs.sh"

# boot NAME KERNEL PHASE CLOCK: one unattended boot; results in $out/NAME.out.
boot() {
	local name=$1 kernel=$2 phase=$3 how=$4 rc=0 start=$SECONDS tsc_khz args=()
	if [ "$how" = icount ]; then
		# One instruction, one ns; no sleeping: idle time is skipped.
		args=(-icount "shift=0,sleep=off,align=off")
		tsc_khz=1000000
	else
		# Without HPET or ACPI PM timer the guest cannot calibrate its
		# TSC, which under TCG is the host's: tell it the host's rate
		# (a wrong one would scale every time alike, not the ratios).
		tsc_khz=$(awk '/^cpu MHz/ { printf "%d", $4 * 1000; exit }' /proc/cpuinfo)
	fi
	say "boot $name: sactl.bench=$phase, $how clock"
	timeout -k 10 "$limit" qemu-system-x86_64 -accel "$accel" "${args[@]}" -cpu max -m 1024 -smp 2 \
		-nographic -no-reboot -nic none -monitor none \
		-kernel "$kernel" -initrd "$out/initramfs.cpio.gz" \
		-append "console=ttyS0 printk.time=1 panic_on_warn=1 oops=panic panic=-1 tsc_early_khz=$tsc_khz tsc=reliable clocksource=tsc sactl.mode=bench sactl.bench=$phase sactl.bench_quick=$quick" \
		-serial file:"$out/$name.console" -serial file:"$out/$name.out" \
		< /dev/null 2> "$out/$name.qemu.log" || rc=$?
	say "boot $name: QEMU exited $rc after $((SECONDS - start))s"
	info "secs_$name" $((SECONDS - start))
	grep -q '^BENCH-DONE' "$out/$name.out" || die "boot $name did not finish (see $out/$name.console)"
	if grep '^error' "$out/$name.out" >&2; then die "boot $name reported errors"; fi
	if grep -E "$splat" "$out/$name.console" >&2; then
		die "boot $name: the kernel complained (see $out/$name.console)"
	fi
}

# Figure 1: pairs of boots, patched then vanilla, then the other way
# round (so that a drift of the host's speed does not favour one side).
fig1_pair() {
	local i=$1 how=$2 p=("fig1-$2-patched-$1" "$patched") v=("fig1-$2-vanilla-$1" "$vanilla")
	if [ $((i % 2)) = 1 ]; then
		boot "${p[@]}" hooks "$how"
		boot "${v[@]}" hooks "$how"
	else
		boot "${v[@]}" hooks "$how"
		boot "${p[@]}" hooks "$how"
	fi
}
for i in $(seq "$boots"); do fig1_pair "$i" "$clock"; done
if [ "$clock" = icount ]; then
	for i in $(seq "$host_boots"); do fig1_pair "$i" host; done
fi
boot full "$patched" full "$clock"

say "figure 5 on the host (real sactld, device double)"
start=$SECONDS
if [ "$quick" = 1 ]; then set -- 2 500; else set -- 9 5000; fi
# All on one CPU, like the guest: cross-CPU wake-ups would make each time
# depend on where the scheduler put the daemon.
SACTLD=$out/userspace/sactld taskset -c 0 "$out/host/bench-rules" "$@" 10 1000 100000 > "$out/host.out"
info secs_host $((SECONDS - start))
info secs_total $((SECONDS - begin))

"$top/bench/summarize.sh" "$out"
"$top/bench/report.sh" "$out" "$top/bench"
say "results: $top/bench/RESULTS.md, $top/bench/concurrency.png ($((SECONDS - begin))s)"
