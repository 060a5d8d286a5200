#!/bin/bash
# Run the host-side tests (tests/host, built by `make -C tests/host`) and
# write their TAP to build/host.tap, each program between
# "# sactl-runner: BEGIN/END" markers as in the VM's tap.log.  Any
# AddressSanitizer, LeakSanitizer or UBSan report is fatal: it kills the
# test (a "not ok" line) or the program (an extra "not ok" line here).
# What a program cannot report itself (a crash, a timeout, missing
# results) is added as a "not ok" line, as vm/run-tests.sh does.
# The exit status is 1 if anything failed.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$top/build/host-tests}
tap=${TAP:-$top/build/host.tap}
limit=${HOST_TEST_TIMEOUT:-300}
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}

# As root, as in the VM: sactld insists on root-owned files, and the uevent
# test writes to /sys.  Like deps.sh, use sudo when not root.
if [ "$(id -u)" != 0 ]; then
	command -v sudo > /dev/null || { echo "run-host-tests: run as root" >&2; exit 1; }
	exec sudo -E "$0" "$@"
fi
progs=$(find "$out" -maxdepth 1 -type f -name 'test_*' -perm -u+x 2>/dev/null | sort)
[ -n "$progs" ] || { echo "run-host-tests: no test programs in $out (make -C tests/host)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$tap")"
: > "$tap.tmp"
failed=0
for p in $progs; do
	name=${p##*/}
	echo "# sactl-runner: BEGIN $name" >> "$tap.tmp"
	start=$SECONDS
	rc=0
	timeout -k 10 "$limit" "$p" > "$work/out" 2> "$work/err" < /dev/null || rc=$?
	cat "$work/out" >> "$tap.tmp"
	[ -z "$(tail -c 1 "$work/out")" ] || echo >> "$tap.tmp"
	sed 's/^/# stderr: /' "$work/err" >> "$tap.tmp"
	oks=$(grep -c '^ok ' "$work/out")
	bad=$(grep -c '^not ok ' "$work/out")
	plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$work/out" | head -n 1)
	problem=
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		problem="timed out after ${limit}s"
	elif [ -n "$plan" ] && [ $((oks + bad)) -lt "$plan" ]; then
		problem="only $((oks + bad)) of $plan results, exit status $rc"
	elif [ "$rc" != 0 ] && [ "$rc" != 4 ] && [ "$bad" = 0 ]; then
		problem="exit status $rc without a failed result"
	elif [ $((oks + bad)) = 0 ]; then
		problem="no results, exit status $rc"
	fi
	[ -z "$problem" ] || echo "not ok - $name # $problem" >> "$tap.tmp"
	echo "# sactl-runner: END $name exit=$rc time=$((SECONDS - start))s" >> "$tap.tmp"
	status=ok
	if [ "$bad" != 0 ] || [ -n "$problem" ]; then
		status=FAILED
		failed=1
	fi
	echo "host-tests: $name: $status, $oks passed, $bad failed${problem:+ ($problem)}"
done
mv "$tap.tmp" "$tap"
exit "$failed"
