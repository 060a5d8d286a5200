#!/bin/bash
# The installation's tests (issue 7), TAP in build/install.tap under a
# "# sactl-runner: BEGIN install" marker: make install DESTDIR= gives the
# expected tree, keeps an edited configuration, and make uninstall takes
# it away again; the installed .desktop files validate, the systemd unit
# passes systemd-analyze verify and its sandbox scores as "OK" or better,
# every installed man page renders without warnings; dpkg-buildpackage
# builds sactld, sactl-prompt and sactl-dkms and lintian finds no error in
# them; DKMS builds the module against the patched test kernel (and skips
# the unpatched one); make kernel-deb's configuration step gives
# CONFIG_SACTL=y; the VM's initramfs holds the installed sactld and the
# module DKMS built from the installed source.
#
# Scratch space is build/install-check (kept: the kernel source unpacked
# for kernel-deb's check is reused, 1.4 GB).  Needs the user space built
# (make userspace, or INSTALL_SRC=<dir> with sactld, sactlctl,
# sactl-prompt) and, for DKMS, the test kernel (make kernel).
# Overrides: BUILD, TAP, INSTALL_SRC, KDIR, INSTALL_MAKE (the make command
# whose install target is tested, default "make" in the top directory).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
tap=${TAP:-$build/install.tap}
work=$build/install-check
src=${INSTALL_SRC:-$build/userspace}
kdir=${KDIR:-$build/linux}
mk=${INSTALL_MAKE:-make}
version=$(sed -n 's/^#define SACTLD_VERSION[[:space:]]*"sactld \(.*\)"/\1/p' "$top/sactld/daemon.h")
n=0
failed=0

mkdir -p "$work" "$(dirname "$tap")"
exec 3> "$tap.tmp"
echo "# sactl-runner: BEGIN install" >&3
result() { # ok|not-ok|skip description [output]
	n=$((n + 1))
	case $1 in
	ok) echo "ok $n - $2" >&3 ;;
	skip) echo "ok $n - $2 # SKIP ${3:-}" >&3 ;;
	*)
		echo "not ok $n - $2" >&3
		failed=1
		[ -z "${3:-}" ] || tail -n 40 <<< "$3" | sed 's/^/#   /' >&3
		;;
	esac
}
# check description command...: ok if the command succeeds, its output
# goes with a failure.
check() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then result ok "$what"; else result not-ok "$what" "$out"; fi
}
note() { while IFS= read -r line; do echo "# $line"; done <<< "$1" >&3; }
# The installing make, quiet; $mk may be several words.
imake() { (cd "$top" && $mk -s --no-print-directory INSTALL_SRC="$src" "$@"); }

# --- make install / uninstall ---------------------------------------------
dest=$work/destdir
rm -rf "$dest"
expected() { # the files of an install with PREFIX=/usr, sorted, with modes
	{
		printf '%s\n' "755 usr/sbin/sactld" "755 usr/bin/sactlctl" "755 usr/bin/sactl-prompt" \
			"644 etc/sactl/sactl.conf" "644 etc/xdg/autostart/sactl-prompt.desktop" \
			"644 usr/share/applications/sactl-prompt.desktop" \
			"644 usr/share/doc/sactl/examples/sactl.conf" \
			"644 usr/lib/systemd/system/sactld.service" "644 usr/lib/modules-load.d/sactl.conf" \
			"644 usr/lib/udev/rules.d/60-sactl.rules"
		for page in "$top"/doc/*.[1-8]; do
			echo "644 usr/share/man/man${page##*.}/${page##*/}"
		done
	} | sort -k2
}
tree() { (cd "$1" && find . -type f -o -type l | sed 's|^\./||' | sort | while read -r f; do
	echo "$(stat -c %a "$f") $f"; done); }

if out=$(imake install DESTDIR="$dest" PREFIX=/usr 2>&1); then
	if d=$(diff <(expected) <(tree "$dest")); then
		result ok "make install DESTDIR= PREFIX=/usr: the expected files and modes"
	else
		result not-ok "make install DESTDIR= PREFIX=/usr: the expected files and modes (< expected, > installed)" "$d"
	fi
else
	result not-ok "make install DESTDIR= PREFIX=/usr" "$out"
