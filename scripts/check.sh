#!/bin/bash
# make check: set up, run every suite, end with "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/common.sh"
rm -rf "$build/results"
mkdir -p "$build/results"
kver=$("$top/scripts/setup.sh") || die "setup failed"
"$top/scripts/lint.sh" || echo "0 1" >"$build/results/lint.counts"
"$top/tests/run-unit.sh" || echo "0 1" >"$build/results/unit.counts"
"$top/tests/run-guest.sh" "$kver" || echo "0 1" >"$build/results/guest-$kver.counts"
"$top/tests/run-packaging.sh" "$kver" || [ -s "$build/results/packaging.counts" ] ||
	echo "0 1" >"$build/results/packaging.counts"

pass=0 fail=0
for f in "$build"/results/*.counts; do
	read -r p f2 <"$f"
	pass=$((pass + p))
	fail=$((fail + f2))
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
