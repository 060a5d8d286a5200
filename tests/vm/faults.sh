#!/bin/sh
# End-to-end, in the test VM: sactld and its agents under faults.
#   - sactld SIGKILLed with callers waiting and a prompt open: the module
#     releases every caller at once with its detached verdict;
#   - restarted, every remembered answer still applies and every state
#     file still parses;
#   - SIGKILLed at random moments while it rewrites a large state file:
#     after each restart every rule it had acknowledged is there, the file
#     parses and no temporary file is left;
#   - the prompt agent killed mid-prompt: another agent can still answer;
#     with none left the caller gets the default at once, not after the
#     prompt timeout;
#   - the state directory full (a small tmpfs) while saving an answer: the
#     error is logged, the old file is left as it was and still applies
#     after a restart, and the caller still gets its answer.
# TAP on stdout.  The runner starts us with the module unloaded.
# shellcheck disable=SC1091
. "$(dirname "$0")/common.inc"

W=/tmp/vm-faults
KO=${SACTL_KO:-/lib/modules/sactl.ko}
SMALL=$W/small
. "$(dirname "$0")/calls.inc"
rm -rf $W
mkdir -p $W
chmod 0755 $W

cleanup() {
	stop_all
	umount $SMALL 2>/dev/null
}
trap cleanup EXIT

pending() {
	stat_of pending
}

# clean_log: the last start loaded every state file (none ignored).
clean_log() {
	! grep -E 'ignored|cannot' "$log"
}

need_vmtool
insmod "$KO" || { not_ok "insmod $KO"; done_testing; exit 1; }
write_conf $W/state false 60 'exe = "/bin/busybox"; '
start
check "sactld starts and attaches" attached

# ---- remembered answers to keep -------------------------------------------
agent root
call c1 8091
wait_for 15 has $W/root.out "port 8091 "
answer root 8091 a forever
wait "$call_pid"
call c2 8092
wait_for 15 has $W/root.out "port 8092 "
answer root 8092 d forever
wait "$call_pid"
$CTL rules add --user 65534 \
	'{ action = "allow"; exe = "/bin/busybox"; op = "connect"; remote = "127.0.0.1"; port = 8093; }' \
	> $W/add.out 2>&1
remembered() {
	[ "$(verdict c1) $(verdict c2)" = "allow deny" ] &&
		has $W/state/0.conf 8092 && has $W/state/65534.conf 8093
}
check "answers remembered for root (allow 8091, deny 8092) and nobody (allow 8093)" \
	remembered
cp $W/state/0.conf $W/0.conf.before

# ---- SIGKILL with callers waiting and a prompt open --------------------------
before=$(pending)
waiting=''
for i in 1 2 3 4 5; do
	call "w$i" 8094
	waiting="$waiting $call_pid"
done
call wn 8095 65534
waiting="$waiting $call_pid"
check "five callers wait on a prompt (and one of nobody's, who has no agent)" \
	wait_for 20 sh -c "[ \$(cat /sys/class/misc/sactl/stats/pending) -ge $((before + 5)) ]"
check "... root's agent shows the prompt" wait_for 15 has $W/root.out "port 8094 "
crash
check "SIGKILL: every waiting caller returns at once" wait_for 10 gone $waiting
check "... the module holds nothing" [ "$(pending)" = 0 ]
ok=0
for i in 1 2 3 4 5; do
	[ "$(verdict "w$i")" = allow ] && ok=$((ok + 1))
done
check "... the five prompt callers got the detached verdict (allow): $ok of 5" [ $ok = 5 ]
check "the agent saw sactld go" wait_for 10 gone $agent_pid

start
check "restarted: sactld attaches again" attached
check "... every state file loads (no 'ignored' in its log)" clean_log
check "... 0.conf is as it was" cmp -s $W/state/0.conf $W/0.conf.before
check "... the remembered allow applies (8091)" [ "$(verdict_of 8091)" = allow ]
check "... the remembered deny applies (8092)" [ "$(verdict_of 8092)" = deny ]
check "... and nobody's rule (8093)" [ "$(verdict_of 8093 65534)" = allow ]

# ---- SIGKILL while saving ------------------------------------------------------
# A large state file, so that its rewrite takes a while: 300 rules of uid
# 1000, then one rule added per round with an acknowledgement, one more in
# flight when sactld is killed after a random delay.
crash
awk 'BEGIN {
	print "rules = ("
	for (i = 1; i <= 300; i++)
		printf "  { action = \"allow\"; exe = \"/usr/bin/app%d\"; op = \"connect\"; remote = \"10.0.0.1\"; port = %d; }%s\n", i, 1000 + i, i < 300 ? "," : ""
	print ");"
}' > $W/state/1000.conf
chmod 0600 $W/state/1000.conf
acked='' lost='' broken=0 leftovers=0 rounds=6
for r in $(seq $rounds); do
	start
	clean_log || broken=$((broken + 1))
	$CTL rules list --user 1000 > $W/list 2>&1
	[ "$(grep -c '/usr/bin/app' $W/list)" = 300 ] || broken=$((broken + 1))
	for port in $acked; do
		grep -q "port = ( $port )" $W/list || lost="$lost $port"
	done
	for f in $W/state/.*.tmp; do
		[ -e "$f" ] && leftovers=$((leftovers + 1))
	done
	if $CTL rules add --user 1000 \
		"{ action = \"deny\"; exe = \"/usr/bin/ack\"; op = \"connect\"; port = $((9000 + r)); }" \
		> /dev/null 2>&1; then
		acked="$acked $((9000 + r))"
	fi
	$CTL rules add --user 1000 \
		"{ action = \"deny\"; exe = \"/usr/bin/flight\"; op = \"connect\"; port = $((9100 + r)); }" \
		> /dev/null 2>&1 &
	inflight=$!
	usleep $(($(od -An -N2 -tu2 /dev/urandom) * 4))
	crash
	wait $inflight
