#!/bin/sh
# End-to-end, in the test VM and on its host: `sactlctl relay` carries
# sactld's prompt socket over the virtio-serial port org.sactl.prompt to
# the host, where scripts/gui-e2e-host.sh (started by vm.sh) runs the
# desktop prompt under Xvfb and clicks Allow on the prompt that mentions
# port 8090 and Deny on the one that mentions port 8091.  Here:
#   - busybox wget to 127.0.0.1:8090, which no rule covers, gets its page:
#     the host's answer, logged as the prompt's;
#   - sactld restarts: the relay tells the host agent (an ERROR frame),
#     which connects again by itself;
#   - wget to 127.0.0.1:8091 fails with EPERM, again by the prompt.
# Without the port, or when nothing connects on the host end within 60 s
# (no Xvfb; vm.sh passes sactl.prompt_host=0 when it started no host
# side), the results are SKIPs, not failures.
# TAP on stdout.  The runner starts us with the module unloaded.
# shellcheck disable=SC1091
. "$(dirname "$0")/common.inc"

W=/tmp/vm-bridge
KO=${SACTL_KO:-/lib/modules/sactl.ko}
CONF=$(dirname "$0")/prompt-bridge.conf
CTL="sactlctl -s $W/control.sock"
NAME=org.sactl.prompt
rm -rf $W
mkdir -p $W/www
echo "hello bridge" > $W/www/index.html
pid='' relay='' servers=''

cleanup() {
	stop_pid "$relay"
	stop_pid "$pid"
	for p in $servers; do kill "$p" 2>/dev/null; done
}
trap cleanup EXIT

# skip_all WHY: one SKIP for the whole program.
skip_all() {
	ok "prompts answered on the host through the relay # SKIP $1"
	done_testing
	exit 0
}

agents() {
	$CTL status 2>/dev/null | sed -n 's/.*open, \([0-9]*\) prompt agent.*/\1/p'
}
has_agent() {
	[ "$(agents)" -ge 1 ] 2>/dev/null
}
no_agent() {
	[ "$(agents)" = 0 ]
}
# An agent that stays: after the relay starts, the host agent may be told
# to reconnect once (see sactlctl(8)), so one look is not enough.
agent_settled() {
	has_agent && sleep 2 && has_agent
}
# within SECONDS COMMAND...: retry it for that long by the clock (each
# try may take seconds).
within() {
	end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		usleep 200000
	done
}
attached() {
	$CTL status 2>/dev/null | grep -q ', attached to /dev/sactl'
}
start_sactld() {
	sactld -f -d -c "$CONF" -p $W/sactld.pid >> $W/sactld.log 2>&1 &
	pid=$!
	wait_for 10 attached
}
# fetch PORT: wget's output and errors in $W/wget.PORT, its status returned.
# Longer than prompt_timeout: the answer, or the default, comes first.
fetch() {
	timeout 150 wget -q -O - "http://127.0.0.1:$1/" > "$W/wget.$1" 2>&1
}
# decided VERDICT PORT: sactld logged the connect to PORT as the prompt's.
decided() {
	grep -qE "$1[^:]*: /bin/busybox \\(wget\\).* -> 127\\.0\\.0\\.1:$2 \\(prompt\\)" $W/sactld.log
}

grep -qx "$NAME" /sys/class/virtio-ports/*/name 2>/dev/null ||
	skip_all "no virtio port named $NAME (QEMU without it)"
grep -qw 'sactl.prompt_host=0' /proc/cmdline &&
	skip_all "no prompt agent on the host (vm.sh found no scripts/gui-e2e-host.sh)"

insmod "$KO" || { not_ok "insmod $KO"; done_testing; exit 1; }
check "sactld starts and attaches" start_sactld
for port in 8090 8091; do
	httpd -f -p 127.0.0.1:$port -h $W/www &
	servers="$servers $!"
done
listening() {
	[ "$(netstat -ltn | grep -c '127.0.0.1:809[01] ')" = 2 ]
}
check "httpd may listen on 127.0.0.1:8090-8091 (rule)" wait_for 10 listening

sactlctl -p $W/prompt.sock relay --name $NAME > $W/relay.log 2>&1 < /dev/null &
relay=$!
check "sactlctl relay --name $NAME runs" wait_for 10 has $W/relay.log "relaying /dev/"
# Nobody on the host end is a SKIP; someone there whose hello does not
# reach sactld is a failure of the relay.
if ! within 60 agent_settled; then
	diag $W/relay.log
	has $W/relay.log "host agent connected" ||
		skip_all "nothing connected on the host end within 60 s (no Xvfb?)"
	not_ok "the host end connected, but no agent hello reached sactld within 60 s"
	done_testing
	exit 1
fi
ok "a prompt agent on the host said hello through the relay"

fetch 8090
check "wget 127.0.0.1:8090 (no rule: asked) gets its page: allowed on the host" \
	has $W/wget.8090 "hello bridge"
check "... logged as the prompt's answer" decided allow 8090

stop_pid "$pid"
check "sactld stopped: the relay tells the host agent" \
	wait_for 10 has $W/relay.log "sactld closed the connection"
check "sactld starts again" start_sactld
check "the host agent reconnects through the relay by itself" within 30 agent_settled

fetch 8091
check "wget 127.0.0.1:8091 (no rule: asked) is refused: denied on the host" \
	has $W/wget.8091 "Operation not permitted"
check "... logged as the prompt's answer" decided deny 8091

kill "$relay"
wait "$relay"
rc=$?
check "SIGTERM: the relay stops cleanly (exit $rc)" [ "$rc" = 0 ]
relay=''
check "... and closes its sactld connection" wait_for 10 no_agent

diag_if_failed $W/relay.log $W/sactld.log $W/wget.8090 $W/wget.8091
done_testing
