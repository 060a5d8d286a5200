#!/bin/bash
# make kernel-deb: installable Debian packages of a sactl-capable Linux 6.1
# kernel (linux-image-*, linux-headers-*, linux-libc-dev), built with
# `make bindeb-pkg` from Debian's linux-source-6.1 with patches/ applied,
# configured from this machine's distribution config with CONFIG_SACTL=y.
# Then, as root:
#
#   dpkg -i build/kernel-deb/linux-image-*-sactl_*.deb build/kernel-deb/linux-headers-*-sactl_*.deb
#   reboot      (and pick the -sactl kernel if it is not the default)
#
# The headers package lets DKMS (sactl-dkms, or `make install-dkms`) build
# the module for it.  This is the real kernel; the test VM's stays tiny.
#
# Cost, with Debian's amd64 configuration (3,853 modules) and no debug
# information, measured on 2 cores (make -j2, no ccache): every object
# compiled and vmlinux linked after 1 h 05; at 1 h 10 the module stubs
# were compiled too and the work directory held 3.5 GB (1.5 GB of it the
# source).  Linking the modules and packaging were not timed: allow about
# 1 h 30 in all on 2 cores, and 8 GB of free disk for the staging trees
# and the packages.  A second run rebuilds what changed only.  KDEB_DEBUG_INFO=1
# keeps the debug information: roughly twice the time, 15 GB more, and a
# linux-image-*-dbg package.
#
# The configuration, first found: KCONFIG=<file>, /boot/config-$(uname -r),
# the newest /boot/config-*, Debian's linux-config-6.1 package (amd64).
# Changed from it: CONFIG_SACTL=y, CONFIG_LOCALVERSION (KDEB_LOCALVERSION,
# default "-sactl"), no debug information, and no trusted or revoked keys
# from Debian's own certificates (which are not in the source package):
# modules are signed with a key made for this build.  With Secure Boot on,
# the firmware refuses a kernel Debian did not sign: sign it or turn it off.
#
#   scripts/kernel-deb.sh [--config-only]
#     --config-only   stop once the tree is patched and configured
#                     (make check tests this part)
# Environment: KDEB_DIR (work directory, default build/kernel-deb),
# KSRC_TARBALL, KCONFIG, KDEB_LOCALVERSION, KDEB_DEBUG_INFO, JOBS,
# KDEB_MIN_GB (free space required to build, default 8).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
work=${KDEB_DIR:-$top/build/kernel-deb}
tree=$work/linux
tarball=${KSRC_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
debian_config=/usr/src/linux-config-6.1/config.amd64_none_amd64.xz
localversion=${KDEB_LOCALVERSION--sactl}
jobs=${JOBS:-$(nproc)}
min_gb=${KDEB_MIN_GB:-8}
config_only=0

say() { printf '==> [%s] %s\n' "$1" "$2"; }
die() { echo "kernel-deb: $*" >&2; exit 1; }

for arg; do
	case $arg in
	--config-only) config_only=1 ;;
	*) die "unknown argument \"$arg\" (only --config-only)" ;;
	esac
done
case $localversion in
-*) [ ${#localversion} -le 16 ] || die "KDEB_LOCALVERSION \"$localversion\" is long: package names carry it" ;;
*) die "KDEB_LOCALVERSION \"$localversion\" must start with \"-\"" ;;
esac

# What bindeb-pkg runs, named by package (apt-get install them, or make deps).
missing=
for need in tar:tar xz:xz-utils patch:patch make:make gcc:gcc bc:bc flex:flex bison:bison \
	rsync:rsync cpio:cpio kmod:kmod dpkg-buildpackage:dpkg-dev fakeroot:fakeroot \
	dh_prep:debhelper; do
	command -v "${need%%:*}" > /dev/null || missing+=" ${need#*:}"
done
for hdr in libelf.h:libelf-dev openssl/opensslv.h:libssl-dev; do
	[ -f "/usr/include/${hdr%%:*}" ] || missing+=" ${hdr#*:}"
done
[ -z "$missing" ] || die "missing packages:$missing"
[ -f "$tarball" ] || die "no $tarball: apt-get install linux-source-6.1 (or KSRC_TARBALL=)"

# 1. The source, patched.  Kept between runs (a second build is
# incremental) and redone when the tarball or the series change.
src=$( {
	echo "$tarball $(stat -c '%s %Y' "$tarball")"
	cat "$top/patches/series"
	while read -r p; do cat "$top/patches/$p"; done < "$top/patches/series"
} | sha256sum | cut -d' ' -f1)
mkdir -p "$work"
if [ ! -f "$tree/.sactl-patched" ] || [ "$(cat "$tree/.sactl-patched")" != "$src" ]; then
	rm -rf "$tree"
	mkdir -p "$tree"
	say 1/4 "unpacking $tarball (1.4 GB)"
	# arch/arm64/boot/dts holds links tar cannot create everywhere; x86
	# needs none of the device trees.
	tar -xf "$tarball" -C "$tree" --strip-components=1 --exclude='*/boot/dts'
	while read -r p; do
		say 1/4 "applying $p"
		patch -p1 -s -d "$tree" < "$top/patches/$p" || die "$p does not apply to $tarball"
	done < "$top/patches/series"
	echo "$src" > "$tree/.sactl-patched"
else
	say 1/4 "reusing the patched source in $tree"
fi

# 2. The configuration.
config=${KCONFIG:-}
if [ -z "$config" ]; then
	if [ -f "/boot/config-$(uname -r)" ]; then
		config=/boot/config-$(uname -r)
	else
		config=$(find /boot -maxdepth 1 -name 'config-*' 2> /dev/null | sort -V | tail -n 1)
		[ -n "$config" ] || config=$debian_config
	fi
fi
[ -f "$config" ] || die "no kernel configuration: no /boot/config-*, and no $debian_config (apt-get install linux-config-6.1, or KCONFIG=)"
say 2/4 "configuring from $config"
case $config in
*.xz) xz -dc "$config" > "$tree/.config" ;;
*) cp "$config" "$tree/.config" ;;
esac
cfg() { "$tree/scripts/config" --file "$tree/.config" "$@"; }
cfg --enable INET --enable MODULES --enable SACTL \
	--set-str LOCALVERSION "$localversion" --disable LOCALVERSION_AUTO \
	--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
	--set-str MODULE_SIG_KEY "certs/signing_key.pem"
