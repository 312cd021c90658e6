#!/bin/bash
# Turn the "# BENCH" lines of a make bench guest (tests/guest/rzbench.c)
# into ratios, CSV files and a plot, and judge the targets.
#   bench-report.sh TAPLOG OUTDIR
# Writes OUTDIR/batches.csv (every run), OUTDIR/summary.csv (medians per N
# and method, throughput as a ratio to the parent's own waitpid() loop, R0,
# and to the kernel's subreaper path, R1, of the same run), OUTDIR/single.csv
# and OUTDIR/bench.png; prints a table and one PASS or MISS line per target
# with what was measured (SKIP when its N was not run). Exits 1 when the
# log holds no figures; the targets do not change the exit status.
set -uo pipefail
tap=$1 out=$2
mkdir -p "$out"

# shellcheck disable=SC2016
sed -n 's/\r$//; s/^# BENCH batch //p' "$tap" | awk '
	BEGIN { print "n,method,run,secs,per_s,fork_max_ms,fork_p99_ms,hold_ms,per_carrier,idle_ms,read_ms,write_ms,gone_ms,wall_ms,cpu_self_ms,cpu_kthreadd_ms,cpu_reaper_ms,in_write_ms" }
	{
		split("", v)
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%d,%s,%d,%s,%.1f,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", v["n"], v["method"], v["run"],
			v["secs"], (v["secs"] > 0 ? v["n"] / v["secs"] : 0), v["fork_max_ms"],
			v["fork_p99_ms"], v["hold_ms"], v["per_carrier"], v["idle_ms"],
			v["read_ms"], v["write_ms"], v["gone_ms"], v["wall_ms"],
			v["cpu_self_ms"], v["cpu_kthreadd_ms"], v["cpu_reaper_ms"],
			v["in_write_ms"]
	}' >"$out/batches.csv"
sed -n 's/\r$//; s/^# BENCH single //p' "$tap" | awk '
	BEGIN { print "what,samples,median_us,p99_us" }
	{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%s,%d,%s,%s\n", v["what"], v["samples"], v["median_us"], v["p99_us"]
	}' >"$out/single.csv"
[ "$(wc -l <"$out/batches.csv")" -gt 1 ] || { echo "bench-report: no figures in $tap" >&2; exit 1; }

# Per N and method: the median time, the median of the per-run ratios to
# that run's waitpid loop (R0) and to its subreaper path (R1), the worst
# fork latency and lock hold of any run.
awk -F, '
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	NR == 1 { next }
	{ secs[$1, $2, $3] = $4; key = $1 SUBSEP $2
	  if (!(key in seen)) { seen[key] = 1; order[++k] = key }
	  if ($6 + 0 > fmax[key] + 0) fmax[key] = $6
	  if ($7 + 0 > p99[key] + 0) p99[key] = $7
	  if (!(key in hold) || $8 + 0 > hold[key] + 0) hold[key] = $8
	  t[key] = t[key] " " $4; pc[key] = pc[key] " " $9; runs[key] = runs[key] " " $3
	  if ($10 != "") idle[key] = idle[key] " " $10 }
	END {
		print "n,method,runs,median_secs,median_per_s,ratio_to_waitpid,fork_max_ms,fork_p99_ms,hold_max_ms,per_carrier,ratio_to_subreaper,idle_ms"
		for (i = 1; i <= k; i++) {
			split(order[i], nm, SUBSEP)
			r = ""; r1 = ""; c = split(runs[order[i]], rr, " ")
			for (j = 1; j <= c; j++) {
				if ((nm[1], "waitpid", rr[j]) in secs)
					r = r " " secs[nm[1], "waitpid", rr[j]] / secs[nm[1], nm[2], rr[j]]
				if ((nm[1], "subreaper", rr[j]) in secs)
					r1 = r1 " " secs[nm[1], "subreaper", rr[j]] / secs[nm[1], nm[2], rr[j]]
			}
			m = median(t[order[i]])
			printf "%d,%s,%d,%.6f,%.1f,%.4f,%s,%s,%s,%.1f,%.4f,%s\n", nm[1], nm[2], c, m,
				(m > 0 ? nm[1] / m : 0), r == "" ? 0 : median(r), fmax[order[i]],
				p99[order[i]], hold[order[i]], median(pc[order[i]]),
				r1 == "" ? 0 : median(r1),
				order[i] in idle ? sprintf("%.1f", median(idle[order[i]])) : ""
		}
	}' "$out/batches.csv" >"$out/summary.csv"

echo "# throughput per N, median of the runs; ratio: the parent's own waitpid() loop of the same run = 1"
awk -F, 'NR == 1 { printf "#   %6s  %-13s %4s %9s %9s %7s %7s %9s %9s %9s %8s %8s\n", "N", "method", "runs", "secs", "per_s", "ratio", "vs_R1", "fork_max", "fork_p99", "hold_ms", "carrier", "idle_ms"; next }
	{ printf "#   %6d  %-13s %4d %9.3f %9.0f %7.3f %7.3f %9s %9s %9s %8s %8s\n", $1, $2, $3, $4, $5, $6, $11, $7, $8, ($9 < 0 ? "-" : $9), ($10 > 0 ? $10 : "-"), ($12 == "" ? "-" : $12) }' "$out/summary.csv"
