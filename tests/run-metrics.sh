#!/bin/bash
# zombiectl metrics and watch on this host (no module needed), as TAP:
# promtool check metrics on real `zombiectl metrics` output, then a real
# node_exporter, started here on 127.0.0.1 with only its textfile
# collector, serving the textfile that `zombiectl watch` rewrites.
#   tests/run-metrics.sh [ZOMBIECTL]    writes build/results/metrics.counts
# promtool and node_exporter come from Debian's prometheus and
# prometheus-node-exporter packages, fetched with apt-get download and
# unpacked under .cache/prometheus: never installed, their services never
# started.
set -uo pipefail
. "$(dirname "$0")/../scripts/common.sh"
zctl=${1:-$top/user/build/zombiectl}
out=$build/metrics
rm -rf "$out"
mkdir -p "$out/textfile" "$build/results"
pass=0 fail=0
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap cleanup EXIT
trap "exit 130" INT TERM HUP

need_pkgs curl >/dev/null 2>&1 || log "warning: cannot install curl"

# unpacked PACKAGE: unpack the archive's current PACKAGE under the cache
# (once per version) and print the directory.
unpacked() {
	local pkg=$1 ver d
	ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		apt-get update -qq >&2 || log "warning: apt-get update failed"
		ver=$(apt-cache policy "$pkg" | awk '$1 == "Candidate:" { print $2 }')
	fi
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || { log "no $pkg in the apt sources"; return 1; }
	d=$cache/prometheus/${pkg}_${ver//:/%3a}
	if [ ! -e "$d/.done" ]; then
		rm -rf "$d" && mkdir -p "$d/deb" || return 1
		(cd "$d/deb" && apt-get download -qq -o APT::Sandbox::User=root "$pkg=$ver") >&2 || return 1
		dpkg -x "$d"/deb/*.deb "$d/root" && rm -rf "$d/deb" && touch "$d/.done" || return 1
	fi
	echo "$d/root"
}

# zombies on this host: three of a parent whose comm needs escaping in a
# label ("z\"q\\b": a quote and a backslash), which never waits
odd=$out/'z"q\b'
cp /bin/sleep "$odd"
# (children that exit after the exec: bash would reap them itself)
bash -c 'for i in 1 2 3; do /bin/sleep 0.3 & done; exec "$0" 120' "$odd" &
parent=$!
pids+=("$parent")
sleep 1
zombies_of() { # zombies_of PID: how many zombie children /proc shows
	local n=0 s line st pp
	for s in /proc/[0-9]*/stat; do
		{ read -r line <"$s"; } 2>/dev/null || continue
		read -r st pp _ <<<"${line##*) }"
		[ "$st" = Z ] && [ "$pp" = "$1" ] && n=$((n + 1))
	done
	echo "$n"
}
t "a parent here has 3 zombie children (comm with a quote and a backslash)" \
	test "$(zombies_of "$parent")" = 3

t "zombiectl metrics exits 0" bash -c "'$zctl' metrics >'$out/metrics.prom'"
prom=$(unpacked prometheus 2>"$out/prometheus-fetch.log") || cat "$out/prometheus-fetch.log" >&2
t "promtool from Debian's prometheus package, unpacked under .cache" test -x "${prom:-/nonexistent}/usr/bin/promtool"
promtool_clean() {
	"$prom/usr/bin/promtool" check metrics <"$out/metrics.prom" 2>&1 | tee "$out/promtool.log"
	[ "${PIPESTATUS[0]}" = 0 ] && [ ! -s "$out/promtool.log" ]
}
t "promtool check metrics: zombiectl metrics output is clean" promtool_clean
# sample NAME [LABEL-MATCH] FILE: the value of the first sample
sample() {
	awk -v n="$1" -v l="$2" '($1 == n && l == "") ||
		(l != "" && index($1, n "{") == 1 && index($1, l)) { print $NF; exit }' "$3"
}
every_metric() { # every metric of design.md's list, with HELP and TYPE
	local m
	for m in reap_zombie_zombies reap_zombie_zombies_by_parent reap_zombie_oldest_zombie_seconds \
		reap_zombie_tasks reap_zombie_pid_max reap_zombie_module_loaded reap_zombie_module_enabled; do
		grep -q "^# HELP $m " "$1" && grep -q "^# TYPE $m " "$1" || { echo "missing: $m"; return 1; }
	done
	[ "$(sample reap_zombie_pid_max "" "$1")" = "$(cat /proc/sys/kernel/pid_max)" ] ||
		{ echo "pid_max $(sample reap_zombie_pid_max "" "$1") != $(cat /proc/sys/kernel/pid_max)"; return 1; }
	# no module on this host
	[ "$(sample reap_zombie_module_loaded "" "$1")" = 0 ] || { echo "module_loaded is not 0"; return 1; }
	! grep -q '^reap_zombie_reaped_total' "$1" || { echo "reaped_total without the module"; return 1; }
}
t "metrics: every family with HELP and TYPE, pid_max as /proc says, module_loaded 0" every_metric "$out/metrics.prom"
by_parent() { # by_parent FILE: our parent's sample is 3, its comm escaped
	local v
	v=$(sample reap_zombie_zombies_by_parent "ppid=\"$parent\"" "$1")
	grep "ppid=\"$parent\"" "$1"
	[ "$v" = 3 ] && grep -qF 'comm="z\"q\\b"' "$1" &&
		[ "$(sample reap_zombie_zombies "" "$1")" -ge 3 ]
}
t "metrics: reap_zombie_zombies_by_parent{ppid=\"$parent\",comm=\"z\\\"q\\\\b\"} 3, reap_zombie_zombies >= 3" by_parent "$out/metrics.prom"

# In a pid namespace with its own /proc: only what that /proc shows. Its
# pid 1 (bash) starts pid 2, which makes two zombies and never waits; the
# three of the parent above, outside, must not count.
pidns() {
	unshare --pid --fork --mount-proc bash -c '
		sh -c "for i in 1 2; do /bin/sleep 0.2 & done; exec /bin/sleep 10" &
		sleep 1.5
		"$0" metrics' "$zctl" >"$out/pidns.prom" || return 1
	grep -v '^#' "$out/pidns.prom"
	[ "$(sample reap_zombie_zombies "" "$out/pidns.prom")" = 2 ] &&
		[ "$(sample reap_zombie_zombies_by_parent 'ppid="2"' "$out/pidns.prom")" = 2 ] &&
		! grep -q "ppid=\"$parent\"" "$out/pidns.prom" &&
		[ "$(sample reap_zombie_tasks "" "$out/pidns.prom")" -le 6 ]
}
t "metrics in a pid namespace counts what its /proc shows: 2 zombies of its pid 2, not the 3 outside, a handful of tasks" pidns
# zombiectl watch (no policy: observe only) and node_exporter
dir=$out/textfile
"$zctl" watch --interval 1s --textfile "$dir/zombiectl.prom" >"$out/watch.log" 2>&1 &
watch=$!
pids+=("$watch")
appears() { # appears FILE SECONDS
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
t "zombiectl watch --interval 1s --textfile DIR/zombiectl.prom writes it within 5 s" appears "$dir/zombiectl.prom" 5
rewritten() { # a new file (rename) within 3 intervals
	local i0 i
	i0=$(stat -c %i "$dir/zombiectl.prom") || return 1
	for ((i = 0; i < 30; i++)); do
		sleep 0.1
		[ "$(stat -c %i "$dir/zombiectl.prom" 2>/dev/null)" != "$i0" ] && return 0
	done
	echo "inode $i0 still there after 3 s"
	return 1
}
t "watch replaces the textfile (a new inode, by rename) within 3 s" rewritten
node=$(unpacked prometheus-node-exporter 2>"$out/node-fetch.log") || cat "$out/node-fetch.log" >&2
t "node_exporter from Debian's prometheus-node-exporter, unpacked under .cache" \
	test -x "${node:-/nonexistent}/usr/bin/prometheus-node-exporter"
port=
start_node() { # on a free port: try a few, the one that binds wins
	local i p np
	for ((i = 0; i < 10; i++)); do
		p=$((20000 + RANDOM % 40000))
		"$node/usr/bin/prometheus-node-exporter" --collector.disable-defaults \
			--collector.textfile --collector.textfile.directory="$dir" \
			--web.listen-address=127.0.0.1:$p >"$out/node_exporter.log" 2>&1 &
		np=$!
		pids+=("$np")
		for ((j = 0; j < 50; j++)); do
			if curl -sf "http://127.0.0.1:$p/metrics" -o /dev/null; then
				port=$p
				return 0
			fi
			kill -0 "$np" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$np" 2>/dev/null
	done
	cat "$out/node_exporter.log"
	return 1
}
t "node_exporter (textfile collector only) listens on 127.0.0.1" start_node
scraped() {
	curl -sf "http://127.0.0.1:$port/metrics" -o "$out/scrape.prom" || return 1
	grep '^reap_zombie_\|^node_textfile' "$out/scrape.prom"
	[ "$(sample node_textfile_scrape_error "" "$out/scrape.prom")" = 0 ] &&
		grep -q '^reap_zombie_zombies ' "$out/scrape.prom" &&
		grep -q '^reap_zombie_pid_max ' "$out/scrape.prom" &&
		by_parent "$out/scrape.prom"
}
t "node_exporter serves watch's reap_zombie_* samples (our parent's 3 zombies), node_textfile_scrape_error 0" \
	scraped
# only node_exporter's own families, and ours: the others are off
t "node_exporter runs only the textfile collector" bash -c \
	"[ -s '$out/scrape.prom' ] && ! grep -v '^#' '$out/scrape.prom' | grep -vE '^(reap_zombie_|node_textfile_|node_scrape_collector_|go_|process_|promhttp_|node_exporter_build_info)'"
stopped() {
	local rc left
	kill -TERM "$watch"
	wait "$watch"
	rc=$?
	cat "$out/watch.log"
	left=$(ls -A "$dir")
	echo "exit $rc; $dir holds: $left"
	[ "$rc" = 0 ] && [ "$left" = zombiectl.prom ]
}
t "SIGTERM: watch exits 0, and leaves only zombiectl.prom (no temporary file)" stopped
t "without a policy watch reaped nothing (the 3 zombies are still there)" \
	test "$(zombies_of "$parent")" = 3

echo "$pass $fail" >"$build/results/metrics.counts"
[ "$fail" = 0 ]
