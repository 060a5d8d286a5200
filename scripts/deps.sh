#!/bin/bash
# Install, with apt-get, whichever of the host packages the build and the
# test VM need are missing.  Silent and offline when all are present.
set -euo pipefail

packages="linux-source-6.1 qemu-system-x86 busybox-static ccache build-essential
	bc flex bison libelf-dev libssl-dev cpio kmod xz-utils liburing-dev
	gcc-multilib sparse python3 rsync"

missing=
for p in $packages; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2> /dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=" $p"
done
[ -n "$missing" ] || exit 0

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
echo "deps: installing$missing"
$sudo apt-get update -qq
# shellcheck disable=SC2086 # $missing is a list
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