fi
check "the installed configuration is etc/sactl.conf" cmp "$top/etc/sactl.conf" "$dest/etc/sactl/sactl.conf"
check "the installed sactld runs (--version)" "$dest/usr/sbin/sactld" --version
check "the unit starts the installed sactld" grep -qx 'ExecStart=/usr/sbin/sactld -p /run/sactl/sactld.pid' \
	"$dest/usr/lib/systemd/system/sactld.service"

# An edited configuration survives a reinstall, and an uninstall.
echo "# edited" >> "$dest/etc/sactl/sactl.conf"
out=$(imake install-files DESTDIR="$dest" PREFIX=/usr 2>&1)
if tail -n 1 "$dest/etc/sactl/sactl.conf" | grep -qx '# edited' && grep -q 'keeping the existing' <<< "$out"; then
	result ok "make install keeps an existing /etc/sactl/sactl.conf"
else
	result not-ok "make install keeps an existing /etc/sactl/sactl.conf" "$out"
fi
out=$(imake uninstall DESTDIR="$dest" PREFIX=/usr 2>&1)
left=$(tree "$dest")
if [ "$left" = "644 etc/sactl/sactl.conf" ]; then
	result ok "make uninstall removes everything but the edited configuration"
else
	result not-ok "make uninstall removes everything but the edited configuration" "$out"$'\n'"left: $left"
fi
rm -rf "$dest"
imake install-files DESTDIR="$dest" PREFIX=/usr > /dev/null 2>&1
out=$(imake uninstall DESTDIR="$dest" PREFIX=/usr 2>&1)
left=$(find "$dest" -type f -o -type l)
if [ -z "$left" ] && [ ! -d "$dest/etc/sactl" ]; then
	result ok "make uninstall removes an unchanged configuration and its directory"
else
	result not-ok "make uninstall removes an unchanged configuration and its directory" "$out"$'\n'"left: $left"
fi

# The default prefix, /usr/local, reaches the unit's ExecStart.
local_dest=$work/destdir-local
rm -rf "$local_dest"
if out=$(imake install-files DESTDIR="$local_dest" 2>&1) &&
	grep -q '^ExecStart=/usr/local/sbin/sactld ' "$local_dest/usr/local/lib/systemd/system/sactld.service" &&
	[ -x "$local_dest/usr/local/sbin/sactld" ] && [ -f "$local_dest/etc/sactl/sactl.conf" ]; then
	result ok "make install with the default PREFIX=/usr/local"
else
	result not-ok "make install with the default PREFIX=/usr/local" "$out"
fi
rm -rf "$local_dest"

# --- what the installed files must pass -----------------------------------
imake install-files DESTDIR="$dest" PREFIX=/usr > /dev/null 2>&1
for f in "$dest"/usr/share/applications/*.desktop "$dest"/etc/xdg/autostart/*.desktop; do
	if out=$(desktop-file-validate "$f" 2>&1) && ! grep -q error <<< "$out"; then
		result ok "desktop-file-validate ${f#"$dest"}"
	else
		result not-ok "desktop-file-validate ${f#"$dest"}" "$out"
	fi
done
for page in "$dest"/usr/share/man/man*/*; do
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 > /dev/null)
	if [ -z "$out" ]; then result ok "man --warnings ${page#"$dest"}"; else result not-ok "man --warnings ${page#"$dest"}" "$out"; fi
done

# systemd-analyze verify wants the programs at the unit's paths: point the
# unit at the DESTDIR tree, and man at its pages (Documentation=).
unit=$work/unit/sactld.service
mkdir -p "$work/unit"
sed "s|/usr/sbin/sactld|$dest/usr/sbin/sactld|g" "$dest/usr/lib/systemd/system/sactld.service" > "$unit"
if command -v systemd-analyze > /dev/null; then
	out=$(MANPATH=$dest/usr/share/man systemd-analyze verify "$unit" 2>&1)
	if [ -z "$out" ]; then result ok "systemd-analyze verify sactld.service"; else result not-ok "systemd-analyze verify sactld.service" "$out"; fi
	out=$(systemd-analyze security --offline=yes "$unit" 2>&1)
	level=$(sed -n 's/.*Overall exposure level for sactld.service: \([0-9.]*\) .*/\1/p' <<< "$out")
	# systemd calls up to 3.9 "OK", 2.0 and below "SAFE".
	if [ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l <= 3.0) }'; then
		result ok "sactld.service's sandbox: systemd-analyze security exposure $level (at most 3.0)"
	else
		result not-ok "sactld.service's sandbox: systemd-analyze security exposure ${level:-?} (at most 3.0)" "$out"
	fi
