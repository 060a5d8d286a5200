#!/bin/sh
# End-to-end, in the test VM: sactld on tests/vm/test.conf, judged with
# busybox httpd, wget and nc (programs nobody here wrote):
#   - started before the module is loaded, it attaches when it is;
#   - rules allow and refuse connections, with the configured errno;
#   - without a rule or an agent the default (deny) applies;
#   - a terminal agent (sactlctl prompt, fed on stdin) answers a prompt,
#     and the remembered answer lands in the state directory;
#   - released (SIGUSR1), the module unloads and loads again, and sactld
#     attaches again with every rule and remembered answer;
#   - SIGKILLed with callers waiting, the module releases them with its
#     detached verdict.
# TAP on stdout.  The runner starts us with the module unloaded.
# shellcheck disable=SC1091
. "$(dirname "$0")/common.inc"

W=/tmp/vm-sactld
KO=${SACTL_KO:-/lib/modules/sactl.ko}
CONF=$(dirname "$0")/test.conf
CTL="sactlctl -s $W/control.sock"
rm -rf $W
mkdir -p $W/www
echo "hello sactl" > $W/www/index.html
pid='' agent='' servers=''

cleanup() {
	exec 7>&- 2>/dev/null
	stop_pid "$pid"
	for p in $agent $servers; do kill "$p" 2>/dev/null; done
}
trap cleanup EXIT

status() {
	$CTL status > $W/status 2>&1
}
attached() {
	status && grep -q ', attached to /dev/sactl' $W/status
}
detached() {
	status && grep -q 'NOT attached' $W/status
}
# fetch PORT: wget's output and errors in $W/wget.PORT, its status returned.
fetch() {
	timeout 20 wget -q -O - "http://127.0.0.1:$1/" > "$W/wget.$1" 2>&1
}
fetched() {
	fetch "$1" && has "$W/wget.$1" "hello sactl"
}
log_has() {
	has $W/sactld.log "$1"
}

# ---- before the module -------------------------------------------------
sactld -f -d -c "$CONF" -p $W/sactld.pid > $W/sactld.log 2>&1 &
pid=$!
wait_for 10 test -e $W/sactld.pid
check "sactld starts without the module" alive "$pid"
check "it says it waits for /dev/sactl" log_has "waiting for it"
check "sactlctl status: not attached" detached

insmod "$KO"
check "insmod: it attaches by itself (uevent)" wait_for 10 attached

# ---- rules --------------------------------------------------------------
for port in 8080 8081 8082 8083; do
	httpd -f -p 127.0.0.1:$port -h $W/www &
	servers="$servers $!"
done
listening() {
	[ "$(netstat -ltn | grep -c '127.0.0.1:808[0-3] ')" = 4 ]
}
check "httpd may listen on 127.0.0.1:8080-8083 (rule: bind, listen)" wait_for 10 listening

check "wget 127.0.0.1:8080: allowed by a rule" fetched 8080
check "... logged with program and rule" \
	log_has "allow: /bin/busybox (wget)"
timeout 10 nc -w 5 127.0.0.1 8081 < /dev/null > $W/nc.8081 2>&1
check "nc 127.0.0.1:8081: refused by a rule (ECONNREFUSED), a listener there" \
	has $W/nc.8081 "Connection refused"
check "... logged as such" log_has "deny ECONNREFUSED: /bin/busybox (nc)"

fetch 8082
check "wget 127.0.0.1:8082: no rule, no agent: default deny (EPERM)" \
	has $W/wget.8082 "Operation not permitted"
check "... logged as the default" log_has "127.0.0.1:8082 (default (no agent))"

# ---- a terminal agent ---------------------------------------------------
mkfifo $W/answers
sactlctl -p $W/prompt.sock prompt < $W/answers > $W/agent.out 2>&1 &
agent=$!
exec 7> $W/answers
wait_for 10 sh -c "$CTL status | grep -q ' 1 prompt agent'"
fetch 8082 &
wget_pid=$!
check "sactlctl prompt shows the question" wait_for 15 has $W/agent.out "8082"
echo "a forever" >&7
wait $wget_pid
check "its answer (allow, forever) lets wget through" has $W/wget.8082 "hello sactl"
check "... logged as the prompt's" log_has "127.0.0.1:8082 (prompt)"
check "... and remembered in the state directory" has $W/state/0.conf "8082"
check "the same call again is decided by the remembered answer" fetched 8082
check "... without asking" log_has "127.0.0.1:8082 (remembered 0.conf:"

# ---- rmmod, insmod --------------------------------------------------------
kill -USR1 "$pid"
check "SIGUSR1: sactld lets go of the device" wait_for 10 detached
check "rmmod works then" rmmod sactl
check "sactld keeps running without the module" alive "$pid"
insmod "$KO"
check "insmod again: it attaches again" wait_for 10 attached
check "after the reload, rules still apply: 8080 allowed" fetched 8080
timeout 10 nc -w 5 127.0.0.1 8081 < /dev/null > $W/nc.8081 2>&1
check "... 8081 refused" has $W/nc.8081 "Connection refused"
check "... and the remembered answer too: 8082 allowed" fetched 8082

# ---- SIGKILL with callers waiting ------------------------------------------
defaults=$(stat_of defaults)
fetch 8083 &
wget_pid=$!
check "a call without a rule waits for the agent" \
	wait_for 15 sh -c "[ \$(cat /sys/class/misc/sactl/stats/pending) -ge 1 ]"
check "... which was asked" wait_for 10 has $W/agent.out "8083"
kill -KILL "$pid"
wait $wget_pid
check "SIGKILL: the waiting call is released with the detached verdict (allow)" \
	has $W/wget.8083 "hello sactl"
check "... counted as the module's default" [ "$(stat_of defaults)" -gt "$defaults" ]
check "with no daemon, the module can be unloaded" rmmod sactl

diag_if_failed $W/sactld.log $W/agent.out $W/status
done_testing
