#!/bin/sh
# End-to-end, in the test VM: sactld pushes verdicts into the module's
# cache, and the module answers with them without asking sactld:
#   - the first connect allowed by a rule is decided (and logged) by
#     sactld, the same connects after it are answered from the cache
#     (stats/cache_hits grows, sactld logs nothing for them);
#   - a deny beats a broader allow in the cache too (both pushed);
#   - after editing the configuration and SIGHUP the old cached allow no
#     longer applies, and a rule for an exact path is cached at once;
#   - a remembered answer "for 15 minutes" is cached with a ttl;
#   - sactlctl status shows the cache on, what was pushed and flushed,
#     and the module's rules and hits;
#   - once sactld exits, the cache is gone with it.
# TAP on stdout.  The runner starts us with the module unloaded.
# shellcheck disable=SC1091
. "$(dirname "$0")/common.inc"

W=/tmp/vm-cache
KO=${SACTL_KO:-/lib/modules/sactl.ko}
CONF=$W/sactl.conf
CTL="sactlctl -s $W/control.sock"
DETACHED=/sys/module/sactl/parameters/detached_verdict
rm -rf $W
mkdir -p $W/www
chmod 0700 $W
echo "hello cache" > $W/www/index.html
pid='' agent='' servers=''

cleanup() {
	exec 7>&- 2>/dev/null
	echo allow > $DETACHED 2>/dev/null
	stop_pid "$pid"
	for p in $agent $servers; do kill "$p" 2>/dev/null; done
}
trap cleanup EXIT

# write_conf RULES: the settings, then the rules given.
write_conf() {
	cat > $CONF.new <<EOF
sactld = {
  default = "deny";
  prompt_timeout = 60;
  state_dir = "$W/state";
  prompt_socket = "$W/prompt.sock";
  control_socket = "$W/control.sock";
};
rules = (
  { action = "allow"; op = "socket"; proto = ( 6, 17 ); },
  { action = "allow"; exe = "/bin/busy*"; op = ( "bind", "listen" );
    local = "127.0.0.1"; local_port = "8080-8083"; },
  { action = "allow"; exe = "/bin/busy*"; op = "accept"; },
$1
);
EOF
	chmod 0600 $CONF.new
	mv $CONF.new $CONF
}

attached() {
	$CTL status 2>/dev/null | grep -q ', attached to /dev/sactl'
}
fetch() {
	timeout 20 wget -q -O - "http://127.0.0.1:$1/" > "$W/wget.$1" 2>&1
}
fetched() {
	fetch "$1" && has "$W/wget.$1" "hello cache"
}
refused() {
	timeout 10 nc -w 5 127.0.0.1 "$1" < /dev/null > "$W/nc.$1" 2>&1
	has "$W/nc.$1" "Connection refused"
}
# decisions PORT: how many connects to it sactld decided (and logged).
decisions() {
	grep -c "connect tcp .* -> 127.0.0.1:$1 " $W/sactld.log
}
hits() {
	stat_of cache_hits
}

# Allowed: connects to 127.0.0.0/8, ports 8080-8081, by a glob (so only
# pushed once a call of busybox is decided); denied: 8081 (ECONNREFUSED).
write_conf '
  { action = "allow"; exe = "/bin/busy*"; op = "connect";
    remote = "127.0.0.0/8"; port = "8080-8081"; },
  { action = "deny"; exe = "/bin/busy*"; op = "connect";
    remote = "127.0.0.1"; port = 8081; errno = "ECONNREFUSED"; }'

insmod "$KO"
check "the module has a verdict cache" test -f /sys/module/sactl/parameters/cache_max
# The servers first, while no daemon is attached: so the first call of
# busybox that sactld decides is wget's connect.
for port in 8080 8081 8082 8083; do
	httpd -f -p 127.0.0.1:$port -h $W/www &
	servers="$servers $!"
done
listening() {
	[ "$(netstat -ltn | grep -c '127.0.0.1:808[0-3] ')" = 4 ]
}
check "httpd listens on 127.0.0.1:8080-8083" wait_for 10 listening
sactld -f -d -c "$CONF" -p $W/sactld.pid > $W/sactld.log 2>&1 &
pid=$!
check "sactld attaches" wait_for 10 attached

# ---- lazily: after the first decision ----------------------------------
check "wget 127.0.0.1:8080: allowed by a rule" fetched 8080
check "... decided by sactld (logged)" [ "$(decisions 8080)" = 1 ]
check "... which pushed its executable's rules" \
	has $W/sactld.log "verdict cache: allow errno 0 ops 0x8 exe"
