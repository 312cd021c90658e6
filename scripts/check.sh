#!/bin/bash
# make check: set up, run every suite on every kernel, end with
# "N passed, N failed[, N skipped]".
#   KERNELS="6.1 6.12 7.3"   kernel series to test (default: all of them)
set -uo pipefail
. "$(dirname "$0")/common.sh"
KERNELS=${KERNELS:-"6.1 6.12 7.3"}
rm -rf "$build/results"
mkdir -p "$build/results"
t_start=$(date +%s)

kvers=() skipped=0 summary=()
for series in $KERNELS; do
	if kver=$("$top/scripts/setup.sh" "$series" 2>"$build/results/setup-$series.log"); then
		kvers+=("$kver")
	else
		reason=$(grep -m1 'error:' "$build/results/setup-$series.log" || tail -n1 "$build/results/setup-$series.log")
		echo "ok - kernel $series # SKIP cannot fetch its packages: $reason"
		summary+=("kernel $series: skipped ($reason)")
		skipped=$((skipped + 1))
	fi
done
[ ${#kvers[@]} -gt 0 ] || die "no kernel could be set up"

"$top/scripts/lint.sh" || echo "0 1" >"$build/results/lint.counts"
"$top/tests/run-unit.sh" || echo "0 1" >"$build/results/unit.counts"
for kver in "${kvers[@]}"; do
	t0=$(date +%s)
	"$top/tests/run-guest.sh" "$kver" || [ -s "$build/results/guest-$kver.counts" ] ||
		echo "0 1" >"$build/results/guest-$kver.counts"
	read -r p f <"$build/results/guest-$kver.counts"
	summary+=("kernel $kver: $p passed, $f failed in $(($(date +%s) - t0)) s")
done
t0=$(date +%s)
"$top/tests/run-packaging.sh" "${kvers[@]}" || [ -s "$build/results/packaging.counts" ] ||
	echo "0 1" >"$build/results/packaging.counts"
summary+=("packaging and DKMS (${kvers[*]}): $(($(date +%s) - t0)) s")

pass=0 fail=0
for f in "$build"/results/*.counts; do
	read -r p f2 <"$f"
	pass=$((pass + p))
	fail=$((fail + f2))
done
for line in "${summary[@]}"; do echo "# $line"; done
echo "# make check took $(($(date +%s) - t_start)) s"
if [ "$skipped" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skipped skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" = 0 ]
