#!/bin/bash
# Run every libFuzzer target of build/fuzz (make -C tests/fuzz) for
# FUZZ_TIME seconds (default 20) on a scratch copy of its seed corpus
# tests/fuzz/corpus/<name>/ (fuzz_wire: corpus/wire/, or corpus/fuzz_wire/),
# so the repository's corpus is never changed.
# TAP to build/fuzz.tap: "ok" if the target ran its time without a crash,
# leak, timeout or sanitizer report; otherwise "not ok" with the end of
# its output.  The exit status is 1 if anything failed.
#
# For a longer run that keeps what it finds, see README ("Fuzzing").
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$top/build/fuzz}
tap=${TAP:-$top/build/fuzz.tap}
secs=${FUZZ_TIME:-20}
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}

targets=$(find "$out" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x 2>/dev/null | sort)
[ -n "$targets" ] || { echo "run-fuzz: no targets in $out (make -C tests/fuzz)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$tap")"
n=0
failed=0
{
	echo "# sactl-runner: BEGIN fuzz"
	for t in $targets; do
		name=${t##*/}
		n=$((n + 1))
		mkdir -p "$work/$name/corpus" "$work/$name/crash"
		seeds=$top/tests/fuzz/corpus/${name#fuzz_}
		[ -d "$seeds" ] || seeds=$top/tests/fuzz/corpus/$name
		[ -d "$seeds" ] && cp -R "$seeds/." "$work/$name/corpus/"
		rc=0
		# -timeout: one input taking this long is a hang, not slowness.
		timeout -k 10 $((secs + 120)) "$t" -max_total_time="$secs" \
			-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix="$work/$name/crash/" \
			"$work/$name/corpus" > "$work/$name/log" 2>&1 || rc=$?
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name/log")
		if [ "$rc" = 0 ] && [ -n "$runs" ] && [ "$runs" -gt 0 ]; then
			echo "ok $n $name # ${runs} runs in ${secs}s, corpus $(find "$seeds" -type f 2>/dev/null | wc -l) seeds"
		else
			failed=$((failed + 1))
			echo "not ok $n $name # exit status $rc"
			tail -n 40 "$work/$name/log" | sed 's/^/# /'
			for a in "$work/$name/crash"/*; do
				[ -f "$a" ] && echo "# crash input (base64): $(base64 -w0 < "$a" | head -c 4000)"
			done
		fi
	done
	echo "1..$n"
	echo "# sactl-runner: END fuzz"
} > "$tap.tmp"
mv "$tap.tmp" "$tap"
grep -E '^(not )?ok ' "$tap" | sed 's/^/fuzz: /'
[ "$failed" = 0 ]
