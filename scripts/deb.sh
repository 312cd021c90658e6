#!/bin/bash
# make deb: build reap-zombie-dkms and zombiectl with debhelper from a clean
# copy of the tree; the .debs and lintian's report land in build/deb.
set -euo pipefail
. "$(dirname "$0")/common.sh"
out=$build/deb
rm -rf "$out"
mkdir -p "$out/src"
copy_tree "$out/src" || die "cannot copy the tree into $out/src"
(cd "$out/src" && dpkg-buildpackage -us -uc -b -J"$(nproc)" >"$out/build.log" 2>&1) ||
	{ tail -n 40 "$out/build.log" >&2; die "dpkg-buildpackage failed"; }
ls "$out"/*.deb
