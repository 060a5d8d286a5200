#!/bin/bash
# The host half of the VM end-to-end test of the desktop prompt (the
# guest half: tests/vm/prompt-bridge.sh).  scripts/vm.sh starts it in the
# background with the host end of the VM's prompt port, a Unix socket
# QEMU listens on, and ends it after QEMU exits:
#
#   scripts/gui-e2e-host.sh SOCKET
#
# In a private desktop session (tests/gui/session.sh: Xvfb, D-Bus,
# AT-SPI; an unprivileged user when started as root, since sactl-prompt
# refuses root), tests/gui/e2e_clicker runs sactl-prompt --socket SOCKET
# and clicks Allow on the request mentioning port 8090, Deny on the one
# mentioning port 8091.  TAP to build/gui-e2e.tap (GUI_E2E_TAP), kept
# current while it runs; whatever step it has not reached when it ends
# or is ended (the guest never asked) is a "not ok" line.  Screenshots in
# build/screenshots.  Knobs: E2E_WAIT, seconds for the first request
# (default 1200); E2E_LIMIT, seconds for everything (default 1800).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
sock=${1:?usage: $0 SOCKET}
tap=${GUI_E2E_TAP:-$top/build/gui-e2e.tap}
clicker=${E2E_CLICKER:-$top/build/gui-tests/e2e_clicker}
limit=${E2E_LIMIT:-1800}
steps=4
export SACTL_PROMPT=${SACTL_PROMPT:-$top/build/userspace-san/sactl-prompt}
export SACTL_SCREENSHOTS=${SACTL_SCREENSHOTS:-$top/build/screenshots}
export E2E_WAIT=${E2E_WAIT:-1200}
# libatspi's global state is no leak of the clicker's.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}

mkdir -p "$(dirname "$tap")"
out=$(mktemp)
session='' chmodder=''
# However it ends: the TAP with a line for every step, the session gone.
finish() {
	local n
	trap - EXIT TERM INT HUP
	[ -z "$session" ] || kill -TERM "$session" 2> /dev/null
	[ -z "$chmodder" ] || kill "$chmodder" 2> /dev/null
	n=$(grep -cE '^(not )?ok ' "$out")
	{
		echo "# sactl-runner: BEGIN gui-e2e-host"
		echo "1..$steps"
		grep -v '^1\.\.' "$out"
		for i in $(seq $((n + 1)) "$steps"); do
			echo "not ok $i - step $i of the prompt's end-to-end test # not reached: $1"
		done
		echo "# sactl-runner: END gui-e2e-host"
	} > "$tap.tmp" && mv "$tap.tmp" "$tap"
	rm -f "$out"
	[ -z "$session" ] || wait "$session" 2> /dev/null
	exit 0
}
trap 'finish "ended (SIGTERM): the VM stopped before the guest asked"' TERM
trap 'finish "interrupted"' INT HUP
trap 'finish "the host side ended early"' EXIT

for f in "$clicker" "$SACTL_PROMPT"; do
	[ -x "$f" ] || { echo "gui-e2e-host: no $f (make -C tests/gui)" >&2; finish "no $f"; }
done
# The socket is QEMU's, and root's: the prompt, not root, must connect.
(
	for _ in $(seq 600); do
		if [ -S "$sock" ]; then
			chmod 0666 "$sock"
			exit 0
		fi
		sleep 0.1
	done
	echo "gui-e2e-host: $sock did not appear within 60 s" >&2
) &
chmodder=$!
# In the background, so that a signal is handled at once.
timeout -k 5 "$limit" "$top/tests/gui/session.sh" "$clicker" "$sock" > "$out" &
session=$!
wait "$session"
rc=$?
session=
echo "gui-e2e-host: the clicker's session ended with status $rc" >&2
finish "the clicker ended (status $rc) before this step"
