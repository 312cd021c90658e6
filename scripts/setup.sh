#!/bin/bash
# Install what building and testing need on a Debian 12 machine, and fetch
# the guest kernel into the cache. Idempotent; safe to run every time.
#   setup.sh [SERIES]    6.1 (default: bookworm's linux-image-amd64),
#                        6.1-cloud (linux-image-cloud-amd64), 6.1-rt
#                        (linux-image-rt-amd64, PREEMPT_RT), 6.12
#                        (bookworm-backports), 7.3 (trixie-backports) or
#                        5.10 (bullseye and its updates and security
#                        suites), the last three through private apt
#                        configurations under the cache; the headers of 7.3
#                        (gcc-14) and of 5.10 (gcc-10, libssl1.1) go into a
#                        debootstrapped chroot of their release there.
# Prints the kernel version (e.g. 6.1.0-56-amd64) on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"
series=${1:-6.1}
case $series in *-arm64) exec "$(dirname "$0")/setup-arm64.sh" "$@" ;; esac
suite=${kernel_suite[$series]:-}
[ -n "$suite" ] || die "unknown kernel series $series"

export DEBIAN_FRONTEND=noninteractive
# RZ_NO_APT_UPDATE=1: the system's lists were just updated (make check sets
# the later kernels up in the background, beside other apt users)
if [ "$(id -u)" = 0 ] && [ -z "${RZ_NO_APT_UPDATE:-}" ]; then
	apt-get update -qq >&2 || log "warning: apt-get update failed"
fi
meta=${kernel_meta[$series]:-linux-image-amd64}
if [ "$suite" = system ]; then
	opts=()
else
	apt_private "$suite" || die "cannot reach $suite"
	read -r -a opts <<<"$(apt_opts "$suite")"
	case "$suite" in
	*-*) v=$(suite_version "$suite" "$meta") ;;	# a backports suite
	*) v=$(newest_version "$suite" "$meta") ;;	# a release of its own
	esac
	[ -n "$v" ] || die "no $meta in $suite"
	meta=$meta=$v
fi
kpkg=$(apt-cache "${opts[@]}" depends "$meta" 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$kpkg" ] || die "cannot resolve $meta to a kernel package"
kver=${kpkg#linux-image-}

pkgs=(qemu-system-x86 busybox-static cpio gzip gcc g++ make libc6-dev kmod
	libcli11-dev doctest-dev clang-format
	dkms dh-dkms debhelper dpkg-dev lintian man-db gnuplot-nox
	linux-headers-amd64)
hdr="linux-headers-$kver"
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing: ${missing[*]}"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
# The kernel's headers, from its own suite: on this machine when bookworm's
# compiler builds them (backports use bookworm's libraries), else in a
# chroot of their release.
release=${kernel_chroot[$series]:-}
if [ -z "$release" ]; then
	if ! dpkg-query -W -f='${Status}' "$hdr" 2>/dev/null | grep -q 'ok installed'; then
		log "installing: $hdr"
		apt-get "${opts[@]}" install -y -qq --no-install-recommends "$hdr" >&2
	fi
	[ -d "/usr/src/$hdr" ] || die "headers for $kver missing"
else
	root=$cache/chroots/$release
	if [ ! -x "$root/usr/bin/apt-get" ]; then
		dpkg-query -W -f='${Status}' debootstrap 2>/dev/null | grep -q 'ok installed' ||
			apt-get install -y -qq --no-install-recommends debootstrap >&2
		log "debootstrapping $release into $root"
		rm -rf "$root"
		debootstrap --variant=minbase "$release" "$root" "$(debian_uri)" >&2 ||
			die "debootstrap $release failed"
	fi
	if [ ! -d "$root/usr/src/$hdr" ]; then
		cp "$cache/apt/$suite/sources.list" "$root/etc/apt/sources.list"
		log "installing $hdr in the $release chroot"
		in_chroot "$root" /bin/sh -c "export DEBIAN_FRONTEND=noninteractive
			apt-get update -qq && apt-get install -y -qq --no-install-recommends \
			make binutils $hdr" >&2 || die "cannot install $hdr in $root"
	fi
fi

kdir=$cache/kernels/$kver
if [ ! -s "$kdir/vmlinuz" ]; then
	log "fetching $kpkg"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get "${opts[@]}" download -qq "$kpkg" >&2)
	# 7.x splits the image: vmlinuz is in linux-binary-<version>, under
	# /usr/lib/modules/<version>/ rather than /boot/
	listing=$(dpkg-deb -c "$tmp"/"$kpkg"_*.deb)
	if ! grep -q "boot/vmlinuz-$kver\$" <<<"$listing"; then
		(cd "$tmp" && apt-get "${opts[@]}" download -qq "linux-binary-$kver" >&2)
	fi
	mkdir -p "$kdir" "$tmp/x"
	for deb in "$tmp"/*.deb; do
		dpkg-deb -x "$deb" "$tmp/x"
	done
	for v in "$tmp/x/boot/vmlinuz-$kver" "$tmp/x/usr/lib/modules/$kver/vmlinuz"; do
		[ -s "$v" ] && mv "$v" "$kdir/vmlinuz"
	done
	[ -s "$kdir/vmlinuz" ] || die "no vmlinuz for $kver in $kpkg"
fi
echo "$kver"
