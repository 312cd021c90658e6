#!/bin/bash
# Install what building and testing need on a Debian 12 machine, and fetch
# the guest kernel into the cache. Idempotent; safe to run every time.
#   setup.sh [SERIES]    (default 6.1: bookworm's linux-image-amd64)
# Prints the kernel version (e.g. 6.1.0-56-amd64) on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"
series=${1:-6.1}
meta=${kernel_meta[$series]:-}
[ -n "$meta" ] || die "unknown kernel series $series"

export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" = 0 ]; then
	apt-get update -qq >&2 || log "warning: apt-get update failed"
fi
kpkg=$(apt-cache depends "$meta" 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$kpkg" ] || die "cannot resolve $meta to a kernel package"
kver=${kpkg#linux-image-}

pkgs=(qemu-system-x86 busybox-static cpio gzip gcc g++ make libc6-dev
	libcli11-dev doctest-dev clang-format
	dkms dh-dkms debhelper dpkg-dev lintian man-db
	linux-headers-amd64 "linux-headers-$kver")
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing: ${missing[*]}"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

kdir=$cache/kernels/$kver
if [ ! -s "$kdir/vmlinuz" ]; then
	log "fetching $kpkg"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -qq "$kpkg" >&2 2>/dev/null ||
		apt-get download "$kpkg" >&2)
	mkdir -p "$kdir"
	dpkg-deb --fsys-tarfile "$tmp"/"$kpkg"_*.deb |
		tar -x -C "$tmp" "./boot/vmlinuz-$kver" "./boot/config-$kver"
	mv "$tmp/boot/config-$kver" "$kdir/config"
	mv "$tmp/boot/vmlinuz-$kver" "$kdir/vmlinuz"
fi
[ -d "/usr/src/linux-headers-$kver" ] || die "headers for $kver missing"
echo "$kver"
