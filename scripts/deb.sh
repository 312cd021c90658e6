#!/bin/bash
# make deb: build reap-zombie-dkms and zombiectl with debhelper from a clean
# copy of the tree; the .debs and lintian's report land in build/deb.
set -euo pipefail
. "$(dirname "$0")/common.sh"
out=$build/deb
rm -rf "$out"
mkdir -p "$out/src"
# the files git knows of, as they are in the work tree
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			[ -e "$f" ] && cp --parents -t "$out/src" "$f"
		done)
else
	cp -a "$top"/. "$out/src/"
	rm -rf "$out/src/.cache" "$out/src/build" "$out/src/user/build"
fi
(cd "$out/src" && dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1) ||
	{ tail -n 40 "$out/build.log" >&2; die "dpkg-buildpackage failed"; }
ls "$out"/*.deb
