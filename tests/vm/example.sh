#!/bin/sh
# End-to-end, in the test VM: sactld as installed, a classic daemon on the
# example configuration (/etc/sactl/sactl.conf) logging to syslog, judged
# with busybox httpd, wget and nc, programs nobody here wrote.  Its VM demo
# rules let /bin/busybox serve on and connect to 127.0.0.1:8080 and refuse
# 127.0.0.1:8081 with ECONNREFUSED; a listener there shows that the
# refusal is the rule's.
# TAP on stdout.  The runner starts us with the module unloaded.
# shellcheck disable=SC1091
. "$(dirname "$0")/common.inc"

W=/tmp/vm-example
KO=${SACTL_KO:-/lib/modules/sactl.ko}
rm -rf $W
mkdir -p $W
syslog_pid='' l1='' l2=''

cleanup() {
	[ -f /run/sactld.pid ] && stop_pid "$(cat /run/sactld.pid)"
	for p in $l1 $l2 $syslog_pid; do kill "$p" 2>/dev/null; done
}
trap cleanup EXIT

insmod "$KO" || { not_ok "insmod $KO"; done_testing; exit 1; }
syslogd -n -O $W/syslog &
syslog_pid=$!
wait_for 5 test -S /dev/log

# No rule lets it listen on 8081: do it before sactld attaches, when the
# module's detached verdict (allow) applies.
nc -l -p 8081 > /dev/null < /dev/null 2>&1 &
l2=$!
wait_for 5 sh -c "netstat -ltn | grep -q ':8081 '"

# A classic daemon: the command returns once it is ready.
sactld > $W/start.out 2>&1
rc=$?
check "sactld starts as a daemon on the example configuration (exit $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || diag $W/start.out
pid=$(cat /run/sactld.pid 2>/dev/null)
check "its pid file names a running sactld" alive "$pid"
check "it holds /dev/sactl" sh -c "sactlctl status | grep -q ', attached to /dev/sactl'"
check "prompt and control sockets are there" test -S /run/sactl/prompt.sock -a -S /run/sactl/control.sock

mkdir -p $W/www
echo "hello example" > $W/www/index.html
httpd -f -p 127.0.0.1:8080 -h $W/www &
l1=$!
check "httpd may listen on 127.0.0.1:8080 (rule)" \
	wait_for 10 sh -c "netstat -ltn | grep -q '127.0.0.1:8080 '"
denied=$(stat_of denied)
hits=$(stat_of cache_hits)
timeout 20 wget -q -O - http://127.0.0.1:8080/ > $W/wget8080 2>&1
check "wget gets its page (rules: connect, accept)" has $W/wget8080 "hello example"
timeout 10 nc -w 5 127.0.0.1 8081 < /dev/null > $W/nc8081 2>&1
check "nc 127.0.0.1 8081 is refused though a listener is there (rule, ECONNREFUSED)" \
	has $W/nc8081 "Connection refused"
check "the module counted the denial" [ "$(stat_of denied)" -gt "$denied" ]

# busybox's rules name its exact path: the module's verdict cache has
# them from the start, and those calls never reach sactld.  A call no rule
# covers does: the default, with nobody to ask.
check "the module answered socket() and the connects from its verdict cache" \
	[ "$(stat_of cache_hits)" -ge $((hits + 4)) ]
check "... which sactld did not see" \
	sh -c "! grep -q -- '-> 127.0.0.1:808[01] ' $W/syslog"
timeout 10 nc -w 5 127.0.0.1 8082 < /dev/null > $W/nc8082 2>&1
check "nc 127.0.0.1 8082 (no rule, no agent) gets the default deny (EPERM)" \
	has $W/nc8082 "Operation not permitted"
wait_for 5 has $W/syslog "127.0.0.1:8082 (default"
check "syslog has the decision line, naming program, address and why" \
	grep -q 'sactld.*deny[A-Z ]*: /bin/busybox (nc) .* -> 127.0.0.1:8082 (default (no agent))' $W/syslog

kill "$pid"
check "SIGTERM stops it" wait_for 10 sh -c "! kill -0 $pid 2>/dev/null"
check "and removes its pid file" test ! -e /run/sactld.pid
check "the module can be unloaded afterwards" rmmod sactl
diag_if_failed $W/syslog
done_testing
