#!/bin/bash
# Host side of "make check": judge a test VM run from build/tap.log (the
# TAP of all test programs), build/console.log (kernel messages),
# build/lint.tap (host-side checks of the kernel code), build/host.tap
# (the user space's host tests), build/fuzz.tap (its fuzzers),
# build/gui.tap (the desktop prompt's GUI tests) and build/gui-e2e.tap
# (the host half of the prompt's end-to-end test in the VM), and
# build/docs.tap (man pages, .desktop files, templates: lint-docs.sh) and
# build/install.tap (make install, the unit, packages, DKMS:
# check-install.sh).
# Failures: every top-level "not ok" line, a run that never reached the
# SACTL-TESTS-DONE marker (crash or timeout), a finished run without any
# result, and each kernel splat.  The last line is
# "N passed, N failed[, N skipped]"; the exit status is 1 on any failure.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
tap_log=${TAP_LOG:-$build/tap.log}
console_log=${CONSOLE_LOG:-$build/console.log}
splat='WARNING:|BUG:|KASAN:|UBSAN:|Kernel panic|Oops|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|INFO: task .* blocked|unreferenced object|Call Trace:'

lint_log=${LINT_LOG:-$build/lint.tap}
host_log=${HOST_LOG:-$build/host.tap}
fuzz_log=${FUZZ_LOG:-$build/fuzz.tap}
gui_log=${GUI_LOG:-$build/gui.tap}
gui_e2e_log=${GUI_E2E_LOG:-$build/gui-e2e.tap}
docs_log=${DOCS_LOG:-$build/docs.tap}
install_log=${INSTALL_LOG:-$build/install.tap}

# Serial ports may add "\r"; a missing log reads as empty.
vm_tap=$(tr -d '\r' 2> /dev/null < "$tap_log" || echo "check: $tap_log missing" >&2)
tap=$vm_tap
# The host-side checks (scripts/lint-kernel.sh) count like one more program.
if [ -f "$lint_log" ]; then
	tap+=$'\n'"# sactl-runner: BEGIN host-lint"$'\n'"$(cat "$lint_log")"
fi
# The user space's host tests, fuzzers, GUI tests and docs checks
# (scripts/run-host-tests.sh, run-fuzz.sh, run-gui-tests.sh,
# gui-e2e-host.sh, lint-docs.sh, check-install.sh)
# carry their own BEGIN markers.  They must have run: a missing or empty
# file is a failure, not zero tests.
not_run=()
for log in "$host_log" "$fuzz_log" "$gui_log" "$gui_e2e_log" "$docs_log" "$install_log"; do
	if [ -s "$log" ]; then
		tap+=$'\n'"$(cat "$log")"
	else
		not_run+=("$log")
	fi
done
console=$(tr -d '\r' 2> /dev/null < "$console_log" || echo "check: $console_log missing" >&2)

# Only top-level results count; "# sactl-runner: BEGIN prog" names the program.
awk '/^# sactl-runner: BEGIN /{ prog = $4 }
	/^not ok /{ print "FAILED " prog ": " $0 }' <<< "$tap"
read -r passed failed skipped <<< "$(awk '
	/^ok / { if (/# SKIP/) s++; else p++ }
	/^not ok / { f++ }
	END { print p + 0, f + 0, s + 0 }' <<< "$tap")"

if grep -qx 'SACTL-TESTS-DONE' <<< "$vm_tap"; then
	if ! grep -qE '^(not )?ok ' <<< "$vm_tap"; then
		echo "FAILED: no test results in $tap_log"
		failed=$((failed + 1))
	fi
else
	vm_exit=$(cat "$build/vm-exit" 2> /dev/null || echo unknown)
	case $vm_exit in
	124 | 137) why="timed out (VM_TIMEOUT)" ;;
	*) why="crashed or stopped early (QEMU exit status $vm_exit)" ;;
	esac
	running=$(awk '/^# sactl-runner: BEGIN /{ p = $4 } /^# sactl-runner: END /{ p = "" }
		END { if (p != "") print " while running " p }' <<< "$vm_tap")
	echo "FAILED: the test VM $why$running: no SACTL-TESTS-DONE in $tap_log"
	failed=$((failed + 1))
fi

for log in ${not_run[@]+"${not_run[@]}"}; do
	echo "FAILED: $log is missing or empty: the host tests, fuzzers, GUI tests or docs checks did not run"
	failed=$((failed + 1))
done

# Matches less than 30 lines apart, or with only kernel lines ("[ time]")
# between them, are one splat; print each with context.
splats=$(awk -v re="$splat" '
	{ line[NR] = $0 }
	$0 ~ re { if (!n || (NR > last[n] + 30 && user)) first[++n] = NR; last[n] = NR; user = 0; next }
	!/^\[ *[0-9]+\.[0-9]+\]/ { user = 1 }
	END {
		for (i = 1; i <= n; i++) {
			to = last[i] + 5 > first[i] + 30 ? last[i] + 5 : first[i] + 30
			printf "---- kernel splat %d (console.log line %d) ----\n", i, first[i]
			for (l = first[i] - 5; l <= to && l <= NR; l++) if (l > 0) print line[l]
		}
		print n + 0
	}' <<< "$console")
count=$(tail -n 1 <<< "$splats")
if [ "$count" != 0 ]; then
	head -n -1 <<< "$splats"
	echo "FAILED: $count kernel splat(s) in $console_log"
	failed=$((failed + count))
fi

summary="$passed passed, $failed failed"
[ "$skipped" = 0 ] || summary+=", $skipped skipped"
echo "$summary"
[ "$failed" = 0 ]
