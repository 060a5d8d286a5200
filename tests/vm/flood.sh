#!/bin/sh
# End-to-end, in the test VM: a flood of callers from one unprivileged
# user (nobody, uid 65534): 1000 threads connect() at once to a port that
# nobody's prompt agent is asked about and does not answer yet.
#   - the module's per-user cap (max_pending_per_uid) holds: never more
#     pending, the rest get the overflow verdict (deny) at once and are
#     counted in stats/overflows;
#   - meanwhile root and another user are still decided, by rule and by
#     the default;
#   - one answer releases every waiting caller; every caller returns
#     (allowed exactly the cap, denied the rest), nothing stays pending,
#     sactld's memory and the kernel's slab stay bounded;
#   - with the global cap (max_pending) below the per-user one, it holds
#     as well.
# TAP on stdout.  The runner starts us with the module unloaded.
# shellcheck disable=SC1091
. "$(dirname "$0")/common.inc"

W=/tmp/vm-flood
KO=${SACTL_KO:-/lib/modules/sactl.ko}
PARAMS=/sys/module/sactl/parameters
N=${FLOOD_CALLERS:-1000}
. "$(dirname "$0")/calls.inc"
rm -rf $W
mkdir -p $W
chmod 0755 $W
sampler=''

cleanup() {
	kill "$sampler" 2>/dev/null
	stop_all
}
trap cleanup EXIT

# The callers' socket() calls are answered from the module's cache, so
# that only their connect()s wait for sactld.
write_conf $W/state true 120

# kB of a /proc/meminfo line, of a /proc/PID/status line.
meminfo() {
	sed -n "s/^$1: *\([0-9]*\) kB/\1/p" /proc/meminfo
}
rss() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"
}
# field NAME: a line "NAME value" of the flood's report.
field() {
	sed -n "s/^$1 //p" $W/flood.out
}

# sample: the module's pending count and the slab size, every 0.2 s.
sample() {
	while :; do
		echo "$(cat /sys/class/misc/sactl/stats/pending) $(meminfo Slab)"
		usleep 200000
	done > $W/samples
}
max_pending() {
	awk 'BEGIN { m = 0 } $1 > m { m = $1 } END { print m }' $W/samples
}
max_slab() {
	awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }' $W/samples
}

need_vmtool
insmod "$KO" || { not_ok "insmod $KO"; done_testing; exit 1; }
cap=$(cat $PARAMS/max_pending_per_uid)
global=$(cat $PARAMS/max_pending)
start
check "sactld starts and attaches" attached
agent nob 65534

# Warm up what a first flood allocates once (thread stacks, slabs).
$VMTOOL flood -u 65534 -n 50 127.0.0.1 8090 > $W/warm.out 2>&1
slab0=$(meminfo Slab)
rss0=$(rss "$pid")
over0=$(stat_of overflows)

# ---- the per-user cap ----------------------------------------------------
echo "# $(date +%s): flooding"
sample &
sampler=$!
$VMTOOL flood -u 65534 -n "$N" 127.0.0.1 8100 > $W/flood.out 2> $W/flood.err &
flood=$!
check "nobody starts $N callers at once" wait_for 120 has $W/flood.err ready
echo "# $(date +%s): $N callers ready"
full() {
	[ "$(stat_of pending)" = "$cap" ] &&
		[ $(($(stat_of overflows) - over0)) -ge $((N - cap)) ]
}
check "the cap fills ($cap pending) and the rest overflow" wait_for 120 full
check "... nobody's agent is asked" wait_for 30 has $W/nob.out "port 8100 "
echo "# $(date +%s): the cap is full"

t0=$(date +%s)
check "meanwhile root's calls are decided: by a rule (8090 allowed)" \
	[ "$(verdict_of 8090)" = allow ]
check "... and by the default (8101, no agent: denied)" [ "$(verdict_of 8101)" = deny ]
check "... and so are uid 1000's (8090 allowed)" [ "$(verdict_of 8090 1000)" = allow ]
check "... at once ($(($(date +%s) - t0)) s for the three)" [ $(($(date +%s) - t0)) -le 30 ]
check "nobody still has $cap pending (the cap holds)" [ "$(stat_of pending)" = "$cap" ]

answer nob 8100 a
check "one answer: every caller returns" wait_for 120 gone $flood
echo "# $(date +%s): the flood is over"
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
sampler=''
# Root's and uid 1000's calls above came one at a time: one more at most.
check "the module's pending count never passed the cap, but for the one call of root or uid 1000 (max $(max_pending))" \
	[ "$(max_pending)" -le $((cap + 1)) ]
all_back() {
	[ "$(field callers)" = "$1" ] && [ "$(field returned)" = "$1" ]
}
check "... all $N of them ($(field returned) returned)" all_back "$N"
check "... exactly the cap allowed ($(field allowed) of $cap)" [ "$(field allowed)" = "$cap" ]
outcome_is() {
	[ "$(field allowed)" = "$1" ] && [ "$(field denied)" = "$2" ] &&
		[ "$(field other)" = 0 ]
}
check "... the rest denied by the overflow verdict ($(field denied))" \
	outcome_is "$cap" $((N - cap))
check "... promptly (slowest denial $(field denied_max_ms) ms)" \
	[ "$(field denied_max_ms)" -lt 30000 ]
check "stats/overflows counted each ($(($(stat_of overflows) - over0)))" \
	[ $(($(stat_of overflows) - over0)) = $((N - cap)) ]
check "nothing stays pending" wait_for 10 [ "$(stat_of pending)" = 0 ]
check "sactld is alive and answers" attached
rss1=$(rss "$pid")
check "sactld's memory stayed bounded (RSS $rss0 -> $rss1 kB)" \
	[ $((rss1 - rss0)) -lt 16384 ]
slab1=$(meminfo Slab)
slab_ok() {
	[ $(($(max_slab) - slab0)) -lt 131072 ] && [ $((slab1 - slab0)) -lt 32768 ]
}
check "the slab stayed bounded (Slab $slab0 -> peak $(max_slab) -> $slab1 kB)" slab_ok

# ---- the global cap ------------------------------------------------------------
g=64
echo $g > $PARAMS/max_pending
over0=$(stat_of overflows)
sample &
sampler=$!
$VMTOOL flood -u 65534 -n 200 127.0.0.1 8102 > $W/flood.out 2> $W/flood.err &
flood=$!
gfull() {
	[ "$(stat_of pending)" = $g ] &&
		[ $(($(stat_of overflows) - over0)) -ge $((200 - g)) ]
}
check "max_pending $g: the global cap fills and the rest overflow" wait_for 120 gfull
check "... nobody's agent is asked" wait_for 30 has $W/nob.out "port 8102 "
answer nob 8102 a
check "... one answer: every caller returns" wait_for 120 gone $flood
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
sampler=''
gsplit() {
	[ "$(field returned)" = 200 ] && outcome_is $g $((200 - g))
}
check "... all return: $g allowed, $((200 - g)) denied ($(field allowed), $(field denied))" \
	gsplit
check "... never more than $g pending (max $(max_pending))" [ "$(max_pending)" -le $g ]
echo "$global" > $PARAMS/max_pending

stop_pid "$pid"
pid=''
check "with no daemon, the module can be unloaded" rmmod sactl

diag_if_failed $W/sactld.*.log $W/nob.out $W/flood.out $W/flood.err $W/warm.out
done_testing
