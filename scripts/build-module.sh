#!/bin/bash
# Build reap_zombie.ko for one kernel out of the source tree, so that
# several kernels can be built side by side.
#   build-module.sh KVER OUTDIR    prints the path of the .ko
set -euo pipefail
. "$(dirname "$0")/common.sh"
kver=$1 out=$2
rm -rf "$out/src"
mkdir -p "$out/src/kmod"
cp "$top"/kmod/*.[ch] "$top"/kmod/Kbuild "$top"/kmod/Makefile "$out/src/kmod/"
rm -f "$out"/src/kmod/*.mod.c
cp "$top/VERSION" "$out/src/"
make -s -C "$out/src/kmod" KDIR="/usr/src/linux-headers-$kver" >"$out/build.log" 2>&1 ||
	{ cat "$out/build.log" >&2; die "module build failed for $kver"; }
echo "$out/src/kmod/reap_zombie.ko"
