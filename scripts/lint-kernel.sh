#!/bin/bash
# Host-side checks of the kernel code, as TAP on stdout (one line each):
# checkpatch --strict on every patch of the series and on every source of
# the module and the uapi header, and a W=1 + sparse build of the module
# that must print no warning.  Needs the patched tree (make kernel).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kdir=${KDIR:-$top/build/linux}
checkpatch="$kdir/scripts/checkpatch.pl"
n=0
failed=0

result() {	# result OK|FAIL name [output]
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n $2"
	else
		failed=$((failed + 1))
		echo "not ok $n $2"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
	fi
}

checkpatch() {	# checkpatch name args...
	local name=$1 out
	shift
	if out=$(perl "$checkpatch" --strict --no-tree --terse --show-types "$@" 2>&1) &&
	   [ -z "$out" ]; then
		result OK "$name"
	else
		result FAIL "$name" "$out"
	fi
}

for p in $(cat "$top/patches/series"); do
	checkpatch "checkpatch patches/$p" "$top/patches/$p"
done
for f in "$top"/kernel/sactl/*.[ch] "$top/include/uapi/linux/sactl.h"; do
	case $f in *.mod.c) continue ;; esac
	checkpatch "checkpatch ${f#"$top"/}" -f "$f"
done

# A scratch copy of the module, so this build never races the real one.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/kernel" "$scratch/include"
cp -r "$top/kernel/sactl" "$scratch/kernel/"
cp -r "$top/include/uapi" "$scratch/include/"
make -C "$scratch/kernel/sactl" clean KDIR="$kdir" > /dev/null 2>&1
out=$(make -C "$kdir" M="$scratch/kernel/sactl" W=1 C=2 modules 2>&1 |
	grep -v -E '^(make|  (CC|LD|MODPOST|CHECK|SYNC)) |Entering directory|Leaving directory')
if [ -f "$scratch/kernel/sactl/sactl.ko" ] && [ -z "$out" ]; then
	result OK "module builds with W=1 and sparse (C=2) without a warning"
else
	result FAIL "module builds with W=1 and sparse (C=2) without a warning" "$out"
fi

echo "1..$n"
exit $((failed > 0))