else
	result not-ok "systemd-analyze verify sactld.service" "no systemd-analyze (apt-get install systemd)"
fi

# --- Debian packages ------------------------------------------------------
cl_version=$(cd "$top" && dpkg-parsechangelog -S Version 2>&1)
if [ "$cl_version" = "$version" ]; then
	result ok "debian/changelog's version is sactld's ($version)"
else
	result not-ok "debian/changelog's version ($cl_version) is sactld's ($version)"
fi
# A copy of the sources (no build/, no git, no kernel objects): the
# package build writes into debian/ and its parent directory.
deb=$work/deb
rm -rf "$deb"
mkdir -p "$deb/src"
rsync -a --exclude=/build --exclude=/.git --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
	--exclude='*.mod.c' --exclude='.*.cmd' --exclude=Module.symvers --exclude=modules.order \
	"$top/" "$deb/src/"
start=$SECONDS
if out=$(cd "$deb/src" && dpkg-buildpackage -us -uc -b 2>&1); then
	result ok "dpkg-buildpackage -us -uc -b ($((SECONDS - start)) s)"
else
	result not-ok "dpkg-buildpackage -us -uc -b" "$out"
fi
arch=$(dpkg --print-architecture)
for p in "sactld_${version}_$arch" "sactl-prompt_${version}_$arch" "sactl-dkms_${version}_all"; do
	if [ -f "$deb/$p.deb" ]; then result ok "package $p.deb built"; else result not-ok "package $p.deb built"; fi
done
contents() { dpkg-deb -c "$deb/$1.deb" 2> /dev/null | awk '{ print $6 }' | sed 's|^\./||'; }
missing=
for f in usr/sbin/sactld usr/bin/sactlctl etc/sactl/sactl.conf lib/systemd/system/sactld.service \
	lib/udev/rules.d/60-sactl.rules usr/lib/modules-load.d/sactl.conf usr/share/man/man8/sactld.8.gz; do
	contents "sactld_${version}_$arch" | grep -qx "$f" || missing+=" sactld:$f"
done
for f in usr/bin/sactl-prompt etc/xdg/autostart/sactl-prompt.desktop usr/share/man/man1/sactl-prompt.1.gz; do
	contents "sactl-prompt_${version}_$arch" | grep -qx "$f" || missing+=" sactl-prompt:$f"
done
for f in "usr/src/sactl-$version/dkms.conf" "usr/src/sactl-$version/kernel/sactl/Kbuild" \
	"usr/src/sactl-$version/include/uapi/linux/sactl.h"; do
	contents "sactl-dkms_${version}_all" | grep -qx "$f" || missing+=" sactl-dkms:$f"
done
if [ -z "$missing" ]; then result ok "the packages hold their files"; else result not-ok "the packages hold their files: missing$missing"; fi
if command -v lintian > /dev/null && [ -f "$deb/sactl_${version}_$arch.changes" ]; then
	# As root lintian warns that it would rather not be: not a finding.
	out=$(lintian -I "$deb/sactl_${version}_$arch.changes" 2>&1 | grep -v '^running with root privileges')
	if grep -q '^E: ' <<< "$out"; then
		result not-ok "lintian: no errors" "$out"
	else
		result ok "lintian: no errors ($(grep -c '^W: ' <<< "$out") warnings, $(grep -c '^I: ' <<< "$out") notes)"
		[ -z "$out" ] || note "$out"
	fi
else
	result not-ok "lintian: no errors" "no lintian, or no .changes"
fi

# --- DKMS -----------------------------------------------------------------
# Private source and DKMS trees: nothing reaches /usr/src, /var/lib/dkms or
# /lib/modules.
dk=$work/dkms
rm -rf "$dk"
mkdir -p "$dk/tree"
dkms_() { dkms "$@" -m sactl -v "$version" --sourcetree "$dk/src" --dkmstree "$dk/tree"; }
if [ ! -f "$kdir/.config" ] || [ ! -f "$kdir/Module.symvers" ]; then
	result not-ok "dkms builds the module for the test kernel" "no built kernel in $kdir (make kernel)"
