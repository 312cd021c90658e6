#!/bin/bash
# Build a busybox initramfs for the test guest.
#   mkinitramfs.sh OUT.cpio.gz INIT MODULE.ko [TEST-PROGRAM...]
# The test programs go to /tests/ and are run in order by INIT; programs
# listed in $RZ_EXTRA_BIN go to /bin/.
# RZ_BUSYBOX: the busybox binary (default this machine's, from
# busybox-static: no shared libraries needed; arm64 guests take the one
# setup-arm64.sh fetched). RZ_BOOT_MODULES: modules INIT loads first, in
# this order (an arm64 guest's virtio_mmio and virtio_console: its TAP
# channel); they go to /lib/boot/, apart from the module under test.
set -euo pipefail
out=$1 init=$2 module=$3
shift 3
busybox=${RZ_BUSYBOX:-/bin/busybox}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib,tests}
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 755 "$init" "$root/init"
# under the module's own name (a DKMS-built copy may be named otherwise)
name=$(/sbin/modinfo -F name "$module" 2>/dev/null) || name=
install -m 644 "$module" "$root/lib/${name:-$(basename "$module" .ko)}.ko"
i=0
for m in ${RZ_BOOT_MODULES:-}; do
	mkdir -p "$root/lib/boot"
	install -m 644 "$m" "$root/lib/boot/$i-$(basename "$m")"
	i=$((i + 1))
done
for b in ${RZ_EXTRA_BIN:-}; do
	install -m 755 "$b" "$root/bin/$(basename "$b")"
done
for t in "$@"; do
	install -m 755 "$t" "$root/tests/$(basename "$t")"
done
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out"
