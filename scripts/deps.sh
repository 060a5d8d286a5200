#!/bin/bash
# Install, with apt-get, whichever of the host packages the build and the
# test VM need are missing.  Silent and offline when all are present.
set -euo pipefail

# The fourth line is sactld's and sactlctl's: libraries, and clang with its
# runtime for the fuzzers.  The last two are the desktop prompt's (GTK 3,
# its translations and .desktop file) and its GUI tests' (an X server,
# X input, screenshots, a session bus, AT-SPI; util-linux's unshare and
# setpriv).  The guest needs nothing more: mkinitramfs.sh copies the
# shared libraries the programs load.  The last line is the installation's
# (scripts/check-install.sh, make kernel-deb): the Debian packaging tools,
# dkms, systemd-analyze, man, and Debian's kernel configuration.
packages="linux-source-6.1 qemu-system-x86 busybox-static ccache build-essential
	bc flex bison libelf-dev libssl-dev cpio kmod xz-utils liburing-dev
	gcc-multilib sparse python3 rsync
	libev-dev libconfig-dev libudev-dev clang libclang-rt-14-dev
	libgtk-3-dev gettext desktop-file-utils
	xvfb xdotool imagemagick dbus dbus-bin at-spi2-core libatspi2.0-dev util-linux
	dpkg-dev debhelper dh-dkms dkms fakeroot lintian systemd man-db patch linux-config-6.1"

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
