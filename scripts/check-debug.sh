#!/bin/bash
# make check-debug: the whole guest suite (tests/run-guest.sh) on a Linux 6.1
# debug kernel (KASAN, UBSAN, lockdep, kmemleak, debug objects, ...) built
# from Debian's linux-source-6.1 by scripts/debug-kernel.sh, cached. Each
# boot ends with a kmemleak scan that must find nothing. Prints the TAP and
# ends with "N passed, N failed".
#   RZ_GUEST_TIMEOUT   seconds the guest may run (default 3600: KASAN and
#                      lockdep under TCG are slow)
#   RZ_ARGS            more guest kernel arguments, after the scaled-down
#                      knobs below (a later rz.NAME= wins)
set -uo pipefail
. "$(dirname "$0")/common.sh"
results=$build/results-debug
# One run at a time: a second would share build/guest/debug.
mkdir -p "$build"
exec 9>"$build/check-debug.lock"
flock -n 9 || die "another make check-debug is running (lock: $build/check-debug.lock)"
rm -rf "$results"
mkdir -p "$results"
t_start=$(date +%s)
# What tests/run-guest.sh needs (make check gets it from scripts/setup.sh).
need_pkgs qemu-system-x86 busybox-static cpio gzip gcc g++ make libc6-dev kmod \
	binutils libcli11-dev || die "cannot install the guest's tools"

t0=$(date +%s)
if ! rel=$("$top/scripts/debug-kernel.sh" 2>"$results/debug-kernel.log"); then
	tail -n 40 "$results/debug-kernel.log" >&2
	echo "not ok - debug kernel built (log: $results/debug-kernel.log)"
	echo "0 1" >"$results/kernel.counts"
	echo "0 passed, 1 failed"
	exit 1
fi
t_kernel=$(($(date +%s) - t0))
echo "ok - debug kernel $rel built or cached (${t_kernel} s)"
echo "1 0" >"$results/kernel.counts"

# KASAN, lockdep and kmemleak make this guest some 50 times slower than the
# Debian kernels under TCG: every test runs, the longest with fewer rounds
# (make check runs them in full).
# rzbatch runs first (rz.batch: its big listing), with the fault injection
# only this kernel has (rz.faults rounds).
knobs="rz.many=200 rz.rounds=100 rz.fuzz=2000 rz.cycles=20 rz.pressure=500 rz.batch=1000 rz.faults=100"
t0=$(date +%s)
RZ_KDIR=$cache/debug-kernel/build RZ_RESULTS=$results RZ_PROGRAM="rzbatch rzcontract rzstress rztool" \
	RZ_ARGS="$knobs ${RZ_ARGS:-}" \
	RZ_GUEST_TIMEOUT=${RZ_GUEST_TIMEOUT:-3600} \
	"$top/tests/run-guest.sh" "$rel" debug || [ -s "$results/guest-debug.counts" ] ||
	echo "0 1" >"$results/guest-debug.counts"
t_guest=$(($(date +%s) - t0))

# Then the load/unload cycles and the races once more with both vCPUs truly
# in parallel (multi-threaded TCG, as make check does on each kernel; see
# docs/testing.md): lockdep and KASAN see real concurrency.
t0=$(date +%s)
if (use_mttcg 2>"$results/qemu-mttcg.log" &&
	RZ_KDIR=$cache/debug-kernel/build RZ_RESULTS=$results RZ_SMP=2 \
	RZ_ONLY=$mttcg_tests,writers4,waitrace RZ_PROGRAM="rzbatch rzcontract rzstress cycles" \
	RZ_ARGS="$knobs softlockup_all_cpu_backtrace=1 ${RZ_ARGS:-}" \
	RZ_GUEST_TIMEOUT=${RZ_GUEST_TIMEOUT:-3600} \
	"$top/tests/run-guest.sh" "$rel" debug-mttcg); then
	:
elif [ ! -s "$results/guest-debug-mttcg.counts" ]; then
	echo "not ok - debug-mttcg: the boot did not run ($(tail -n1 "$results/qemu-mttcg.log"))"
	echo "0 1" >"$results/guest-debug-mttcg.counts"
fi
t_mttcg=$(($(date +%s) - t0))

pass=0 fail=0
for f in "$results"/*.counts; do
	read -r p f2 <"$f"
	pass=$((pass + p))
	fail=$((fail + f2))
done
echo "# debug kernel $rel: built or cached in ${t_kernel} s, guest suite ($knobs) in ${t_guest} s, multi-threaded TCG boot in ${t_mttcg} s"
echo "# console: $build/guest/debug/console.log"
echo "# make check-debug took $(($(date +%s) - t_start)) s"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
