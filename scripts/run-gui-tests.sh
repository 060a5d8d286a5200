#!/bin/bash
# Run the GUI tests of sactl-prompt (tests/gui, built by `make -C tests/gui`)
# and write their TAP to build/gui.tap, each program between
# "# sactl-runner: BEGIN/END" markers, for scripts/check-results.sh.
#
# The test programs run in a private desktop session (tests/gui/session.sh:
# Xvfb, a session bus, AT-SPI), as an unprivileged user when started as
# root, since sactl-prompt refuses root; that refusal is checked here
# first, as root.  Screenshots land in build/screenshots.  A program that
# crashes, hangs past GUI_TEST_TIMEOUT seconds or reports fewer results
# than it planned gets a "not ok" line here.  The exit status is 1 if
# anything failed.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$top/build/gui-tests}
tap=${TAP:-$top/build/gui.tap}
limit=${GUI_TEST_TIMEOUT:-150}
prompt=${SACTL_PROMPT:-$top/build/userspace-san/sactl-prompt}
export SACTL_PROMPT=$prompt
export SACTL_SCREENSHOTS=${SACTL_SCREENSHOTS:-$top/build/screenshots}
export GUI_TEST_TIMEOUT=$limit
asan=halt_on_error=1:abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-$asan}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}

# One program's TAP, on stdout, with what went wrong around it.
run_program() {
	local p=$1 name=${1##*/} scratch=$2 rc=0 start=$SECONDS oks bad plan problem=

	echo "# sactl-runner: BEGIN $name"
	timeout -k 10 "$limit" "$p" > "$scratch/out" 2> "$scratch/err" < /dev/null || rc=$?
	cat "$scratch/out"
	[ -z "$(tail -c 1 "$scratch/out")" ] || echo
	sed 's/^/# stderr: /' "$scratch/err"
	# Results and the plan (0: none), in one pass.
	read -r oks bad plan < <(awk '/^ok /{ o++ } /^not ok /{ n++ }
		/^1\.\.[0-9]+/ && !p { p = substr($1, 4) + 0 }
		END { print o + 0, n + 0, p + 0 }' "$scratch/out")
	case $rc in
	124 | 137) problem="timed out after ${limit}s" ;;
	*)
		if [ $((oks + bad)) -lt "$plan" ]; then
			problem="only $((oks + bad)) of $plan results, exit status $rc"
		elif [ $((oks + bad)) = 0 ]; then
			problem="no results, exit status $rc"
		elif [ "$rc" != 0 ] && [ "$bad" = 0 ]; then
			problem="exit status $rc without a failed result"
		fi ;;
	esac
	[ -z "$problem" ] || echo "not ok - $name # $problem"
	echo "# sactl-runner: END $name exit=$rc time=$((SECONDS - start))s"
	echo "gui-tests: $name: $oks passed, $bad failed${problem:+ ($problem)}" >&2
}

# Inside the session (tests/gui/session.sh): every program in turn.
if [ "${1:-}" = --in-session ]; then
	scratch=$(mktemp -d "$XDG_RUNTIME_DIR/tap.XXXXXX")
	for p in $(find "$out" -maxdepth 1 -type f -name 'test_*' -perm -u+x | sort); do
		run_program "$p" "$scratch"
	done
	exit 0
fi

progs=$(find "$out" -maxdepth 1 -type f -name 'test_*' -perm -u+x 2> /dev/null)
if [ -z "$progs" ] || [ ! -x "$prompt" ]; then
	echo "run-gui-tests: no test programs in $out or no $prompt (make -C tests/gui)" >&2
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$tap")" "$SACTL_SCREENSHOTS"
# Ours only: the VM's end-to-end test leaves its own there.
rm -f "$SACTL_SCREENSHOTS"/prompt-*.png "$SACTL_SCREENSHOTS"/failed-*.png

# As root, sactl-prompt must refuse to start, and say why.
{
	echo "# sactl-runner: BEGIN sactl-prompt-as-root"
	echo "1..1"
	if [ "$(id -u)" != 0 ]; then
		echo "ok 1 sactl-prompt refuses root # SKIP not run as root"
	else
		rc=0
		timeout -k 5 20 env -u DISPLAY -u DBUS_SESSION_BUS_ADDRESS "$prompt" \
			--socket "$work/none.sock" > "$work/root.out" 2> "$work/root.err" \
			< /dev/null || rc=$?
		said=$(head -n 1 "$work/root.err" | head -c 200)
		if [ "$rc" = 1 ] && grep -qi 'root' <<< "$said"; then
			echo "ok 1 sactl-prompt refuses root: exit status 1, \"$said\""
		else
			echo "not ok 1 sactl-prompt refuses root: expected exit status 1 and a" \
				"message about root on stderr, got exit status $rc"
			sed 's/^/# stderr: /' "$work/root.err"
		fi
	fi
	echo "# sactl-runner: END sactl-prompt-as-root"
} > "$tap.tmp"

# The programs, in their own desktop session; bounded as a whole too.
nprogs=$(wc -w <<< "$progs")
# In the background, so that a signal here ends the session at once (it
# is in timeout's process group, not ours).
timeout -k 10 $((limit * nprogs + 60)) "$top/tests/gui/session.sh" "$0" --in-session \
	>> "$tap.tmp" 2> "$work/session.err" &
session=$!
trap 'kill -TERM "$session" 2> /dev/null; wait "$session"; rm -f "$tap.tmp"; exit 130' INT TERM
wait "$session"
rc=$?
trap - INT TERM
grep '^gui-tests: ' "$work/session.err"
if [ "$rc" != 0 ]; then
	echo "# sactl-runner: BEGIN gui-session"
	echo "not ok - gui-session # the desktop session failed, exit status $rc"
	grep -v '^gui-tests: ' "$work/session.err" | tail -n 30 | sed 's/^/# stderr: /'
	echo "# sactl-runner: END gui-session"
fi >> "$tap.tmp"
mv "$tap.tmp" "$tap"
! grep -q '^not ok ' "$tap"
