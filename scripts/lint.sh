#!/bin/bash
# Style checks, as TAP: checkpatch (--no-tree) on every kmod/ source and on
# the control module of tests/control, clang-format on user/, and the
# version stamped in dkms.conf.
# checkpatch.pl comes from Debian's linux-source-6.1, cached.
#   scripts/lint.sh   writes build/results/lint.counts
set -uo pipefail
. "$(dirname "$0")/common.sh"
cp_dir=$cache/checkpatch
if [ ! -x "$cp_dir/checkpatch.pl" ]; then
	log "fetching checkpatch.pl from linux-source-6.1"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -qq linux-source-6.1 >&2) || die "cannot download linux-source-6.1"
	dpkg-deb --fsys-tarfile "$tmp"/linux-source-6.1_*.deb |
		tar -x -C "$tmp" --wildcards './usr/src/linux-source-*.tar.xz'
	mkdir -p "$cp_dir"
	tar -xJf "$tmp"/usr/src/linux-source-*.tar.xz -C "$tmp" --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
	cp "$tmp"/linux-source-*/scripts/{checkpatch.pl,spelling.txt,const_structs.checkpatch} "$cp_dir/"
fi
pass=0 fail=0
for f in "$top"/kmod/*.[ch] "$top"/tests/control/*.c; do
	case "$f" in *.mod.c) continue ;; esac
	rel=${f#"$top"/}
	if out=$("$cp_dir/checkpatch.pl" --no-tree --strict --quiet --show-types \
		--ignore FILE_PATH_CHANGES --file "$f" 2>&1); then
		echo "ok - checkpatch --strict: $rel"
		pass=$((pass + 1))
	else
		echo "not ok - checkpatch --strict: $rel"
		printf '%s\n' "$out" | sed 's/^/# /'
		fail=$((fail + 1))
	fi
done
for f in "$top"/user/src/*.[ch]pp "$top"/user/tests/*.[ch]pp; do
	rel=${f#"$top"/}
	if clang-format --dry-run --Werror --style=file:"$top/user/.clang-format" "$f" >/dev/null 2>&1; then
		echo "ok - clang-format: $rel"
		pass=$((pass + 1))
	else
		echo "not ok - clang-format: $rel (run: make -C user format)"
		fail=$((fail + 1))
	fi
done
ver=$(cat "$top/VERSION")
if grep -qx "PACKAGE_VERSION=\"$ver\"" "$top/dkms.conf"; then
	echo "ok - dkms.conf PACKAGE_VERSION is VERSION ($ver)"
	pass=$((pass + 1))
else
	echo "not ok - dkms.conf PACKAGE_VERSION is VERSION ($ver)"
	fail=$((fail + 1))
fi
mkdir -p "$build/results"
echo "$pass $fail" >"$build/results/lint.counts"