echo "#   (ratio: to R0, waitpid; vs_R1: to R1, subreaper; batch: the raw listing read and PID:START writes, no tool; prewrite64: 64 threads write to files opened before; open: only opening and closing the files, nothing written; carrier: zombies per carrier; idle_ms, with RZ_BENCH_IDLE=1: CPU time left idle while it ran)"
# where the batch method's time went, run by run
awk -F, 'NR > 1 && $2 == "batch" && $11 != "" { printf "#   batch at N = %d, run %d: open and listing read %.1f ms, entries formatted and written %.1f ms (%s in write()), then until gone %.1f ms%s\n", $1, $3, $11, $12, ($18 == "" ? "?" : sprintf("%.1f", $18)), $13, ($10 == "" ? "" : sprintf("; CPU idle %.1f ms", $10)) }' "$out/batches.csv"
# with RZ_BENCH_IDLE=1: whose CPU time it was
awk -F, 'NR > 1 && $15 != "" && ($2 == "batch" || $2 == "subreaper" || $2 == "waitpid") { printf "#   %s at N = %d, run %d, %.1f ms: CPU of rzbench %.1f, kthreadd %.1f, zombie_reaper %.1f, every other task %.1f (carriers, the parent, the probe), idle %.1f ms\n", $2, $1, $3, $14, $15, $16, $17, $14 - $15 - $16 - $17 - $10, $10 }' "$out/batches.csv"
echo "# one zombie at a time: median and p99 in microseconds"
awk -F, 'NR > 1 { printf "#   %-10s %5d samples  median %9.1f  p99 %9.1f\n", $1, $2, $3, $4 }' "$out/single.csv"

# The same medians as a Markdown table for the docs (table.md): ratios to
# R0, the longest module hold and the worst fork() p99 of the N's batches.
awk -F, '
	NR == 1 { next }
	{ if (!($1 in seen)) { seen[$1] = 1; ns[++k] = $1 }
	  r[$1, $2] = $6; ps[$1, $2] = $5; pc[$1, $2] = $10
	  if ($9 + 0 > hold[$1] + 0) hold[$1] = $9
	  if ($8 + 0 > p99[$1] + 0) p99[$1] = $8 }
	function cell(n, m) { return ((n, m) in r) ? sprintf("%.2f", r[n, m]) : "-" }
	function commas(x,   s) {
		s = sprintf("%d", x)
		while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
		return s
	}
	END {
		print "| N | R0 per s | R1 | batch | R2 zombiectl | zombiectl-all | write1 | write16 | prewrite64 (per carrier) | open | longest hold (ms) | worst fork() p99 (ms) |"
		print "|---|---|---|---|---|---|---|---|---|---|---|---|"
		for (i = 1; i <= k; i++) {
			n = ns[i]
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s%s | %s | %.2f | %.1f |\n", commas(n),
				((n, "waitpid") in ps) ? commas(ps[n, "waitpid"]) : "-",
				cell(n, "subreaper"), cell(n, "batch"), cell(n, "zombiectl"),
				cell(n, "zombiectl-all"), cell(n, "write1"), cell(n, "write16"),
				cell(n, "prewrite64"),
				((n, "prewrite64") in pc) ? sprintf(" (%.0f)", pc[n, "prewrite64"]) : "",
				cell(n, "open"), hold[n], p99[n]
		}
	}' "$out/summary.csv" >"$out/table.md"
echo "# as Markdown ($out/table.md):"
sed 's/^/#   /' "$out/table.md"

# The plot: throughput ratio, the longest fork() stall and the fork() p99
# (a target) against N, one line per method (plot.dat: a block per method,
# in the order of the table).
if command -v gnuplot >/dev/null; then
	awk -F, 'NR > 1 { if (!($2 in b)) { b[$2] = ++k; name[k] = $2 }
		rows[b[$2]] = rows[b[$2]] $1 " " $6 " " $7 " " $8 "\n" }
		END { for (i = 1; i <= k; i++) printf "# %s\n%s\n\n", name[i], rows[i] }' \
		"$out/summary.csv" >"$out/plot.dat"
	methods=$(awk -F, 'NR > 1 && !s[$2]++ { printf "%s ", $2 }' "$out/summary.csv")
	gnuplot <<-EOF 2>"$out/gnuplot.log" || echo "# gnuplot failed: see $out/gnuplot.log"
		set terminal png size 1500,450
		set output "$out/bench.png"
		set key below horizontal
		set logscale x
		set xlabel "zombies under one parent"
		set grid
		methods = "$methods"
		set multiplot layout 1,3 title "reap-zombie: make bench, every figure from the same guest boot"
		set logscale y
		set ylabel "throughput / R0 (the parent's waitpid() loop)"
		plot for [i=1:words(methods)] "$out/plot.dat" index (i-1) using 1:2 with linespoints title word(methods, i)
		unset logscale y
		set yrange [0:*]
		set ylabel "longest fork() during the batch (ms)"
		plot for [i=1:words(methods)] "$out/plot.dat" index (i-1) using 1:3 with linespoints title word(methods, i)
		set ylabel "fork() p99 during the batch (ms)"
		plot for [i=1:words(methods)] "$out/plot.dat" index (i-1) using 1:4 with linespoints title word(methods, i)
		unset multiplot
	EOF
