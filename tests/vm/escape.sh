#!/bin/sh
# Escapes, in the test VM: under a deny-all sactld (default deny, no prompt
# agent), programs try every way they know to get an IPv4/IPv6 connection
# or listener past sactl (tests/escape/*.c, in /tests/escape; SECURITY.md
# lists the paths).  Each attempt must fail, reach no peer, and be a deny
# in sactld's log; the known limits must be exactly what SECURITY.md says.
#   1. esc-peer starts BEFORE sactld attaches: the module's detached verdict
#      (allow) lets it listen and connect, so real peers exist without any
#      rule allowing them; it hands its sockets to the tests (SCM_RIGHTS).
#   2. No rule at all: socket() itself is refused (socket).
#   3. SIGHUP to a configuration that only lets socket() of tcp/udp/icmp
#      through (raw denied), so that every later call is reached: net,
#      raw, uring, process.
#   4. Nothing but socket() was ever allowed to a test program.
# TAP on stdout.  The runner starts us with the module unloaded.
# shellcheck disable=SC1091
. "$(dirname "$0")/common.inc"

W=/tmp/esc
BIN=${ESC_BIN:-/tests/escape}
KO=${SACTL_KO:-/lib/modules/sactl.ko}
CONF=$W/sactl.conf
CTL="sactlctl -s $W/control.sock"
rm -rf $W
mkdir -p $W
chmod 0755 $W
export ESC_BIN="$BIN" ESC_WORK=$W ESC_PEER=$W/peer.sock ESC_LOG=$W/sactld.log
pid='' peer=''

PING_RANGE=/proc/sys/net/ipv4/ping_group_range
TFO=/proc/sys/net/ipv4/tcp_fastopen
old_range=$(cat $PING_RANGE) old_tfo=$(cat $TFO)

cleanup() {
	stop_pid "$pid"
	[ -z "$peer" ] || kill "$peer" 2>/dev/null
	echo "$old_range" > $PING_RANGE
	echo "$old_tfo" > $TFO
}
trap cleanup EXIT

# write_conf RULES: deny by default, no agent, the rules given.
write_conf() {
	cat > $CONF.new <<EOF
sactld = {
  default = "deny";
  prompt_timeout = 60;
  log_level = "info";
  state_dir = "$W/state";
  prompt_socket = "$W/prompt.sock";
  control_socket = "$W/control.sock";
};
rules = ( $1 );
EOF
	chmod 0600 $CONF.new
	mv $CONF.new $CONF
}

attached() {
	$CTL status > $W/status 2>&1 && grep -q ', attached to /dev/sactl' $W/status
}

# run_prog NAME: one kselftest program; each of its results is one of ours.
run_prog() {
	name=$1
	out=$W/$name.out
	results=0
	timeout 240 "$BIN/$name" > "$out" 2>&1
	rc=$?
	cur=
	while IFS= read -r line; do
		case $line in
		"#  RUN "*) cur=$(echo "$line" | awk '{ print $3 }'); continue ;;
		"ok "*) rest=${line#ok } ;;
		"not ok "*) rest=${line#not ok } ;;
		*) continue ;;
		esac
		rest=${rest#* }
		# The harness names no test on a SKIP line: take the one running.
		case $rest in "# SKIP"*) rest="$cur $rest" ;; esac
		case $line in
		"ok "*) ok "$name: $rest" ;;
		*) not_ok "$name: $rest" ;;
		esac
		results=$((results + 1))
	done < "$out"
	plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$out" | head -n 1)
	if [ "$results" = 0 ] || [ "$results" != "${plan:-0}" ] ||
	   { [ "$rc" != 0 ] && [ "$rc" != 4 ] && ! grep -q '^not ok ' "$out"; }; then
		not_ok "$name: ran to the end ($results of ${plan:-?} results, exit status $rc)"
	fi
	grep -q '^not ok ' "$out" && diag "$out"
	return 0
}

insmod "$KO"
# Let root's ping sockets exist and TCP Fast Open be a client's option,
# so those paths are reached at all.
echo "0 2147483647" > $PING_RANGE
echo 3 > $TFO

# ---- 1. the peers, before sactld ------------------------------------------
"$BIN/esc-peer" $W/peer.sock > $W/peer.out 2> $W/peer.err &
peer=$!
check "esc-peer sets up its listeners and sockets before sactld attaches" \
	wait_for 20 has $W/peer.out ready

# ---- 2. nothing allowed -------------------------------------------------------
# sactld in a mount namespace of its own, as systemd's sandboxing
# (ProtectSystem=, sactld.service) runs it: paths must still be named right.
write_conf ''
unshare -m --propagation private \
	sactld -f -d -c "$CONF" -p $W/sactld.pid > $ESC_LOG 2>&1 &
pid=$!
check "sactld attaches on the deny-all configuration" wait_for 10 attached
check "... with no prompt agent" grep -q ' 0 prompt agents' $W/status
check "... and no rule" has $ESC_LOG ", 0 rules"
check "... in a mount namespace that is not init's" \
	[ "$(stat -L -c %i /proc/$pid/ns/mnt)" != "$(stat -L -c %i /proc/1/ns/mnt)" ]
run_prog socket

# ---- 3. socket() allowed, nothing else -----------------------------------
write_conf '
  { action = "allow"; op = "socket"; proto = ( "tcp", "udp", "icmp" ); },
  { action = "deny"; op = "socket"; proto = "raw"; }'
kill -HUP "$pid"
check "SIGHUP: socket() of tcp/udp/icmp allowed, nothing else" \
	wait_for 10 has $ESC_LOG "reloaded $CONF"
for prog in net raw uring process exefile ns; do
	run_prog $prog
done

# ---- 4. what sactld allowed ----------------------------------------------
grep '^sactld: allow' $ESC_LOG | grep -v ' uid [0-9]* socket ' > $W/allowed
check "sactld allowed nothing but socket() to any program" [ ! -s $W/allowed ]
diag_if_failed $W/allowed
check "sactld is still running" alive "$pid"
check "the peer is still running" alive "$peer"

diag_if_failed $W/peer.err $W/status
done_testing
