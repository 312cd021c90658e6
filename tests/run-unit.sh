#!/bin/bash
# zombiectl's doctest unit tests; writes build/results/unit.counts.
set -uo pipefail
. "$(dirname "$0")/../scripts/common.sh"
mkdir -p "$build/results"
out=$(make -s -C "$top/user" check 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# unit: /'
line=$(printf '%s\n' "$out" | grep '^\[doctest\] test cases:' | tail -n1)
pass=$(sed -n 's/.*| *\([0-9]*\) passed.*/\1/p' <<<"$line")
fail=$(sed -n 's/.*| *\([0-9]*\) failed.*/\1/p' <<<"$line")
if [ -z "$pass" ]; then
	echo "not ok - unit tests did not build or run"
	echo "0 1" >"$build/results/unit.counts"
	exit 1
fi
echo "# unit: $pass passed, $fail failed"
echo "$pass $fail" >"$build/results/unit.counts"
[ "$rc" = 0 ]
