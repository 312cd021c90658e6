#!/bin/bash
# The QEMU that the suite's multi-threaded TCG boots use, fetched once into
# the cache and unpacked there (nothing is installed): bookworm-backports'
# qemu-system-x86, through the private apt configuration of common.sh.
#   qemu-mttcg.sh    prints the path of its qemu-system-x86_64
#
# Why not bookworm's own QEMU 7.2: under multi-threaded TCG (every vCPU on
# its own host thread) it keeps running translations of kernel code that a
# kprobe's registration or removal has rewritten on another vCPU. A guest
# then spins on an int3 that memory no longer holds (soft lockups at
# proc_pident_lookup+0x0) or jumps to 0 (oops in getdents64), with a
# module whose kprobe handlers do nothing (tests/control): issue 12, and
# docs/testing.md for the runs. With QEMU 10.0 the same runs are clean.
set -euo pipefail
. "$(dirname "$0")/common.sh"
suite=bookworm-backports
dir=$cache/qemu-mttcg
bin=$dir/root/usr/bin/qemu-system-x86_64
if [ ! -x "$bin" ] || ! "$bin" --version >/dev/null 2>&1; then
	apt_private "$suite" || die "cannot reach $suite"
	read -r -a opts <<<"$(apt_opts "$suite")"
	v=$(suite_version "$suite" qemu-system-x86)
	[ -n "$v" ] || die "no qemu-system-x86 in $suite"
	rm -rf "$dir"
	mkdir -p "$dir/debs"
	(cd "$dir/debs" && apt-get "${opts[@]}" download -qq "qemu-system-x86=$v" \
		"qemu-system-common=$v" "qemu-system-data=$v" >&2)
	for deb in "$dir"/debs/*.deb; do
		dpkg-deb -x "$deb" "$dir/root"
	done
	rm -rf "$dir/debs"
	missing=$(ldd "$bin" | awk '/not found/ {print $1}')
	[ -z "$missing" ] || die "qemu $v from $suite needs libraries this machine lacks: $missing"
fi
echo "$bin"