done
start
clean_log || broken=$((broken + 1))
$CTL rules list --user 1000 > $W/list 2>&1
for port in $acked; do
	grep -q "port = ( $port )" $W/list || lost="$lost $port"
done
landed=$(grep -c /usr/bin/flight $W/list)
echo "# $landed of $rounds rules in flight at the kill were saved"
check "SIGKILL at random points while saving, $rounds rounds: every state file parses each time ($broken broken)" \
	[ $broken = 0 ]
check "... no acknowledged rule lost (acked:$acked; lost:${lost:- none})" \
	sh -c "[ -z '$lost' ] && [ -n '$acked' ]"
check "... the rules from before still apply (8091 allow, 8092 deny)" \
	sh -c "[ \"\$(cat $W/state/0.conf)\" = \"\$(cat $W/0.conf.before)\" ]"
check "... no temporary file left behind ($leftovers times)" [ $leftovers = 0 ]
check "... sactld started and attached each time" attached

# ---- the agent killed mid-prompt -------------------------------------------------
agent a1
a1=$agent_pid
agent a2
a2=$agent_pid
call k1 8096
both_show() {
	has $W/a1.out "port $1 " && has $W/a2.out "port $1 "
}
check "two agents show the prompt" wait_for 15 both_show 8096
kill -KILL $a1
sleep 1
check "one agent killed: the caller still waits for the other" alive "$call_pid"
answer a2 8096 d
wait "$call_pid"
check "... whose answer (deny) decides" [ "$(verdict k1)" = deny ]

call k2 8097
wait_for 15 has $W/a2.out "port 8097 "
t0=$(date +%s)
kill -KILL $a2
wait "$call_pid"
t1=$(date +%s)
check "the last agent killed: the caller gets the default (deny)" [ "$(verdict k2)" = deny ]
check "... at once ($((t1 - t0)) s, the prompt timeout is 60 s)" [ $((t1 - t0)) -le 10 ]
check "... logged" has "$log" "its last agent left"

# ---- ENOSPC while saving -------------------------------------------------------------
stop_pid "$pid"
mkdir -p $SMALL
mount -t tmpfs -o size=64k,mode=0700 tmpfs $SMALL
write_conf $SMALL false 60 'exe = "/bin/busybox"; '
start
agent full
call s1 8098
wait_for 15 has $W/full.out "port 8098 "
answer full 8098 a forever
wait "$call_pid"
check "a small state directory (tmpfs): an answer is saved" has $SMALL/0.conf 8098
cp $SMALL/0.conf $W/small.before
dd if=/dev/zero of=$SMALL/fill bs=4096 > /dev/null 2>&1
check "... then it is filled up" sh -c "! echo x > $SMALL/probe 2>/dev/null || ! [ -s $SMALL/probe ]"
rm -f $SMALL/probe 2>/dev/null
call s2 8099
wait_for 15 has $W/full.out "port 8099 "
answer full 8099 a forever
wait "$call_pid"
check "full: the caller still gets the answer (allow)" [ "$(verdict s2)" = allow ]
check "... the failure is logged (ENOSPC)" \
	wait_for 5 sh -c "grep 'cannot remember' $log | grep -q 'No space left on device'"
check "... the old file is left as it was" cmp -s $SMALL/0.conf $W/small.before
check "... and no temporary file" sh -c "! ls -a $SMALL | grep -q tmp"
if $CTL rules add --user 0 '{ action = "allow"; exe = "/bin/x"; port = 1; }' > $W/add.full 2>&1; then
	not_ok "sactlctl rules add on a full state directory fails"
else
	check "sactlctl rules add on a full state directory fails, saying why" \
		has $W/add.full "No space left on device"
fi
crash
start
check "restarted on the full directory: the file loads" clean_log
check "... the old answer applies (8098 allowed without asking)" [ "$(verdict_of 8098)" = allow ]
check "... the lost one was not remembered (8099: default, no agent)" [ "$(verdict_of 8099)" = deny ]
rm -f $SMALL/fill
stop_pid "$pid"
pid=''
check "with no daemon, the module can be unloaded" rmmod sactl

diag_if_failed $W/sactld.*.log $W/*.out $W/add.*
done_testing
