# Shared by the scripts that build and boot arm64 guests (sourced after
# common.sh): which architecture a kernel is for, and where its files live.
# shellcheck shell=bash disable=SC2154

# The arm64 kernel series setup-arm64.sh knows: the suite whose
# linux-image-arm64 names the version. Another series is one more entry
# (and, for a new release, its suites in arm64_sources).
# shellcheck disable=SC2034
declare -A arm64_suite=([6.1-arm64]=bookworm [6.12-arm64]=bookworm-backports)
# The suites each private arm64 configuration lists (its release's security
# suite is added by arm64_apt_private).
declare -A arm64_sources=(
	[bookworm]="bookworm bookworm-updates"
	[bookworm-backports]="bookworm bookworm-updates bookworm-backports"
)

# kver_arch KVER: arm64 for a kernel version ending in -arm64, else amd64.
kver_arch() {
	case $1 in *-arm64) echo arm64 ;; *) echo amd64 ;; esac
}

# Where setup-arm64.sh puts an arm64 kernel's files: the image, the two
# virtio modules the guest needs, busybox and the extracted headers.
arm64_kdir() { echo "$cache/kernels/$1/root/usr/src/linux-headers-$1"; }
arm64_busybox() { echo "$cache/kernels/$1/busybox"; }
# (the modules: those of the two that the kernel does not build in)
arm64_boot_modules() { ls "$cache/kernels/$1/modules/"*.ko 2>/dev/null; }

# The cross tools.
arm64_cross=aarch64-linux-gnu-

# arm64_apt_opts SUITE: apt-get/apt-cache options of the private arm64
# configuration of SUITE (amd64 too, as a second architecture, for the
# host's linux-kbuild of the same version). Its own empty dpkg status: no
# package of this machine counts as installed there. No Default-Release: it
# would rank the release above its security suite (bookworm's
# linux-image-arm64 comes from bookworm-security); setup-arm64.sh names a
# backports version itself.
arm64_apt_opts() {
	local d=$cache/apt/arm64-$1
	echo "-o Dir::Etc::SourceList=$d/sources.list -o Dir::Etc::SourceParts=$d/none" \
		"-o Dir::State::Lists=$d/lists -o Dir::Cache=$d/cache -o Dir::State::status=$d/status" \
		"-o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o APT::Architectures::=amd64"
}

# arm64_apt_private SUITE: write that configuration (the archive addresses
# of this machine's own apt sources) and update its lists.
arm64_apt_private() {
	local d=$cache/apt/arm64-$1 s uri sec
	uri=$(debian_uri) || return 1
	sec=$(apt_uri "$codename-security" | head -n1)
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/none"
	[ -e "$d/status" ] || : >"$d/status"
	: >"$d/sources.list.new"
	for s in ${arm64_sources[$1]}; do
		echo "deb $uri $s main" >>"$d/sources.list.new"
	done
	[ -z "$sec" ] || echo "deb ${sec%/} ${1%%-*}-security main" >>"$d/sources.list.new"
	mv "$d/sources.list.new" "$d/sources.list"
	# shellcheck disable=SC2046
	apt-get $(arm64_apt_opts "$1") update -qq >&2
}
