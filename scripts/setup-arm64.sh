#!/bin/bash
# setup.sh for arm64 guests, booted under qemu-system-aarch64 (TCG) from
# this amd64 machine. Idempotent; safe to run every time.
#   setup-arm64.sh [SERIES]    6.1-arm64 (default: bookworm's
#                              linux-image-arm64); 6.12-arm64
#                              (bookworm-backports), see arm64_suite
# Installs the cross compilers and QEMU; through a private arm64 apt
# configuration under the cache (never /etc/apt) fetches into
# .cache/kernels/KVER/: vmlinuz (an uncompressed Image), the virtio_mmio and
# virtio_console modules the guest's TAP channel needs (modules/), the
# arm64 busybox-static binary (busybox), and the headers with the host's
# (amd64) linux-kbuild of the same version, extracted into root/ with their
# Makefile's include pointed there.
# Prints the kernel version (e.g. 6.1.0-57-arm64) on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/arm64.sh"
series=${1:-6.1-arm64}
suite=${arm64_suite[$series]:-}
[ -n "$suite" ] || die "unknown kernel series $series (known: ${!arm64_suite[*]})"

export DEBIAN_FRONTEND=noninteractive
need_pkgs qemu-system-arm gcc-aarch64-linux-gnu g++-aarch64-linux-gnu pahole \
	binutils-aarch64-linux-gnu libc6-dev-arm64-cross libcli11-dev \
	make cpio gzip kmod xz-utils
if ! arm64_apt_private "$suite"; then
	compgen -G "$cache/apt/arm64-$suite/lists/*_Packages*" >/dev/null ||
		die "cannot reach the archive for arm64 $suite"
	log "warning: apt update for arm64 $suite failed; using the lists of the last run"
fi
read -r -a opts <<<"$(arm64_apt_opts "$suite")"

meta=linux-image-arm64
case $suite in *-*)	# a suite on top of its release: its own version
	v=$(apt-cache "${opts[@]}" madison linux-image-arm64 |
		awk -F'|' -v s="$suite" '$3 ~ " "s"/" {gsub(/ /, "", $2); print $2; exit}')
	[ -n "$v" ] || die "no linux-image-arm64 in $suite"
	meta=linux-image-arm64=$v ;;
esac
kpkg=$(apt-cache "${opts[@]}" depends "$meta" 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$kpkg" ] || die "cannot resolve $meta to a kernel package"
kver=${kpkg#linux-image-}
[ "$(kver_arch "$kver")" = arm64 ] || die "$kpkg is not an arm64 kernel"
kdir=$cache/kernels/$kver
mkdir -p "$kdir"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"	# apt downloads as _apt
# fetch PACKAGE[=VERSION|:ARCH]...: download into a fresh folder of $tmp,
# extract them all there; prints the folder the files are in.
fetch() {
	local d
	d=$(mktemp -d -p "$tmp")
	chmod 777 "$d"
	(cd "$d" && apt-get "${opts[@]}" download -qq "$@" >&2) || die "cannot download $*"
	ls "$d"/*.deb >/dev/null 2>&1 || die "cannot download $*"
	mkdir "$d/x"
	for deb in "$d"/*.deb; do
		dpkg-deb -x "$deb" "$d/x"
	done
	echo "$d/x"
}

if [ ! -s "$kdir/vmlinuz" ] || [ ! -e "$kdir/modules/.complete" ]; then
	log "fetching $kpkg (arm64)"
	x=$(fetch "$kpkg")
	m=$x/lib/modules/$kver/kernel/drivers
	cfg=$x/boot/config-$kver
	[ -s "$x/boot/vmlinuz-$kver" ] || die "no vmlinuz in $kpkg"
	[ -s "$cfg" ] || die "no config in $kpkg"
	rm -rf "$kdir/modules"
	mkdir -p "$kdir/modules"
	# the guest's TAP channel, unless built in; busybox's insmod takes
	# them uncompressed (6.12's are .ko.xz)
	for f in virtio/virtio_mmio char/virtio_console; do
		n=$(basename "$f")
		o=$kdir/modules/$n.ko
		if [ -s "$m/$f.ko" ]; then
			cp "$m/$f.ko" "$o"
		elif [ -s "$m/$f.ko.xz" ]; then
			xz -dc "$m/$f.ko.xz" >"$o"
		elif [ -s "$m/$f.ko.zst" ]; then
			zstd -qdc "$m/$f.ko.zst" >"$o"
		elif ! grep -qx "CONFIG_${n^^}=y" "$cfg"; then
			die "$n is neither a module in $kpkg nor built in"
		fi
	done
	touch "$kdir/modules/.complete"
	cp "$cfg" "$kdir/config"
	mv "$x/boot/vmlinuz-$kver" "$kdir/vmlinuz"
fi

if [ ! -s "$kdir/busybox" ]; then
	log "fetching busybox-static (arm64)"
	x=$(fetch busybox-static)
	[ -s "$x/bin/busybox" ] || die "no bin/busybox in busybox-static"
	install -m 755 "$x/bin/busybox" "$kdir/busybox"
fi

hdr=linux-headers-$kver
root=$kdir/root
if [ ! -e "$root/.complete" ]; then
	hver=$(apt-cache "${opts[@]}" show "$kpkg" | awk '/^Version:/ {print $2; exit}')
	deps=$(apt-cache "${opts[@]}" depends "$hdr=$hver" 2>/dev/null)
	common=$(awk '/Depends: linux-headers-.*-common/ {print $2; exit}' <<<"$deps")
	kbuild=$(awk '/Depends: linux-kbuild-/ {sub(/:.*/, "", $2); print $2; exit}' <<<"$deps")
	{ [ -n "$common" ] && [ -n "$kbuild" ]; } || die "cannot resolve the dependencies of $hdr=$hver"
	log "fetching $hdr $common (arm64) and $kbuild (amd64, for this machine) $hver"
	x=$(fetch "$hdr=$hver" "${common%:*}=$hver" "$kbuild:amd64=$hver")
	rm -rf "$root"
	mv "$x" "$root"
	[ -f "$root/usr/src/$hdr/Makefile" ] || die "no Makefile in $hdr"
	[ -x "$root/usr/src/$hdr/scripts/basic/fixdep" ] ||
		die "the headers' scripts/ do not lead to $kbuild's (amd64)"
	touch "$root/.complete"
fi
# The Makefile includes the common headers' by absolute path: point it into
# the root, by its real path (the cache may be reached through a symlink
# that another checkout does not share); again on every run, in case the
# cache has moved.
real=$(cd -P "$root" && pwd)
sed -i "s|^include .*/usr/src/\(linux-headers-[^/]*-common/\)|include $real/usr/src/\1|" \
	"$root/usr/src/$hdr/Makefile"
grep -q "^include $real/usr/src/" "$root/usr/src/$hdr/Makefile" ||
	die "cannot point $hdr's Makefile at $real"
log "arm64 kernel $kver: $kdir"
echo "$kver"
