#!/bin/sh
# The guest half of make bench (busybox sh, run by /init with
# sactl.mode=bench).  sactl.bench=hooks runs figure 1's loop only (the
# host boots the patched and the vanilla kernel in turn); sactl.bench=full
# runs figures 2, 3, 4 and 6 on the patched kernel.  sactl.bench_quick=1
# shrinks every count, to try the machinery.  Results go to ttyS1 as
# "figN key=value ..." lines, read by bench/summarize.sh; a line starting
# with "error" fails the run, "BENCH-DONE" ends it.
# No "set -e": a failure is reported as an error line, not by dying early.
# shellcheck disable=SC3040 # busybox sh has pipefail
set -u -o pipefail
ko=${SACTL_KO:-/lib/modules/sactl.ko}
stats=/sys/class/misc/sactl/stats
params=/sys/module/sactl/parameters
out=/dev/ttyS1
phase=full
quick=0
# shellcheck disable=SC2013 # the command line is words
for arg in $(cat /proc/cmdline); do
	case $arg in
	sactl.bench=*) phase=${arg#*=} ;;
	sactl.bench_quick=*) quick=${arg#*=} ;;
	esac
done

# Counts sized for this debug kernel under TCG, where a loopback
# socket+connect+close is some 6 million instructions (6 ms of icount
# time), a UDP sendto 0.5 ms and a decision by sactld a few ms.
# Figure 4's levels are CALLERS:SECONDS:WARMUP: the warm-up must outlast
# the first wait of the last caller in line, and the window several
# latencies, which grow with the callers (Little's law).
if [ "$quick" = 1 ]; then
	rounds=2 connect_n=20 udp_n=200 lat_n=50 hold_n=32 fill=1000 f4rounds=1
	levels="1:1:1 8:1:1 64:2:2"
else
	rounds=5 connect_n=200 udp_n=1500 lat_n=500 hold_n=256 fill=10000 f4rounds=3
	levels="1:2:1 8:2:1 64:3:2 512:10:8"
fi

[ -c $out ] && stty -F $out raw -echo 2>/dev/null
exec 3>$out
emit() {
	echo "$*" >&3
	echo "bench: $*"
}
# An error line, and what the module and sactld saw, on the console.
error() {
	emit "error $*"
	grep . $stats/* 2>/dev/null
	logread 2>/dev/null | tail -5
}
# No program may hang the boot: a hang becomes an error line.
t() { timeout 600 "$@"; }
# A program's "figN k=v ..." lines as result lines, with @1 (more k=v
# words, or nothing) after the figure's name.
emit_lines() {
	while read -r line; do emit "${line%% *}${1:+ $1} ${line#* }"; done
}
loaded() { grep -q '^sactl ' /proc/modules; }
load() {
	loaded || insmod "$ko" || error "insmod $ko failed"
}
# rmmod fails with EAGAIN while a call is passing through: retry.
unload() {
	i=0
	while loaded && ! rmmod sactl 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 40 ] || { error "rmmod sactl failed"; return 1; }
		sleep 0.25
	done
}
# set_param NAME VALUE: a module parameter, checked.
set_param() {
	echo "$2" > "$params/$1" 2>/dev/null
	[ "$(cat "$params/$1" 2>/dev/null)" = "$2" ] || error "could not set $1=$2"
}
have_cache() { [ -f $stats/cache_hits ]; }
counter() { cat "$stats/$1"; }

cd /tmp || exit 1
emit "boot phase=$phase kernel=$(uname -r) cpus=$(nproc) quick=$quick"
# kmemleak's scanner wakes by itself and walks all memory for seconds,
# taking the one CPU from whatever is being timed: only on demand here.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan=off > /sys/kernel/debug/kmemleak && emit "note kmemleak scan=off"
fi
emit "version $(cat /proc/version)"
# Per-call times need a fine clock; jiffies ticks every 4 ms.
clock=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
emit "clocksource $clock"
[ "$clock" = tsc ] || error "clocksource is $clock, not tsc: times would be in 4 ms steps"

# The peer of the loops, started before the module so it is never asked
# about its own socket, bind and listen.
/bench/bench-listen > /tmp/listen.log 2>&1 &
for _ in $(seq 50); do grep -q listening /tmp/listen.log && break; sleep 0.1; done
grep -q listening /tmp/listen.log || error "bench-listen did not start: $(cat /tmp/listen.log)"

# A loop's first run pays for first-time work (page faults, slab and
# socket buffers growing, the UDP peer's receive queue filling up before
# it starts dropping): one unmeasured run of each loop @1... first.
warm_up() {
	for loop in "$@"; do
		n=$connect_n
		[ "$loop" = connect ] || n=$udp_n
		t /bench/bench-loop "$loop" $n > /dev/null || error "warm-up $loop loop failed"
	done
}

fig1() {
	warm_up connect
	for r in $(seq $rounds); do
		res=$(t /bench/bench-loop connect $connect_n) || error "fig1 loop failed"
		emit "fig1 round=$r $res"
	done
}

# Per round and loop, three sides: no module; the module loaded with no
# daemon (it answers at once, building no request); and the module with
# the loop's verdicts in its cache, which must answer every hooked call.
fig2() {
	load
	if ! have_cache; then
		emit "skip fig2 the module has no verdict cache"
		unload
		return
	fi
	unload
	warm_up udp connect
	for r in $(seq $rounds); do
		for loop in connect udp; do
			if [ $loop = connect ]; then
				n=$connect_n want=$((3 * connect_n)) # socket, connect, accept
			else
				n=$udp_n want=$udp_n
			fi
			res=$(t /bench/bench-loop $loop $n) || error "fig2 $loop loop failed"
			emit "fig2 round=$r side=none $res"
			load
			res=$(t /bench/bench-loop $loop $n) || error "fig2 $loop loop (detached) failed"
			emit "fig2 round=$r side=detached $res"
			h0=$(counter cache_hits)
			res=$(t /bench/bench-cached -- /bench/bench-loop $loop $n) ||
				error "fig2 $loop loop under bench-cached failed: $res"
			hits=$(($(counter cache_hits) - h0))
			unload
			emit "fig2 round=$r side=cache $(echo "$res" | tr '\n' ' ')cache_hits=$hits"
			[ $hits -ge $want ] ||
				error "fig2 $loop: $hits cache hits for $want calls: not the cache path"
		done
	done
}

# Kernel memory: per pending request, and for the cache's entries.
fig6_kernel() {
	load
	set_param max_pending 1024
	set_param max_pending_per_uid 1024
	t /bench/bench-hold $hold_n 3 | emit_lines || error "fig6 bench-hold failed"
	if have_cache; then
		[ "$(cat $params/cache_max)" -ge $((fill + 3)) ] || set_param cache_max $((fill + 3))
		# Round 0 is a warm-up, not printed: first-time allocations.
		for r in 0 1 2 3; do
			res=$(t /bench/bench-cached --fill $fill --mem) ||
				error "bench-cached --fill failed"
			[ $r = 0 ] || echo "$res" | emit_lines "round=$r"
		done
	else
		emit "skip fig6cache the module has no verdict cache"
	fi
	unload
}

sactld_rss() {
	emit "fig6rss at=$1 rss_kb=$(awk '/^VmRSS:/ { print $2 }' /proc/"$(cat /run/sactld.pid)"/status)"
}

# sactld on the bench configuration, with its verdict cache off ("cache =
# false;"; a sactld from before that setting is told by exit status 78,
# a configuration error, and runs without it: the module's cache_max=0
# keeps its cache out of the way then).
start_sactld() {
	mkdir -p /tmp/sactld-bench
	sactld -c /bench/bench.conf -p /run/sactld.pid && return 0
	[ $? = 78 ] || return 1
	grep -v '^ *cache = false;' /bench/bench.conf > /tmp/bench-nocache.conf
	emit "note sactld has no cache setting; its cache is kept off by cache_max=0"
	sactld -c /tmp/bench-nocache.conf -p /run/sactld.pid
}

# Figure 3's split: the kernel's part of a decision, answered by a
# minimal responder, and the same connect() with no module at all.
fig3_parts() {
	t /bench/bench-latency $rounds $lat_n bare | emit_lines || error "fig3 bare failed"
	load
	t /bench/bench-latency $rounds $lat_n echo | emit_lines || error "fig3 echo failed"
	unload
}

# Figures 3 and 4: the real sactld decides everything, the cache is off.
fig34() {
	load
	set_param max_pending 1024
	set_param max_pending_per_uid 1024
	! have_cache || set_param cache_max 0
	syslogd -C256
	start_sactld || { error "sactld did not start"; return; }
	sleep 2
	sactld_rss rest
	t /bench/bench-latency $rounds $lat_n daemon | emit_lines || error "fig3 failed"
	for r in $(seq $f4rounds); do
		for l in $levels; do
			c=${l%%:*} secs=${l#*:}
			t /bench/bench-load "$c" "${secs%:*}" "${secs#*:}" | emit_lines "round=$r" ||
				error "fig4 with $c callers: failures, timeouts or overflows"
		done
	done
	sactld_rss after-load
	! have_cache || [ "$(counter cache_hits)" = 0 ] ||
		error "the cache answered $(counter cache_hits) calls in figures 3-4"
	kill "$(cat /run/sactld.pid)"
	for _ in $(seq 50); do [ -f /run/sactld.pid ] || break; sleep 0.1; done
	unload
}

# Each step's start in guest time, to see where a run's time goes.
step() {
	emit "step $1 uptime=$(cut -d' ' -f1 /proc/uptime)"
	"$1"
}

case $phase in
hooks) step fig1 ;;
full)
	step fig2
	step fig6_kernel
	step fig3_parts
	step fig34
	;;
*) error "unknown phase $phase" ;;
esac
emit "BENCH-DONE"
