#!/bin/sh
# End-to-end, in the test VM: the security of sactl's channels, with real
# processes of different uids (root, nobody 65534, and 1000):
#   - an unprivileged user cannot open /dev/sactl (EACCES by its mode, and
#     EPERM without CAP_NET_ADMIN even when the mode would let it);
#   - nor use the control socket (its mode, and SO_PEERCRED behind it);
#   - a prompt agent sees only its own uid's requests, and nobody cannot
#     answer root's prompt: a forged ANSWER is refused, so is an
#     AGENT_HELLO naming another uid;
#   - sactld never writes through a symbolic link or a hard link planted
#     in its state directory (user files or their temporary names), skips
#     what is not a plain file, and refuses a state directory that is a
#     symbolic link or not root's;
#   - garbage on the prompt socket (random bytes, random frames, oversized
#     and half frames, silence, many connections) only costs the sender
#     its connection: sactld still decides and asks afterwards.
# TAP on stdout.  The runner starts us with the module unloaded.
# shellcheck disable=SC1091
. "$(dirname "$0")/common.inc"

W=/tmp/vm-channels
KO=${SACTL_KO:-/lib/modules/sactl.ko}
. "$(dirname "$0")/calls.inc"
S=$W/state
SOCK=$W/prompt.sock
rm -rf $W /etc/sactl-victim /etc/sactl-victim2 /etc/sactl-created
mkdir -p $W
chmod 0755 $W

cleanup() {
	stop_all
	chmod 0600 /dev/sactl 2>/dev/null
	rm -f /etc/sactl-victim /etc/sactl-victim2 /etc/sactl-created
}
trap cleanup EXIT

# as UID CMD...: run it as UID (gid the same number).
as() {
	u=$1
	shift
	$VMTOOL asuid "$u" "$u" "$@"
}
# hostile UID MODE [ARG]: sactl-vmtool's agent MODE as UID; its report in
# $W/hostile.out, its status returned (0: sactld closed the connection).
hostile() {
	u=$1
	shift
	timeout 30 $VMTOOL asuid "$u" "$u" $VMTOOL agent $SOCK "$@" > $W/hostile.out 2>&1
}
said() {
	has $W/hostile.out "$1"
}
log_has() {
	has "$log" "$1"
}

need_vmtool
insmod "$KO" || { not_ok "insmod $KO"; done_testing; exit 1; }

# ---- /dev/sactl ------------------------------------------------------------------
check "nobody cannot open /dev/sactl (EACCES)" \
	sh -c "[ \"\$($VMTOOL asuid 65534 65534 $VMTOOL open /dev/sactl)\" = EACCES ]"
check "... nor can uid 1000 (EACCES)" \
	sh -c "[ \"\$($VMTOOL asuid 1000 1000 $VMTOOL open /dev/sactl)\" = EACCES ]"
chmod 0666 /dev/sactl
check "... nor with the device's mode 0666: no CAP_NET_ADMIN (EPERM)" \
	sh -c "[ \"\$($VMTOOL asuid 65534 65534 $VMTOOL open /dev/sactl)\" = EPERM ]"
chmod 0600 /dev/sactl
check "root can open it" sh -c "[ \"\$($VMTOOL open /dev/sactl)\" = ok ]"

write_conf $S
start
check "sactld starts and attaches" attached
check "a second opener, even root, is refused while sactld holds it (EBUSY)" \
	sh -c "[ \"\$($VMTOOL open /dev/sactl)\" = EBUSY ]"

# ---- the control socket ------------------------------------------------------------
as 65534 sactlctl -s $W/control.sock status > $W/ctl.nobody 2>&1
rc=$?
check "nobody cannot use the control socket (mode 0600; exit $rc)" \
	sh -c "[ $rc != 0 ] && grep -q 'ermission denied' $W/ctl.nobody"
chmod 0666 $W/control.sock
as 65534 sactlctl -s $W/control.sock rules add --user 65534 \
	'{ action = "allow"; op = "connect"; }' > $W/ctl.nobody 2>&1
rc=$?
chmod 0600 $W/control.sock
check "... nor with its mode 0666: sactld checks the peer's uid (exit $rc)" \
	sh -c "[ $rc != 0 ]"
check "... refuses it and logs it" log_has "control socket: refused uid 65534"
check "... nothing was added" sh -c "! ls $S | grep -q 65534"

# ---- prompts: forged answers -----------------------------------------------------------
agent root
call r1 8104
check "root's call waits on root's agent" wait_for 15 has $W/root.out "port 8104 "
refused=0
for id in 1 2 3 4 5 6 7 8; do
	hostile 65534 forge $id && said "closed ERROR" && refused=$((refused + 1))
done
check "nobody's ANSWERs for prompt ids 1-8 are all refused ($refused of 8)" [ $refused = 8 ]
check "... e.g. $(cat $W/hostile.out)" said "never sent to this agent"
hostile 65534 hello-as 0
check "an AGENT_HELLO of nobody naming uid 0 is refused" said "may not answer for uid 0"
check "root's caller still waits" alive "$call_pid"
check "... nothing was remembered for root" [ ! -e $S/0.conf ]
answer root 8104 d
wait "$call_pid"
check "... and root's own answer decides it (deny)" [ "$(verdict r1)" = deny ]

# ---- prompts: each uid sees its own ------------------------------------------------------
agent nob 65534
agent u1000 1000
call n1 8105 65534
call k1 8106 1000
call r2 8107
shown() {
	has $W/nob.out "port 8105 " && has $W/u1000.out "port 8106 " &&
		has $W/root.out "port 8107 "
}
check "each user's agent shows its user's call" wait_for 20 shown
sleep 1
check "nobody's agent saw nobody else's" \
	sh -c "! grep -qE 'port (8104|8106|8107) ' $W/nob.out"
