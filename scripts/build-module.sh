#!/bin/bash
# Build reap_zombie.ko for one kernel out of the source tree, so that
# several kernels can be built side by side; in the kernel's chroot when
# its headers live there (setup.sh).
#   build-module.sh KVER OUTDIR    prints the path of the .ko
# RZ_KDIR: build against this kernel build tree (e.g. the debug kernel's,
# scripts/debug-kernel.sh) instead of /usr/src/linux-headers-KVER.
# RZ_MODSRC: build the module in this folder instead of kmod/ (the control
# module of tests/control), with kmod/'s Makefile.
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/arm64.sh"
kver=$1 out=$2
src=${RZ_MODSRC:-$top/kmod}
mod=$(sed -n 's/^obj-m := \(.*\)\.o$/\1/p' "$src/Kbuild")
rm -rf "$out/src"
mkdir -p "$out/src/kmod"
cp "$src"/*.[ch] "$src"/Kbuild "$top"/kmod/Makefile "$out/src/kmod/"
rm -f "$out"/src/kmod/*.mod.c
cp "$top/VERSION" "$out/src/"
if [ "$(kver_arch "$kver")" = arm64 ]; then
	# cross-built against the headers setup-arm64.sh extracted
	kdir=${RZ_KDIR:-$(arm64_kdir "$kver")}
	[ -f "$kdir/Makefile" ] || die "no headers for $kver in $kdir (scripts/setup-arm64.sh)"
	make -s -C "$out/src/kmod" KDIR="$kdir" ARCH=arm64 CROSS_COMPILE="$arm64_cross" \
		>"$out/build.log" 2>&1 ||
		{ cat "$out/build.log" >&2; die "module build failed for $kver ($kdir, cross)"; }
	echo "$out/src/kmod/$mod.ko"
elif [ -n "${RZ_KDIR:-}" ] || [ -d "/usr/src/linux-headers-$kver" ]; then
	kdir=${RZ_KDIR:-/usr/src/linux-headers-$kver}
	[ -z "${RZ_KDIR:-}" ] || [ -f "$kdir/Module.symvers" ] ||
		die "RZ_KDIR=$kdir: no Module.symvers, not a built kernel tree"
	make -s -C "$out/src/kmod" KDIR="$kdir" >"$out/build.log" 2>&1 ||
		{ cat "$out/build.log" >&2; die "module build failed for $kver ($kdir)"; }
	echo "$out/src/kmod/$mod.ko"
elif root=$(chroot_for "$kver"); then
	# headers that need the chroot's compiler: build in there, in a
	# folder of this OUTDIR's (boots of one kernel may build side by side)
	b=/build/$kver-$(basename "$out")
	rm -rf "$root$b"
	mkdir -p "$root$b"
	cp -a "$out/src/." "$root$b/"
	in_chroot "$root" make -s -C "$b/kmod" KDIR="/usr/src/linux-headers-$kver" \
		>"$out/build.log" 2>&1 ||
		{ cat "$out/build.log" >&2; die "module build failed for $kver (in $root)"; }
	cp "$root$b/kmod/$mod.ko" "$out/src/kmod/"
	echo "$out/src/kmod/$mod.ko"
else
	die "no headers for $kver on this machine or in a chroot"
fi
