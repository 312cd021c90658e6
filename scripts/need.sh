#!/bin/bash
# need.sh WHAT...: before make compiles or installs anything, check that
# what WHAT needs is installed; if not, print ONE line naming the Debian
# packages on stdout and exit 1 (the top-level Makefile turns it into its
# error). make install never runs apt-get itself.
#   user     zombiectl: g++ (C++20), make, libcli11-dev, doctest-dev
#   kmod     the module: the headers of KVER (KDIR, default
#            /lib/modules/$KVER/build), gcc, make
#   dkms     dkms (dkms-add; dkms-build and dkms-install: dkms kmod)
#   deb      dpkg-checkbuilddeps against debian/control
# KVER, KDIR and CXX come from the environment (the top-level Makefile).
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kver=${KVER:-$(uname -r)}
kdir=${KDIR:-/lib/modules/$kver/build}
cxx=${CXX:-g++}
missing=()
have() { command -v "$1" >/dev/null 2>&1; }
add() { case " ${missing[*]} " in *" $1 "*) ;; *) missing+=("$1") ;; esac; }

need_user() {
	have make || add make
	if ! have "$cxx"; then
		add g++
	elif ! echo 'int main() { return __cplusplus >= 202002L ? 0 : 1; }' |
		"$cxx" -std=c++20 -fsyntax-only -x c++ - >/dev/null 2>&1; then
		add "g++ (C++20; $cxx cannot)"
	fi
	[ -f /usr/include/CLI/CLI.hpp ] || add libcli11-dev
	[ -f /usr/include/doctest/doctest.h ] || add doctest-dev
}
need_kmod() {
	have make || add make
	have gcc || add gcc
	[ -f "$kdir/Makefile" ] || add "linux-headers-$kver"
}
need_dkms() { have dkms || add dkms; }
need_deb() {
	local line
	if ! have dpkg-checkbuilddeps; then
		add dpkg-dev
		# Build-Depends of debian/control, as packages
		line=$(sed -n '/^Build-Depends:/,/^[^ ]/{s/^Build-Depends://;/^[^ ]/d;p}' \
			"$top/debian/control" | tr -d '\n')
	else
		line=$(cd "$top" && dpkg-checkbuilddeps 2>&1 >/dev/null |
			sed -n 's/.*Unmet build dependencies: //p')
	fi
	local d
	while read -r d; do
		d=${d%% (*}
		d=${d%%:*}
		case "$d" in
		"") continue ;;
		debhelper-compat) d=debhelper ;;
		dh-sequence-*) d=dh-${d#dh-sequence-} ;;
		build-essential) d=build-essential ;;
		esac
		add "$d"
	done < <(echo "$line" | sed 's/([^)]*)//g; s/|[^,]*//g' | tr ',' '\n' | tr -s ' ' | sed 's/^ //; s/ $//')
	have dpkg-checkbuilddeps && [ -n "$line" ] || return 0
	# dpkg-buildpackage itself runs make
	have make || add make
}

[ $# -gt 0 ] || { echo "usage: $0 user|kmod|dkms|deb..." >&2; exit 2; }
names=()
for what in "$@"; do
	case "$what" in
	user) names+=(zombiectl); need_user ;;
	kmod) names+=(reap_zombie.ko); need_kmod ;;
	dkms) names+=(dkms); need_dkms ;;
	deb) names+=("make deb"); need_deb ;;
	*) echo "usage: $0 user|kmod|dkms|deb..." >&2; exit 2 ;;
	esac
done
[ ${#missing[@]} -gt 0 ] || exit 0
pkgs=()
for p in "${missing[@]}"; do pkgs+=("${p%% *}"); done
name=$(printf '%s, ' "${names[@]}")
echo "${name%, }: missing build dependencies: ${missing[*]} — apt-get install ${pkgs[*]}"
exit 1