check "uid 1000's agent saw nobody else's" \
	sh -c "! grep -qE 'port (8104|8105|8107) ' $W/u1000.out"
check "root's agent saw only root's (root_answers_all is off)" \
	sh -c "! grep -qE 'port (8105|8106) ' $W/root.out"
answer nob 8105 a
answer u1000 8106 d
answer root 8107 a
for p in $callers; do wait "$p" 2>/dev/null; done
check "each answered their own (nobody allow, 1000 deny, root allow)" \
	[ "$(verdict n1) $(verdict k1) $(verdict r2)" = "allow deny allow" ]

# ---- the state directory: links ------------------------------------------------------------
stop_all
agents='' holders='' callers=''
echo "victim" > /etc/sactl-victim
echo "victim2" > /etc/sactl-victim2
echo "rules = ( );" > $W/linked
ln -s /etc/sactl-victim $S/65534.conf
ln -s /etc/sactl-victim2 $S/.65534.conf.tmp
ln $W/linked $S/1000.conf
mkfifo $S/2000.conf
start
check "planted links: sactld starts anyway" attached
check "... a symbolic link as a user's file is not followed" \
	log_has "65534.conf: a symbolic link, not followed; ignored"
check "... nor a hard link" log_has "1000.conf: has other hard links; ignored"
check "... nor a fifo (sactld did not hang on it)" log_has "2000.conf: not a regular file; ignored"
check "... a leftover temporary name is removed, not followed" \
	sh -c "[ ! -e $S/.65534.conf.tmp ] && [ ! -L $S/.65534.conf.tmp ] && [ \"\$(cat /etc/sactl-victim2)\" = victim2 ]"
agent nob 65534
agent u1000 1000
call n2 8108 65534
wait_for 15 has $W/nob.out "port 8108 "
answer nob 8108 a forever
wait "$call_pid"
check "nobody's answer is remembered" has $S/65534.conf 8108
check "... in a plain file that replaced the link" sh -c "[ -f $S/65534.conf ] && [ ! -L $S/65534.conf ]"
check "... and the link's target is untouched" [ "$(cat /etc/sactl-victim)" = victim ]
ln -s /etc/sactl-created $S/.65534.conf.tmp
call n3 8109 65534
wait_for 15 has $W/nob.out "port 8109 "
answer nob 8109 a forever
wait "$call_pid"
planted_ok() {
	has $S/65534.conf 8109 && [ ! -e /etc/sactl-created ] &&
		[ ! -L $S/.65534.conf.tmp ]
}
check "a temporary name planted while sactld runs is not followed either" planted_ok
call k2 8110 1000
wait_for 15 has $W/u1000.out "port 8110 "
answer u1000 8110 d forever
wait "$call_pid"
check "a hard-linked user file is replaced, its other name untouched" \
	sh -c "grep -q 8110 $S/1000.conf && [ \"\$(cat $W/linked)\" = 'rules = ( );' ]"
check "the remembered answers apply: nobody 8108 allowed, 1000 8110 denied" \
	[ "$(verdict_of 8108 65534) $(verdict_of 8110 1000)" = "allow deny" ]

stop_all
agents='' holders='' callers=''
ln -s $S $W/statelink
write_conf $W/statelink
timeout 20 sactld -f -c $CONF > $W/refuse.1 2>&1
rc=$?
check "a state directory that is a symbolic link: sactld refuses to start (exit $rc)" \
	sh -c "[ $rc != 0 ] && [ $rc != 124 ] && grep -q 'symbolic link' $W/refuse.1"
mkdir -m 0700 $W/ustate
chown 65534:65534 $W/ustate
write_conf $W/ustate
timeout 20 sactld -f -c $CONF > $W/refuse.2 2>&1
rc=$?
check "... nor one owned by nobody (exit $rc)" \
	sh -c "[ $rc != 0 ] && [ $rc != 124 ] && grep -q 'not root' $W/refuse.2"

# ---- garbage on the prompt socket ---------------------------------------------------------------
write_conf $S
start
agent nob 65534
closed=0 tried=0
for mode in "garbage 65536" "garbage 5" "frames 500" "frames 77" "frames 1234" \
	huge big half nohello "hello-as 1000"; do
	tried=$((tried + 1))
	# shellcheck disable=SC2086 # MODE ARG
	if hostile 65534 $mode && { said closed || said "hung up"; }; then
		closed=$((closed + 1))
	else
		echo "# agent $mode: $(cat $W/hostile.out)"
	fi
done
check "garbage, random frames, oversized and half frames, silence: each connection closed ($closed of $tried)" \
	[ $closed = $tried ]
check "... each such protocol error logged" log_has "protocol error"
hostile 65534 many 300
check "300 connections at once: the per-user limit holds ($(cat $W/hostile.out))" \
	sh -c "grep -q 'kept 1[0-5] ' $W/hostile.out"
check "sactld survives it all" alive "$pid"
check "... answers sactlctl status" attached
call n4 8111 65534
check "... and still asks nobody's agent" wait_for 15 has $W/nob.out "port 8111 "
answer nob 8111 d
wait "$call_pid"
check "... whose answer still decides (deny)" [ "$(verdict n4)" = deny ]

stop_all
pid=''
check "with no daemon, the module can be unloaded" rmmod sactl

diag_if_failed $W/sactld.*.log $W/*.out $W/ctl.* $W/refuse.*
done_testing