elif release=$(cat "$kdir/include/config/kernel.release") &&
	out=$(imake install-dkms DESTDIR="$dk/src" DKMSDIR="/sactl-$version" 2>&1 &&
		dkms_ add 2>&1 && dkms_ build -k "$release" --kernelsourcedir "$kdir" 2>&1); then
	ko=$dk/tree/sactl/$version/$release/$(uname -m)/module/sactl.ko
	magic=$(modinfo -F vermagic "$ko" 2>&1)
	if [ "${magic%% *}" = "$release" ]; then
		result ok "dkms builds the module for the test kernel ($release)"
	else
		result not-ok "dkms builds the module for the test kernel ($release)" "$out"$'\n'"vermagic: $magic"
	fi
else
	result not-ok "dkms builds the module for the test kernel" "$out"
fi
# A kernel without the patches is skipped (BUILD_EXCLUSIVE_CONFIG), not a
# failed build.  DKMS decides from the kernel tree's .config before it
# builds anything, so a stand-in tree with a .config and a release is one.
plain=$dk/plain-kernel
mkdir -p "$plain/include/config"
printf 'CONFIG_MODULES=y\nCONFIG_INET=y\n' > "$plain/.config"
echo 6.1.0-plain > "$plain/include/config/kernel.release"
out=$(dkms_ build -k 6.1.0-plain --kernelsourcedir "$plain" 2>&1)
rc=$?
if [ "$rc" = 77 ] && grep -q 'BUILD_EXCLUSIVE' <<< "$out" &&
	[ ! -e "$dk/tree/sactl/$version/6.1.0-plain/$(uname -m)/module/sactl.ko" ]; then
	result ok "dkms skips a kernel without CONFIG_SACTL"
else
	result not-ok "dkms skips a kernel without CONFIG_SACTL (exit $rc)" "$out"
fi
dkms_ remove --all > /dev/null 2>&1
rm -rf "$dk"

# --- make kernel-deb, up to its configuration -------------------------------
start=$SECONDS
if out=$(KDEB_DIR=$work/kernel-deb "$top/scripts/kernel-deb.sh" --config-only 2>&1); then
	cfg=$work/kernel-deb/linux/.config
	bad=
	for want in CONFIG_SACTL=y 'CONFIG_LOCALVERSION="-sactl"' 'CONFIG_SYSTEM_TRUSTED_KEYS=""' CONFIG_DEBUG_INFO_NONE=y CONFIG_MODULES=y; do
		grep -qx "$want" "$cfg" || bad+=" $want"
	done
	if [ -z "$bad" ]; then
		result ok "make kernel-deb: the patched tree configures with CONFIG_SACTL=y ($((SECONDS - start)) s)"
		note "$(grep '^==>' <<< "$out")"
	else
		result not-ok "make kernel-deb: the configuration lacks$bad" "$out"
	fi
else
	result not-ok "make kernel-deb --config-only" "$out"
fi

# --- the VM runs what is installed ----------------------------------------
if [ -f "$build/install/usr/sbin/sactld" ] && [ -f "$build/initramfs.d/bin/sactld" ]; then
	if cmp -s "$build/install/usr/sbin/sactld" "$build/initramfs.d/bin/sactld" &&
		cmp -s "$build/install/usr/bin/sactlctl" "$build/initramfs.d/bin/sactlctl" &&
		cmp -s "$build/install/etc/sactl/sactl.conf" "$build/initramfs.d/etc/sactl/sactl.conf"; then
		result ok "the VM's sactld, sactlctl and sactl.conf are build/install's"
	else
		result not-ok "the VM's sactld, sactlctl and sactl.conf are build/install's"
	fi
	# The module DKMS built from the installed source (make vm-module).
	vm_ko=$(find "$build/install/lib/modules" -path "*/updates/dkms/sactl.ko" 2> /dev/null | head -n 1)
	if [ -n "$vm_ko" ] && cmp -s "$vm_ko" "$build/initramfs.d/lib/modules/sactl.ko"; then
		result ok "the VM's module is the one DKMS built from build/install's /usr/src"
	else
		result not-ok "the VM's module is the one DKMS built from build/install's /usr/src" \
			"${vm_ko:-no DKMS-built module in build/install (make vm-module)}"
	fi
else
	result not-ok "the VM's sactld, sactlctl and sactl.conf are build/install's" \
		"no build/install or build/initramfs.d: make vm-install initramfs"
fi

echo "1..$n" >&3
exec 3>&-
mv "$tap.tmp" "$tap"
grep '^not ok ' "$tap"
echo "check-install: $(grep -c '^ok ' "$tap") passed, $(grep -c '^not ok ' "$tap") failed: $tap"
exit "$failed"
