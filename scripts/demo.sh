#!/bin/bash
# make demo: set up, build, boot a guest and show zombies reaped in place.
set -euo pipefail
. "$(dirname "$0")/common.sh"
kver=$("$top/scripts/setup.sh")
out=$build/demo
mkdir -p "$out"
ko=$("$top/scripts/build-module.sh" "$kver" "$out")
gcc -O2 -Wall -static -o "$out/stuck-parent" "$top/tests/guest/stuck-parent.c"
make -s -C "$top/user" build/zombiectl
RZ_EXTRA_BIN="$out/stuck-parent $top/user/build/zombiectl" "$top/scripts/mkinitramfs.sh" "$out/initrd.gz" \
	"$top/tests/guest/init" "$ko" "$top/tests/guest/demo.sh"
log "booting Debian $kver under QEMU (TCG, a few seconds)..."
RZ_APPEND=quiet "$top/scripts/run-qemu.sh" "$cache/kernels/$kver/vmlinuz" "$out/initrd.gz" "$out" 300 ||
	die "the guest failed; see $out/console.log"
# On a terminal: headings bold (from the guest), what matters in green;
# elsewhere plain text.
filter() {
	if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
		sed -E 's/^(reaped pid .*|started|reap_zombie unloaded|The parent is untouched.*)$/\x1b[32m\1\x1b[0m/'
	else
		sed 's/\x1b\[[0-9;]*m//g'
	fi
}
sed -e 's/\r$//' -e '/^# /d' "$out/tap.log" | filter