if [ "${KDEB_DEBUG_INFO:-0}" != 1 ]; then
	# Debug information triples the disk and doubles the time.
	cfg --disable DEBUG_INFO --disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT \
		--disable DEBUG_INFO_DWARF4 --disable DEBUG_INFO_DWARF5 \
		--disable DEBUG_INFO_BTF --enable DEBUG_INFO_NONE
fi
make -C "$tree" -s olddefconfig > "$work/olddefconfig.log" 2>&1 ||
	{ cat "$work/olddefconfig.log" >&2; die "make olddefconfig failed"; }
# olddefconfig drops what the tree cannot have: these must have stuck.
for want in CONFIG_SACTL=y "CONFIG_LOCALVERSION=\"$localversion\"" 'CONFIG_SYSTEM_TRUSTED_KEYS=""'; do
	grep -qx "$want" "$tree/.config" || die "$want did not stick in $tree/.config (see $config)"
done
release=$(make -C "$tree" -s kernelrelease)
say 2/4 "kernel $release: CONFIG_SACTL=y, $(grep -c '=m$' "$tree/.config") modules configured"
if [ "$config_only" = 1 ]; then
	say 2/4 "configured: $tree/.config (--config-only: not building)"
	exit 0
fi

avail_gb=$(($(df -Pk "$work" | awk 'NR == 2 { print $4 }') / 1024 / 1024))
[ "$avail_gb" -ge "$min_gb" ] ||
	die "$work has $avail_gb GB free; the build needs about $min_gb GB (KDEB_DIR= elsewhere, or KDEB_MIN_GB=)"

# 3 and 4. Build and package, with the log in a file and a progress line:
# files compiled, modules linked, and the step bindeb-pkg is at.
log=$work/build.log
rm -f "$work"/linux-*.deb "$work"/linux-*.buildinfo "$work"/linux-*.changes
say 3/4 "building with $jobs jobs: the log is $log"
start=$SECONDS
# In a process group of its own (set -m), so that an interrupt stops the
# compilers too, not only make.
set -m
make -C "$tree" -j"$jobs" bindeb-pkg > "$log" 2>&1 &
build=$!
set +m
trap 'kill -TERM -- -"$build" 2> /dev/null; echo; die "interrupted; the log is $log"' INT TERM
progress() {
	local cc ld step t
	cc=$(grep -c '^  CC ' "$log" || true)
	ld=$(grep -c '^  LD \[M\]' "$log" || true)
	step=compiling
	grep -q '^  LD      vmlinux$' "$log" && step="linking vmlinux, then modules"
	grep -q '^  MODPOST modules-only.symvers\|^  MODPOST Module.symvers' "$log" && step="finishing modules"
	grep -q "dpkg-deb: building package" "$log" && step="4/4 packaging: $(grep -o "building package '[^']*'" "$log" | tail -n 1)"
	t=$((SECONDS - start))
	printf '%02d:%02d:%02d  %6d files compiled  %5d modules linked  %s' \
		$((t / 3600)) $((t / 60 % 60)) $((t % 60)) "$cc" "$ld" "$step"
}
last=0
while kill -0 "$build" 2> /dev/null; do
	sleep 2
	if [ -t 1 ]; then
		printf '\r\033[K%s' "$(progress)"
	elif [ $((SECONDS - last)) -ge 60 ]; then
		# Not a terminal (a CI log): a line a minute.
		progress; echo
		last=$SECONDS
	fi
done
rc=0
wait "$build" || rc=$?
trap - INT TERM
[ -t 1 ] && echo
if [ "$rc" != 0 ]; then
	tail -n 40 "$log" >&2
	die "make bindeb-pkg failed (exit $rc); the whole log is $log"
fi
t=$((SECONDS - start))
say 4/4 "done in $((t / 3600))h$((t / 60 % 60))m; packages in $work:"
for deb in "$work"/linux-*.deb; do
	printf '      %s (%s)\n' "$(basename "$deb")" "$(du -h "$deb" | cut -f1)"
done
cat << EOF
Install, as root, and reboot into $release:
  dpkg -i $work/linux-image-${release}_*.deb $work/linux-headers-${release}_*.deb
Then the module, for this kernel and each update of it: the sactl-dkms
package, or make install-dkms && dkms install sactl/VERSION.
EOF
