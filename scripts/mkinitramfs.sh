#!/bin/bash
# Build build/initramfs.cpio.gz for the test VM: busybox, the guest scripts
# (vm/init, vm/run-tests.sh), the module, the test programs, sactld and
# sactlctl with their configuration, the end-to-end tests (tests/vm), and
# every shared library they load.  sactld, sactlctl and
# /etc/sactl/sactl.conf come from an installed tree (make vm-install: make
# install DESTDIR=build/install PREFIX=/usr), so the VM runs what users
# install.  The tree is staged from scratch each time (it is small) and
# archived with fixed owners, times and order, so equal inputs give a
# byte-identical image.
#
# Overrides: MODULE_KO (host path of the module, "" for none), TESTS_DIR,
# INSTALL_DIR (the installed tree, default build/install), USERSPACE_DIR
# (instead: a directory with sactld and sactlctl, with etc/sactl.conf as
# the configuration; "" for no user space), INITRAMFS (output),
# INITRAMFS_EXTRA ("src:/dest ..." extra files).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
ko=${MODULE_KO-$top/kernel/sactl/sactl.ko}
tests=${TESTS_DIR:-$build/tests}
installed=${INSTALL_DIR:-$build/install}
out=${INITRAMFS:-$build/initramfs.cpio.gz}
busybox=${BUSYBOX:-/bin/busybox}
stage=$build/initramfs.d
umask 022

die() { echo "mkinitramfs: $*" >&2; exit 1; }

[ -x "$busybox" ] || die "no $busybox (apt-get install busybox-static)"
[ -z "$ko" ] || [ -f "$ko" ] || die "no module $ko (make module, or MODULE_KO=)"
[ -d "$tests" ] || die "no tests directory $tests (make tests, or TESTS_DIR=)"
# Where sactld, sactlctl and the configuration come from: the installed
# tree, or a build directory (bench/run.sh's copy) and the example; none
# when USERSPACE_DIR is set empty.
userspace=1
if [ "${USERSPACE_DIR+set}" = set ]; then
	[ -n "$USERSPACE_DIR" ] || userspace=
	sactld=$USERSPACE_DIR/sactld
	sactlctl=$USERSPACE_DIR/sactlctl
	conf=$top/etc/sactl.conf
	hint="make userspace, or USERSPACE_DIR="
else
	sactld=$installed/usr/sbin/sactld
	sactlctl=$installed/usr/bin/sactlctl
	conf=$installed/etc/sactl/sactl.conf
	hint="make vm-install, or INSTALL_DIR= or USERSPACE_DIR="
fi
if [ -n "$userspace" ]; then
	for f in "$sactld" "$sactlctl" "$conf"; do
		[ -f "$f" ] || die "no $f ($hint)"
	done
fi

rm -rf "$stage"
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,root,etc,tests,lib/modules,usr,run,var/lib}
chmod 1777 "$stage/tmp"

# busybox with all applets in /bin; sbin and usr/* point there too.
cp "$busybox" "$stage/bin/busybox"
for applet in $("$busybox" --list); do
	[ -e "$stage/bin/$applet" ] || ln -s busybox "$stage/bin/$applet"
done
ln -s bin "$stage/sbin"
ln -s ../bin "$stage/usr/bin"
ln -s ../bin "$stage/usr/sbin"

install -m 0755 "$top/vm/init" "$stage/init"
install -m 0755 "$top/vm/run-tests.sh" "$stage/run-tests.sh"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$stage/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$stage/etc/group"
[ -z "$ko" ] || install -m 0644 "$ko" "$stage/lib/modules/sactl.ko"

# The whole tests directory: the runner takes each executable at its top
# as a test program; subdirectories (e.g. helpers/) come along as they are.
cp -R --preserve=mode "$tests/." "$stage/tests/"

# The daemon and its client (/usr/sbin and /usr/bin lead to /bin), the
# configuration as /etc/sactl/sactl.conf (root's, not writable by others:
# sactld refuses it otherwise), the state directory, and the end-to-end
# tests, which the runner takes from /tests/vm after the rest.
if [ -n "$userspace" ]; then
	install -m 0755 "$sactld" "$sactlctl" "$stage/bin/"
	install -d -m 0755 "$stage/etc/sactl"
	install -m 0644 "$conf" "$stage/etc/sactl/sactl.conf"
	install -d -m 0700 "$stage/var/lib/sactl"
	install -d -m 0755 "$stage/tests/vm"
	for f in "$top"/tests/vm/*; do
		case $f in
		*.sh) install -m 0755 "$f" "$stage/tests/vm/" ;;
		*) install -m 0644 "$f" "$stage/tests/vm/" ;;
		esac
	done
fi
for pair in ${INITRAMFS_EXTRA:-}; do
	dest=${pair#*:}
	mkdir -p "$stage$(dirname "$dest")"
	cp -L "${pair%%:*}" "$stage$dest"
done

# Shared libraries and ELF interpreters of every dynamic executable staged,
# copied to the path ldd reports (ld.so's default directories find them).
libs=$(find "$stage" -type f -perm -u+x | sort | while read -r f; do
	readelf -lW "$f" 2>/dev/null | grep -q 'program interpreter' || continue
	ldd "$f" | awk -v f="${f#"$stage"}" '
		/not found/ { print "MISSING " f ": " $1; next }
		{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'
done | sort -u)
if grep -q '^MISSING' <<< "$libs"; then
	die "$(grep '^MISSING' <<< "$libs")"
fi
for lib in $libs; do
	mkdir -p "$stage$(dirname "$lib")"
	cp -L "$lib" "$stage$lib"
done

# Fixed times and a sorted list make the archive reproducible.
find "$stage" -exec touch -h -d @"${SOURCE_DATE_EPOCH:-0}" {} +
mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null --create --format=newc --reproducible --owner=0:0 --quiet) |
	gzip -n -6 > "$out.tmp"
mv "$out.tmp" "$out"
echo "initramfs: $out ($(du -h "$out" | cut -f1), $(find "$stage/tests" -maxdepth 1 -type f -perm -u+x | wc -l) test programs, $(wc -w <<< "$libs") libraries)"
