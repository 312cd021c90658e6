#!/bin/bash
# Issue 12's experiment: boot the load/unload cycles many times, two guests
# at a time (each loads the host for the other), and tally how each ended.
#   scripts/cycles-runs.sh KVER MODULE RUNS [SMP]
# MODULE: reap_zombie (kmod/) or control (tests/control: the same kretprobes,
# empty handlers). SMP: vCPUs per guest (default 2). RZ_ACCEL: QEMU's
# accelerator (default tcg,thread=multi: every vCPU on its own host thread);
# RZ_PROGRAM: the guest program (default cycles, tests/guest/cycles.sh;
# rzstress with RZ_ONLY=load_cycles for the suite's own); RZ_ARGS: more
# kernel arguments (default rz.cycles=20 loglevel=8
# softlockup_all_cpu_backtrace=1). Prints a line per run and one tally:
# "N runs: P clean, F failed (oops A, soft lockup B, other C)".
set -uo pipefail
. "$(dirname "$0")/common.sh"
kver=$1 module=$2 runs=$3 smp=${4:-2}
export RZ_ACCEL=${RZ_ACCEL:-tcg,thread=multi}
export RZ_PROGRAM=${RZ_PROGRAM:-cycles}
export RZ_ARGS=${RZ_ARGS:-"rz.cycles=20 loglevel=8 softlockup_all_cpu_backtrace=1"}
case "$module" in
reap_zombie) src=$top/kmod ;;
control) src=$top/tests/control ;;
*) die "MODULE is reap_zombie or control" ;;
esac
tag=${RZ_TAG:-$kver-$module-smp$smp}
base=$build/cycles/$tag
rm -rf "$base"
mkdir -p "$base"
export RZ_KO
RZ_KO=$(RZ_MODSRC=$src "$top/scripts/build-module.sh" "$kver" "$base/ko") || exit 1
export RZ_RESULTS=$base/results RZ_SMP=$smp RZ_GUEST_TIMEOUT=${RZ_GUEST_TIMEOUT:-600}
export RZ_ZOMBIECTL=${RZ_ZOMBIECTL:-$top/user/build/zombiectl}
[ -x "$RZ_ZOMBIECTL" ] || make -s -C "$top/user" build/zombiectl >/dev/null || exit 1

one() { # RUN
	local name=$tag-$1 out verdict
	"$top/tests/run-guest.sh" "$kver" "$name" >"$base/$1.out" 2>&1
	out=$build/guest/$name
	if grep -q '^not ok' "$base/$1.out" || ! grep -q '^ok' "$base/$1.out"; then
		if grep -aqE 'Oops|BUG: kernel NULL' "$out/console.log"; then
			verdict="oops: $(grep -aE -m1 'RIP: ' "$out/console.log" | sed 's/^.*RIP: //')"
		elif grep -aq 'soft lockup' "$out/console.log"; then
			verdict="soft lockup: $(grep -a -m1 'soft lockup' "$out/console.log" | sed 's/^.*watchdog: //')"
		else
			verdict="other: $(grep -m1 '^not ok' "$base/$1.out")"
		fi
	else
		verdict=clean
	fi
	echo "$verdict" >"$base/$1.verdict"
	printf '%s run %d: %s (%s s)\n' "$tag" "$1" "$verdict" \
		"$(sed -n 's/.*guest ran \([0-9]*\)s.*/\1/p' "$base/$1.out")"
}
for i in $(seq 1 "$runs"); do
	while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
	one "$i" &
	sleep 2
done
wait
clean=$(grep -lx clean "$base"/*.verdict 2>/dev/null | wc -l)
oops=$(grep -l '^oops' "$base"/*.verdict 2>/dev/null | wc -l)
lock=$(grep -l '^soft lockup' "$base"/*.verdict 2>/dev/null | wc -l)
other=$(grep -l '^other' "$base"/*.verdict 2>/dev/null | wc -l)
echo "$tag ($RZ_ACCEL, $RZ_PROGRAM, $RZ_ARGS): $runs runs: $clean clean, $((runs - clean)) failed (oops $oops, soft lockup $lock, other $other)"