h0=$(hits)
check "wget 127.0.0.1:8080 again: allowed" fetched 8080
check "wget 127.0.0.1:8080 a third time: allowed" fetched 8080
check "... both answered from the cache (cache_hits grew)" [ "$(hits)" -ge $((h0 + 4)) ]
check "... without sactld (no decision logged)" [ "$(decisions 8080)" = 1 ]

h0=$(hits)
check "nc 127.0.0.1:8081: the deny beats the broader allow (ECONNREFUSED)" refused 8081
check "... from the cache too (cache_hits grew)" [ "$(hits)" -gt "$h0" ]
check "... without sactld" [ "$(decisions 8081)" = 0 ]

# status_has REGEX: a line of `sactlctl status` (kept for diag).
status_has() {
	$CTL status > $W/status.out 2>&1 && grep -qE -- "$1" $W/status.out
}
check "sactlctl status: the cache is on, records pushed" \
	status_has '^cache:      on, [1-9][0-9]* records? pushed, 0 flushes;'
check "... the module holds rules and answered from them (hits > 0)" \
	status_has '; module: [1-9][0-9]* rules?, [1-9][0-9]* hits?$'

# ---- a reload flushes ------------------------------------------------------
write_conf '
  { action = "allow"; exe = "/bin/busybox"; op = "connect";
    remote = "127.0.0.1"; port = 8082; }'
kill -HUP "$pid"
check "SIGHUP: sactld reloads" wait_for 10 has $W/sactld.log "reloaded $CONF"
fetch 8080
check "the old cached allow no longer applies: 8080 gets the default (EPERM)" \
	has $W/wget.8080 "Operation not permitted"
check "... decided by sactld" [ "$(decisions 8080)" = 2 ]
h0=$(hits)
check "wget 127.0.0.1:8082: allowed by the new rule" fetched 8082
check "... an exact path's rule is cached at once: from the cache" \
	[ "$(hits)" -gt "$h0" ]
check "... without sactld" [ "$(decisions 8082)" = 0 ]
check "sactlctl status counts the flush, the cache still on" \
	status_has '^cache:      on, [1-9][0-9]* records? pushed, 1 flush;'

# ---- a remembered answer for 15 minutes -----------------------------------
mkfifo $W/answers
sactlctl -p $W/prompt.sock prompt < $W/answers > $W/agent.out 2>&1 &
agent=$!
exec 7> $W/answers
check "a prompt agent connects" \
	wait_for 10 sh -c "$CTL status | grep -q ' 1 prompt agent'"
fetch 8083 &
wget_pid=$!
check "wget 127.0.0.1:8083 (no rule) is asked" wait_for 15 has $W/agent.out "8083"
echo "a 15m program" >&7
wait $wget_pid
check "the answer (allow, 15 minutes, the program) lets it through" \
	has $W/wget.8083 "hello cache"
check "... remembered with its expiry" has $W/state/0.conf "expires"
check "wget 127.0.0.1:8083 again: allowed" fetched 8083
check "... decided by the remembered answer" \
	has $W/sactld.log "127.0.0.1:8083 (remembered 0.conf:"
check "... which is pushed with a ttl (15 minutes or just under)" \
	grep -q "verdict cache: allow errno 0 ops 0x.* uid 0 .* ttl 89[0-9]$" \
	$W/sactld.log
h0=$(hits)
check "wget 127.0.0.1:8083 a third time: allowed" fetched 8083
check "... from the cache" [ "$(hits)" -gt "$h0" ]
check "... without sactld or a prompt" [ "$(decisions 8083)" = 2 ]

# ---- no daemon, no cache ---------------------------------------------------
stop_pid "$pid"
check "SIGTERM: sactld exits" sh -c "! kill -0 $pid 2>/dev/null"
pid=''
h0=$(hits)
check "wget 127.0.0.1:8083: the detached verdict (allow)" fetched 8083
echo deny > $DETACHED
check "with detached_verdict deny, the cached allow is gone: refused" \
	sh -c "! timeout 20 wget -q -O - http://127.0.0.1:8083/ > /dev/null 2>&1"
echo allow > $DETACHED
check "... cache_hits did not grow" [ "$(hits)" = "$h0" ]

diag_if_failed $W/sactld.log $W/agent.out $W/status.out
done_testing
