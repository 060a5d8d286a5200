#!/bin/bash
# Checks of what is not C: every man page renders without a warning, the
# .desktop files validate, the GtkBuilder templates are well-formed XML,
# and gtk-prompt's message catalogue template is up to date with the
# sources.  TAP on stdout (make check writes it to build/docs.tap).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
n=0
echo "# sactl-runner: BEGIN docs-lint"
result() { # ok|not-ok description [output]
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -z "${3:-}" ] || sed 's/^/#   /' <<< "$3"
	fi
}

for page in "$top"/doc/*.[1-8]; do
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 > /dev/null)
	if [ -z "$out" ]; then result ok "man ${page#"$top"/}"; else result not-ok "man ${page#"$top"/}" "$out"; fi
done

for f in "$top"/gtk-prompt/*.desktop; do
	if out=$(desktop-file-validate "$f" 2>&1) && ! grep -q error <<< "$out"; then
		result ok "desktop-file-validate ${f#"$top"/}"
	else
		result not-ok "desktop-file-validate ${f#"$top"/}" "$out"
	fi
done

for f in "$top"/gtk-prompt/*.ui; do
	if out=$(xmllint --noout "$f" 2>&1); then result ok "xmllint ${f#"$top"/}"; else result not-ok "xmllint ${f#"$top"/}" "$out"; fi
done

# A translatable string added without "make -C gtk-prompt pot" would never
# reach translators.
pot=$top/gtk-prompt/po/sactl-prompt.pot
fresh=$(mktemp)
trap 'rm -f "$fresh"' EXIT
# The creation date is the only line allowed to differ.
if make -s -C "$top/gtk-prompt" pot POT="$fresh" > /dev/null 2>&1 &&
	out=$(diff -I '^"POT-Creation-Date:' "$pot" "$fresh"); then
	result ok "gtk-prompt/po/sactl-prompt.pot is up to date"
else
	result not-ok "gtk-prompt/po/sactl-prompt.pot is out of date: make -C gtk-prompt pot" "${out:-}"
fi
echo "1..$n"
