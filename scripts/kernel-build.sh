#!/bin/bash
# Build the sactl test kernel: extract a 6.1 tree (KSRC or Debian's
# linux-source-6.1), apply patches/ with patch -p1, configure it from
# tinyconfig plus kconfig/vm-test.config, and build a bzImage.
#
# The tree is built in place (no O=), so compiler command lines are
# relative and ccache hits across checkouts.  A stamp keyed on the source,
# the patches and the config fragment makes a second run a no-op.
# VANILLA=1 builds the unpatched baseline of make bench instead (below).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
tree=$build/linux
tarball=${KSRC_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
fragment=$top/kconfig/vm-test.config
jobs=${JOBS:-$(($(nproc) + 1))}

say() { printf '==> %s\n' "$*"; }

# What the patched source depends on, and what the built kernel depends on.
source_key() {
	{
		if [ -n "${KSRC:-}" ]; then echo "ksrc $KSRC"; else sha256sum "$tarball"; fi
		cat "$top/patches/series"
		for p in $(cat "$top/patches/series"); do cat "$top/patches/$p"; done
	} | sha256sum | cut -d' ' -f1
}
src=$(source_key)
want=$( (echo "$src"; cat "$fragment") | sha256sum | cut -d' ' -f1)

cc=gcc
command -v ccache > /dev/null && cc="ccache gcc"

# VANILLA=1: the same kernel without the series, the baseline of the
# benchmarks (bench/): the unpatched source in build/linux-vanilla,
# configured from the patched tree's .config (CONFIG_SACTL drops out), so
# that the two kernels differ by the patches only.  Its own stamp, its own
# log; the patched tree is only read.  ccache hits for every file the
# series does not change, since both trees build in place.
if [ "${VANILLA:-0}" = 1 ]; then
	vtree=$build/linux-vanilla
	[ -f "$tree/.config" ] || { echo "no $tree/.config: build the patched kernel first" >&2; exit 1; }
	[ -n "${KSRC:-}" ] || [ -f "$tarball" ] ||
		{ echo "missing $tarball: apt-get install linux-source-6.1, or set KSRC=" >&2; exit 1; }
	vsrc=$(if [ -n "${KSRC:-}" ]; then echo "ksrc $KSRC"; else sha256sum "$tarball"; fi | sha256sum | cut -d' ' -f1)
	vwant=$( (echo "$vsrc"; cat "$tree/.config") | sha256sum | cut -d' ' -f1)
	if [ -f "$vtree/.sactl-stamp" ] && [ "$(cat "$vtree/.sactl-stamp")" = "$vwant" ] &&
	   [ -f "$vtree/arch/x86/boot/bzImage" ]; then
		say "vanilla kernel up to date: $vtree/arch/x86/boot/bzImage"
		exit 0
	fi
	if [ ! -f "$vtree/.sactl-source" ] || [ "$(cat "$vtree/.sactl-source")" != "$vsrc" ]; then
		rm -rf "$vtree"
		mkdir -p "$vtree"
		if [ -n "${KSRC:-}" ]; then
			say "copying $KSRC (unpatched)"
			cp -a "$KSRC/." "$vtree/"
		else
			say "extracting $tarball (unpatched)"
			tar -xf "$tarball" -C "$vtree" --strip-components=1 --exclude='*/boot/dts'
		fi
		echo "$vsrc" > "$vtree/.sactl-source"
	fi
	cp "$tree/.config" "$vtree/.config"
	make -C "$vtree" -s olddefconfig
	say "building the vanilla bzImage with $jobs jobs"
	make -C "$vtree" -j"$jobs" CC="$cc" bzImage > "$build/kernel-vanilla-build.log" 2>&1 || {
		tail -40 "$build/kernel-vanilla-build.log" >&2
		exit 1
	}
	echo "$vwant" > "$vtree/.sactl-stamp"
	say "vanilla kernel ready: $vtree/arch/x86/boot/bzImage"
	exit 0
fi

if [ -f "$tree/.sactl-stamp" ] && [ "$(cat "$tree/.sactl-stamp")" = "$want" ] &&
   [ -f "$tree/arch/x86/boot/bzImage" ] && [ -f "$tree/Module.symvers" ]; then
	say "kernel up to date: $tree/arch/x86/boot/bzImage"
	exit 0
fi

if [ ! -f "$tree/.sactl-patched" ] || [ "$(cat "$tree/.sactl-patched")" != "$src" ]; then
	rm -rf "$tree"
	mkdir -p "$tree"
	if [ -n "${KSRC:-}" ]; then
		say "copying $KSRC"
		cp -a "$KSRC/." "$tree/"
	else
		[ -f "$tarball" ] || { echo "missing $tarball: apt-get install linux-source-6.1, or set KSRC=" >&2; exit 1; }
		say "extracting $tarball"
		# arch/arm64/boot/dts holds links tar cannot create here; x86 needs none of it.
		tar -xf "$tarball" -C "$tree" --strip-components=1 --exclude='*/boot/dts'
	fi
	for p in $(cat "$top/patches/series"); do
		say "applying $p"
		patch -p1 -s -d "$tree" < "$top/patches/$p"
	done
	echo "$src" > "$tree/.sactl-patched"
fi

say "configuring (tinyconfig + $(basename "$fragment"))"
make -C "$tree" -s tinyconfig > "$build/tinyconfig.log" 2>&1
"$tree/scripts/kconfig/merge_config.sh" -m -O "$tree" "$tree/.config" "$fragment" > "$build/merge_config.log"
make -C "$tree" -s olddefconfig
# merge_config only warns; a fragment option that did not stick is an error.
missing=0
while IFS= read -r line; do
	case "$line" in CONFIG_*=y) ;; *) continue ;; esac
	grep -qx "$line" "$tree/.config" || { echo "config: $line did not stick" >&2; missing=1; }
done < "$fragment"
[ "$missing" = 0 ] || exit 1

say "building bzImage with $jobs jobs (a few minutes the first time)"
# "modules" also writes Module.symvers, which out-of-tree modules link against.
make -C "$tree" -j"$jobs" CC="$cc" bzImage modules > "$build/kernel-build.log" 2>&1 || {
	tail -40 "$build/kernel-build.log" >&2
	exit 1
}
echo "$want" > "$tree/.sactl-stamp"
say "kernel ready: $tree/arch/x86/boot/bzImage"
