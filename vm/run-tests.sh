#!/bin/sh
# Guest test runner (busybox sh).  Runs every executable in /tests, sorted,
# each with the module freshly inserted and removed afterwards, then every
# executable in /tests/vm (the end-to-end tests of sactld), which load and
# unload the module themselves; the module is removed after each.  Their
# TAP goes to ttyS1 (the host's build/tap.log); the console (ttyS0) gets
# kernel messages and one progress line per program.  What a program cannot
# report itself (timeout, early death, insmod/rmmod failure) is added as an
# extra "not ok" line, so the host only has to count TAP results.
# No "set -e": one failing program must not stop the run.
set -u
export SACTL_KO=${SACTL_KO:-/lib/modules/sactl.ko}
tap_dev=${TAP_OUT:-/dev/ttyS1}
limit=${TEST_TIMEOUT:-300}
mod=$(basename "$SACTL_KO" .ko | tr - _)
kmemleak=/sys/kernel/debug/kmemleak
work=/tmp/sactl-runner
mkdir -p $work
cd /tmp || exit 1

# Raw mode, so the host's log gets "\n" and not "\r\n".
[ -c "$tap_dev" ] && stty -F "$tap_dev" raw -echo 2>/dev/null
exec 3>"$tap_dev"
tap() { echo "$*" >&3; }
say() { echo "sactl-runner: $*"; }
loaded() { grep -q "^$mod " /proc/modules; }

# rmmod fails with EAGAIN/EBUSY while the module is still in use: retry.
unload() {
	i=0
	while loaded && ! rmmod "$mod" 2>$work/rmmod.err; do
		i=$((i + 1))
		[ $i -lt 20 ] || return 1
		sleep 0.25
	done
}

# kmemleak reports an object only once it is 5 s old and unchanged since
# the previous scan, so it takes two scans.  Leaks from boot are not ours:
# scan, then forget what was found.
kmemleak_scan() {
	echo scan > $kmemleak
	echo scan > $kmemleak
}
if [ -w $kmemleak ]; then
	kmemleak_scan
	echo clear > $kmemleak
fi

progs=
for p in /tests/* /tests/vm/*; do
	if [ -f "$p" ] && [ -x "$p" ]; then progs="$progs $p"; fi
done
total=$(echo "$progs" | wc -w)
say "running $total test programs, ${limit}s each at most"
[ -f "$SACTL_KO" ] || say "no module at $SACTL_KO: running without it"

n=0
for p in $progs; do
	n=$((n + 1))
	name=${p#/tests/}
	tap "# sactl-runner: BEGIN $name"
	echo "sactl-runner: running $name" > /dev/kmsg
	problems=
	oks=0 bad=0 skips=0 rc=- start=$(date +%s)

	# /tests/vm programs start with the module out and load it themselves.
	case $p in
	/tests/vm/*) unload || problems="rmmod before the program failed: $(cat $work/rmmod.err)" ;;
	*)
		if ! loaded && [ -f "$SACTL_KO" ] && ! insmod "$SACTL_KO" 2>$work/insmod.err; then
			problems="insmod failed: $(cat $work/insmod.err)"
		fi
		;;
	esac
	if [ -z "$problems" ]; then
		# Own session, so leftover children can be killed with the group.
		setsid timeout -s KILL "$limit" "$p" >$work/out 2>$work/err </dev/null &
		pid=$!
		wait $pid
		rc=$?
		kill -KILL -$pid 2>/dev/null
		cat $work/out >&3
		# A last line without "\n" would swallow the next marker.
		[ -z "$(tail -c 1 $work/out)" ] || echo >&3
		sed 's/^/# stderr: /' $work/err >&3

		oks=$(grep -c '^ok ' $work/out)
		bad=$(grep -c '^not ok ' $work/out)
		skips=$(grep '^ok ' $work/out | grep -c '# SKIP')
		plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' $work/out | head -n 1)
		got=$((oks + bad))
		secs=$(($(date +%s) - start))
		if [ "$rc" = 137 ] && [ "$secs" -ge "$limit" ]; then
			problems="timed out after ${limit}s"
		elif [ -n "$plan" ] && [ "$got" -lt "$plan" ]; then
			problems="only $got of $plan results, exit status $rc"
		elif [ "$rc" != 0 ] && [ "$rc" != 4 ] && [ "$bad" = 0 ]; then
			problems="exit status $rc without a failed result"
		elif [ "$got" = 0 ]; then
			tap "ok - $name # SKIP no results, exit status $rc"
			oks=1 skips=1
		fi
	fi
	[ -z "$problems" ] || tap "not ok - $name # $problems"
	if ! unload; then
		tap "not ok - $name # rmmod $mod failed: $(cat $work/rmmod.err)"
		problems="$problems${problems:+; }rmmod failed"
	fi

	secs=$(($(date +%s) - start))
	tap "# sactl-runner: END $name exit=$rc time=${secs}s"
	status=ok
	[ "$bad" = 0 ] && [ -z "$problems" ] || status=FAILED
	say "[$n/$total] $name: $status, $((oks - skips)) passed, $bad failed, $skips skipped, ${secs}s${problems:+ ($problems)}"
done

# No automatic scans (DEBUG_KMEMLEAK_AUTO_SCAN=n): let the last objects
# age, scan, and print what was found for the host to see.
if [ -w $kmemleak ]; then
	sleep 6
	kmemleak_scan
	cat $kmemleak > $work/leaks
	if [ -s $work/leaks ]; then
		say "kmemleak report:"
		cat $work/leaks
	else
		say "kmemleak: no leaks"
	fi
fi

tap "SACTL-TESTS-DONE"
say "done"
