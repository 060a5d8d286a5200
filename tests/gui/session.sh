#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a command in a private desktop session: an X server (Xvfb, 1280x1024,
# no TCP), a D-Bus session bus and, activated on it, the AT-SPI bus that
# GTK's accessibility bridge and libatspi meet on.
#
#   tests/gui/session.sh COMMAND [ARG...]
#
# Its exit status is COMMAND's (125 if the session could not start).
# COMMAND's stdout and stderr are this script's.
#
# As root (sactl-prompt refuses root), the session and COMMAND run as
# $GUI_USER (default nobody) with a scratch HOME and XDG_RUNTIME_DIR, in
# their own PID, mount and network namespaces: the X server's sockets
# (in a private /tmp/.X11-unix and the namespace's abstract sockets)
# cannot meet another X server's, and when COMMAND ends the kernel ends
# every process of the session with it (X, D-Bus, AT-SPI, whatever the
# tests started), however COMMAND ended.  Paths COMMAND needs must be
# readable by $GUI_USER; it writes screenshots into the scratch directory,
# and they are copied to $SACTL_SCREENSHOTS when it ends.
#
# As another user, the same session without the namespaces: its processes
# are ended by process group when COMMAND ends.
set -uo pipefail

x_timeout=10
keep_env="SACTLD SACTL_PROMPT ASAN_OPTIONS UBSAN_OPTIONS LANG GUI_TEST_TIMEOUT
	GUI_TEST_ONLY E2E_WAIT"

# ---- inside the session, as the user who runs it -----------------------------
# COMMAND, with the stdout and stderr the session had (the bus and what it
# starts write to a log instead).
if [ "${1:-}" = --exec ]; then
	shift
	exec 1>&3 2>&4 3>&- 4>&-
	exec "$@"
fi
if [ "${1:-}" = --inner ]; then
	shift
	work=$GUI_WORK
	mkdir -m 0700 "$work/run" "$work/home"
	export HOME=$work/home XDG_RUNTIME_DIR=$work/run
	# GTK's accessibility bridge is on unless told otherwise: make sure.
	unset NO_AT_BRIDGE GTK_A11Y
	export GDK_BACKEND=x11 GSETTINGS_BACKEND=memory
	lock=
	[ "${GUI_PRIVATE:-0}" = 1 ] && lock=-nolock
	rm -f "$work/display"
	# -displayfd: the server picks a free display and says which.
	Xvfb -displayfd 3 $lock -nolisten tcp -screen 0 1280x1024x24 \
		3> "$work/display" > "$work/xvfb.log" 2>&1 &
	xvfb=$!
	for _ in $(seq $((x_timeout * 10))); do
		[ -s "$work/display" ] && break
		kill -0 "$xvfb" 2> /dev/null || break
		sleep 0.1
	done
	if [ ! -s "$work/display" ]; then
		echo "gui-session: Xvfb did not start:" >&2
		sed 's/^/gui-session:   /' "$work/xvfb.log" >&2
		kill "$xvfb" 2> /dev/null
		exit 125
	fi
	DISPLAY=:$(head -n 1 "$work/display")
	export DISPLAY
	# The session bus's socket in our directory, not in /tmp: it goes
	# with the directory, even when the bus is killed.
	cat > "$work/bus.conf" <<-EOF
		<busconfig>
		  <type>session</type>
		  <listen>unix:dir=$work/run</listen>
		  <auth>EXTERNAL</auth>
		  <standard_session_servicedirs/>
		  <policy context="default">
		    <allow send_destination="*" eavesdrop="true"/>
		    <allow eavesdrop="true"/>
		    <allow own="*"/>
		  </policy>
		</busconfig>
	EOF
	rc=0
	dbus-run-session --config-file="$work/bus.conf" -- "$0" --exec "$@" \
		3>&1 4>&2 > "$work/dbus.log" 2>&1 || rc=$?
	kill "$xvfb" 2> /dev/null
	wait "$xvfb" 2> /dev/null
	exit "$rc"
fi

# ---- outside: set it up ------------------------------------------------------
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }
for tool in Xvfb dbus-run-session xdotool import; do
	command -v "$tool" > /dev/null ||
		{ echo "gui-session: $tool is missing (scripts/deps.sh)" >&2; exit 125; }
done
self=$(readlink -f "$0")
shots=${SACTL_SCREENSHOTS:-}
work=$(mktemp -d /tmp/sactl-gui-session.XXXXXX) || exit 125
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ -n "$shots" ] && [ -d "$work/shots" ]; then
		mkdir -p "$shots" && cp -f "$work/shots"/*.png "$shots"/ 2> /dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/shots"

envs=(GUI_WORK="$work" SACTL_SCREENSHOTS="$work/shots" PATH=/usr/local/bin:/usr/bin:/bin)
for v in $keep_env; do
	[ -n "${!v:-}" ] && envs+=("$v=${!v}")
done

if [ "$(id -u)" = 0 ]; then
	user=${GUI_USER:-nobody}
	if ! uid=$(id -u "$user") || ! gid=$(id -g "$user"); then
		echo "gui-session: no user $user" >&2
		exit 125
	fi
	chown "$uid:$gid" "$work" "$work/shots"
	# Only the mount point; the namespace mounts its own tmpfs over it.
	[ -d /tmp/.X11-unix ] || install -d -m 1777 /tmp/.X11-unix
	envs+=(GUI_PRIVATE=1 USER="$user" LOGNAME="$user")
	# shellcheck disable=SC2016 # the inner shell expands them
	unshare --pid --fork --kill-child --mount --mount-proc --net \
		--propagation private -- /bin/sh -c '
		mount -t tmpfs -o mode=1777,size=4m sactl-gui-x11 /tmp/.X11-unix || exit 125
		uid=$1 gid=$2
		shift 2
		exec setpriv --reuid="$uid" --regid="$gid" --clear-groups \
			--inh-caps=-all --bounding-set=-all -- "$@"' sh "$uid" "$gid" \
		env -i "${envs[@]}" "$self" --inner "$@"
	exit $?
fi

# Not root: no namespaces.  The session's own process group, ended as a
# whole afterwards (what D-Bus started included, as long as it stayed).
envs+=(USER="$(id -un)" LOGNAME="$(id -un)")
setsid env -i "${envs[@]}" "$self" --inner "$@" &
leader=$!
trap 'kill -TERM -- -"$leader" 2> /dev/null; exit 130' INT TERM
wait "$leader"
rc=$?
kill -TERM -- -"$leader" 2> /dev/null
exit "$rc"
