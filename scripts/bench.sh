#!/bin/bash
# make bench: boot one Debian kernel under QEMU with tests/guest/rzbench.c
# and report how fast zombies go, as ratios to the parent's own waitpid()
# measured in the same boot: table, targets, CSV and a PNG under
# build/bench/. Ends with "N passed, N failed" (did every batch reap what it
# should); the targets are reported as PASS/MISS lines, not counted.
#   RZ_BENCH_KERNEL  kernel series (default: the first of make check, 6.1)
#   RZ_BENCH_N       zombies per batch, comma-separated (1000,10000,30000)
#   RZ_BENCH_RUNS    runs of each batch, the median is reported (3)
#   RZ_BENCH_SINGLE  samples of each single-zombie figure (101; 0: none)
#   RZ_BENCH_METHODS only these methods, comma-separated (all; a ratio
#                    needs waitpid, or subreaper, in the list)
#   RZ_BENCH_TRACE   1: function_graph durations of a few functions around
#                    each batch, "# TRACE" lines in the TAP log (slows it)
#   RZ_BENCH_IDLE    1: how long the CPU was idle during each batch (a
#                    SCHED_IDLE spinner: keeps the host's core busy)
#   RZ_BENCH_OUT     where the report goes (build/bench)
#   RZ_BENCH_NAME    the guest's name under build/guest (bench)
#   RZ_ZOMBIECTL     a zombiectl binary to use (default: build user/)
# The guest has one vCPU: TCG runs every vCPU on one host thread anyway,
# and with two a vCPU spinning on a lock the other holds spins out its turn,
# which would show as stalls that are QEMU's, not the kernel's.
set -uo pipefail
. "$(dirname "$0")/common.sh"
out=${RZ_BENCH_OUT:-$build/bench}
name=${RZ_BENCH_NAME:-bench}
t_start=$(date +%s)
rm -rf "$out"
mkdir -p "$out"
need_pkgs gnuplot-nox || die "cannot install gnuplot-nox"
kver=$("$top/scripts/setup.sh" "${RZ_BENCH_KERNEL:-6.1}" 2>"$out/setup.log") ||
	{ tail -n 20 "$out/setup.log" >&2; die "kernel setup failed (log: $out/setup.log)"; }
zctl=${RZ_ZOMBIECTL:-}	# a zombiectl already built, else user/ is built
if [ -z "$zctl" ]; then
	make -s -C "$top/user" build/zombiectl >"$out/zombiectl-build.log" 2>&1 ||
		{ cat "$out/zombiectl-build.log" >&2; die "zombiectl build failed"; }
	zctl=$top/user/build/zombiectl
fi

knobs="rz.bench_n=${RZ_BENCH_N:-1000,10000,30000} rz.bench_runs=${RZ_BENCH_RUNS:-3}"
knobs="$knobs rz.bench_single=${RZ_BENCH_SINGLE:-101}"
[ -z "${RZ_BENCH_METHODS:-}" ] || knobs="$knobs rz.bench_methods=$RZ_BENCH_METHODS"
[ -z "${RZ_BENCH_TRACE:-}" ] || knobs="$knobs rz.bench_trace=$RZ_BENCH_TRACE"
[ -z "${RZ_BENCH_IDLE:-}" ] || knobs="$knobs rz.bench_idle=$RZ_BENCH_IDLE"
log "make bench: kernel $kver, one vCPU, $knobs"
# The guest's clock runs on while the host runs something else: other work
# on the machine shows up as stalls and long lock holds in the figures.
others=$(pgrep -c qemu-system || true)
echo "# host: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), ${others:-0} other QEMU guests running at the start"
[ "${others:-0}" = 0 ] || echo "# warning: other guests share the machine; the latency and hold figures may show their work"

# ... and while it runs: every 2 s, the other guests (not ours) and the load
(while :; do
	n=$(pgrep -a qemu-system | grep -vc -- "$build/guest/$name/" || true)
	echo "$(date +%s) ${n:-0} $(cut -d' ' -f1 /proc/loadavg)"
	sleep 2
done >"$out/host.log") &
sampler=$!
RZ_SMP=1 RZ_PROGRAM=rzbench RZ_RESULTS=$out RZ_ARGS="$knobs" \
	RZ_ZOMBIECTL=$zctl RZ_GUEST_TIMEOUT=${RZ_GUEST_TIMEOUT:-1800} \
	"$top/tests/run-guest.sh" "$kver" "$name" >"$out/guest.out" 2>&1 ||
	[ -s "$out/guest-$name.counts" ] || echo "0 1" >"$out/guest-$name.counts"
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
grep -v '^# BENCH ' "$out/guest.out"
awk '{ k++; if ($2 > 0) busy++; if ($2 > m) m = $2; if ($3 > l) l = $3 }
	END { if (k) printf "# host while the guest ran: other guests in %d of %d samples (at most %d at once), load average up to %s%s\n", busy, k, m, l, busy ? ": its latency and hold figures may show their work" : "" }' "$out/host.log"
read -r pass fail <"$out/guest-$name.counts"

if "$top/scripts/bench-report.sh" "$build/guest/$name/tap.log" "$out" &&
	[ -s "$out/bench.png" ]; then
	echo "ok - bench report: CSV and plot in $out"
	pass=$((pass + 1))
else
	echo "not ok - bench report: CSV and plot in $out"
	fail=$((fail + 1))
fi
echo "$pass $fail" >"$out/bench.counts"
echo "# make bench took $(($(date +%s) - t_start)) s (console: $build/guest/$name/console.log)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