fi

# The targets of the project (README, Performance), each a PASS or MISS
# line with what was measured; a target whose N was not measured is
# SKIPped.
single() { awk -F, -v w="$1" -v f="$2" '$1 == w { print $f }' "$out/single.csv"; }
met=0 judged=0
target() { # OK TEXT
	judged=$((judged + 1))
	if [ "$1" = 0 ]; then
		met=$((met + 1))
		echo "# PASS: $2"
	else
		echo "# MISS: $2"
	fi
}
# field F of the summary row of N and method M
col() { awk -F, -v n="$1" -v m="$2" -v f="$3" '$1 == n && $2 == m { print $f }' "$out/summary.csv"; }
ge() { awk -v r="$1" -v t="$2" 'BEGIN { exit !(r + 0 >= t + 0) }'; }
ratio_target() { # N METHOD COLUMN MIN TEXT
	local r
	r=$(col "$1" "$2" "$3")
	if [ -z "$r" ] || [ "$r" = 0.0000 ]; then
		echo "# SKIP: $5 (not measured at N = $1)"
		return
	fi
	ge "$r" "$4"
	target $? "$5 at N = $1: ${r} x (>= $4)"
}
for n in 10000 30000; do
	ratio_target "$n" zombiectl 6 0.8 "R2 zombiectl reap --children-of --force / R0 waitpid"
done
ratio_target 10000 zombiectl-all 6 0.4 "zombiectl reap --all --force / R0 waitpid"
while read -r n; do
	ratio_target "$n" batch 11 0.9 "batch (raw listing + PID:START writes) / R1 subreaper"
done < <(awk -F, 'NR > 1 && $2 == "batch" { print $1 }' "$out/summary.csv")
# What a tool that opens and writes one file per zombie pays at least:
# the opens, and the module's part (the writes to files opened before).
o=$(col 10000 open 6) w=$(col 10000 prewrite64 6)
if [ -n "$o" ] && [ -n "$w" ] && ge "$o" 0.0001 && ge "$w" 0.0001; then
	awk -v o="$o" -v w="$w" 'BEGIN { printf "#   (one file per zombie, at 10,000: the opens alone ran at %.3f x, the writes to files opened before at %.3f x; both together cannot beat %.3f x)\n", o, w, 1 / (1 / o + 1 / w) }'
fi
t_true=$(single true 3) t_z=$(single zombiectl 3) t_w=$(single write 3) t_wp=$(single waitpid 3)
if [ -n "$t_true" ] && [ -n "$t_z" ]; then
	echo "#   (not a target: one zombiectl reap PID, median ${t_z} us; /bin/true ${t_true} us)"
fi
if [ -n "$t_w" ] && [ -n "$t_wp" ]; then
	awk -v w="$t_w" -v p="$t_wp" 'BEGIN { exit !(w <= 10 * p) }'
	target $? "one write() of the self form: median ${t_w} us <= 10 x the parent's own waitpid() (${t_wp} us)"
fi
# the worst run of all (or of the methods named, a regular expression),
# and which it was
worst() { # COLUMN-OF-batches.csv [METHODS]
	awk -F, -v f="$1" -v re="^(${2:-.*})\$" 'NR > 1 && $2 ~ re && (w == "" || $f + 0 > m + 0) { m = $f; w = $2 " at N = " $1 ", run " $3 } END { if (w != "") print m + 0, w }' "$out/batches.csv"
}
read -r hold hold_at <<<"$(worst 8)"
awk -v h="$hold" 'BEGIN { exit !(h <= 1) }'
target $? "longest tasklist_lock hold by the module at any N: ${hold} ms (<= 1 ms; $hold_at)"
read -r p99 p99_at <<<"$(worst 7)"
read -r bp99 bp99_at <<<"$(worst 7 'batch|zombiectl|zombiectl-all')"
awk -v p="$p99" 'BEGIN { exit !(p <= 10) }'
target $? "fork() p99 during every batch: worst ${p99} ms (<= 10 ms; $p99_at; of the batch form's: ${bp99:--} ms, ${bp99_at:--})"
echo "# targets: $met of $judged met"
echo "# written: $out/batches.csv $out/summary.csv $out/single.csv $out/table.md $([ -s "$out/bench.png" ] && echo "$out/bench.png")"
