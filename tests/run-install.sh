#!/bin/bash
# The README's "Installing" section, run literally in a minimal Debian 12
# (debootstrap --variant=minbase bookworm, cached pristine under
# .cache/install and copied for each route so that each starts minimal),
# as TAP:
#   - with only make installed, every install target stops with one line
#     naming what is missing, and compiles nothing;
#   - route "dkms": the README's blocks headers, dkms, secure-boot and
#     no-dkms, in that order; then zombiectl --version, dkms status, the
#     .ko's vermagic and its signature (dkms's own MOK key);
#   - route "deb": the blocks headers and deb, then the same checks.
# The commands are taken from the fenced blocks between <!-- install:begin
# --> and <!-- install:end --> (```sh TAG), so the README and this test
# cannot drift. Substituted: $(uname -r) by KVER (the chroot runs the host's
# kernel, which is not a Debian one), and KVER is in the environment for
# make (the Makefile's KVER ?= $(uname -r)); apt-get answers yes. Skipped
# (printed as TAP comments): modprobe lines (nothing may load a module into
# this machine's kernel: the chroot runs without CAP_SYS_MODULE in its
# bounding set, and modprobe/insmod are refusing stubs, diverted over
# kmod's) and mokutil lines (no EFI, no MokManager here: enrolling the key
# cannot be exercised).
#   tests/run-install.sh [KVER]    default: bookworm's linux-image-amd64
#   RZ_INSTALL_ROUTES="dkms deb"   the routes to run (side by side)
# writes build/results/install.counts
set -uo pipefail
. "$(dirname "$0")/../scripts/common.sh"
kver=${1:-}
if [ -z "$kver" ]; then
	kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	kver=${kpkg#linux-image-}
fi
[ -n "$kver" ] || die "cannot tell bookworm's kernel version (give KVER)"
routes=${RZ_INSTALL_ROUTES:-dkms deb}
ver=$(cat "$top/VERSION")
out=$build/install
base=$cache/install/bookworm-minbase
archives=$cache/install/archives
lists=$cache/install/lists
# never rm -rf through a bind mount (/dev, the cached lists) that a killed
# run left behind
unmount_under() { # DIR
	findmnt -rn -o TARGET | grep "^$1/" | sort -r | while read -r m; do umount "$m"; done
	! findmnt -rn -o TARGET | grep -q "^$1/"
}
unmount_under "$out" || die "cannot unmount what is mounted under $out"
rm -rf "$out"
mkdir -p "$out" "$build/results" "$archives/partial" "$lists/partial"
pass=0 fail=0
t_all=$(date +%s)
echo "# the README's install section in a minimal bookworm chroot, KVER=$kver"

# The pristine base, made once.
if [ ! -x "$base/usr/bin/apt-get" ]; then
	need_pkgs debootstrap
	t0=$(date +%s)
	rm -rf "$base.tmp"
	if debootstrap --variant=minbase bookworm "$base.tmp" "$(debian_uri)" >"$out/debootstrap.log" 2>&1; then
		mv "$base.tmp" "$base"
		echo "# debootstrapped $base in $(($(date +%s) - t0)) s"
	else
		tail -n 20 "$out/debootstrap.log" | sed 's/^/# /'
		echo "not ok - debootstrap --variant=minbase bookworm"
		echo "0 1" >"$build/results/install.counts"
		exit 1
	fi
fi

root=
umount_root() {
	[ -n "$root" ] || return 0
	unmount_under "$root"
}
trap umount_root EXIT

# ch COMMAND: run COMMAND with bash in the chroot, in the project's copy,
# without CAP_SYS_MODULE (bounding and inheritable sets: root's exec in the
# chroot cannot get it back).
ch() {
	local lock=()
	case "$1" in apt-get*) lock=(flock "$cache/install/apt.lock") ;; esac
	"${lock[@]}" setpriv --bounding-set -sys_module --inh-caps -sys_module \
		chroot "$root" /usr/bin/env -i HOME=/root LC_ALL=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive KVER="$kver" \
		/bin/bash -c "cd /root/reap-zombie && $1"
}

# fresh ROUTE: a throwaway copy of the base, ready for the README.
fresh() {
	umount_root
	root=$out/root-$1
	unmount_under "$root" || return 1
	rm -rf "$root"
	cp -a "$base" "$root" || return 1
	local uri sec
	uri=$(debian_uri)
	sec=$(apt_uri "$codename-security" | head -n1)
	{
		echo "deb $uri bookworm main"
		echo "deb $uri bookworm-updates main"
		[ -z "$sec" ] || echo "deb ${sec%/} bookworm-security main"
	} >"$root/etc/apt/sources.list"
	cat >"$root/etc/apt/apt.conf.d/99reap-zombie-test" <<-'EOF'
		APT::Get::Assume-Yes "true";
		APT::Sandbox::User "root";
		Binary::apt::APT::Keep-Downloaded-Packages "true";
	EOF
	mkdir -p "$root/usr/local/sbin"
	for m in modprobe insmod; do
		# kmod's own goes to /sbin/$m.distrib when it is installed
		setpriv --bounding-set -sys_module --inh-caps -sys_module \
			chroot "$root" dpkg-divert --quiet --local --rename --add "/sbin/$m" || return 1
		cat >"$root/usr/local/sbin/$m" <<-'EOF'
			#!/bin/sh
			echo "refused (test chroot): $0 $*" >&2
			echo "$0 $*" >>/var/log/reap-zombie-test-module-loads
			exit 1
		EOF
		chmod 755 "$root/usr/local/sbin/$m"
		cp "$root/usr/local/sbin/$m" "$root/sbin/$m"
	done
	copy_tree "$root/root/reap-zombie" || return 1
	mount --bind /dev "$root/dev" && mount -t proc proc "$root/proc" &&
		mount --bind "$archives" "$root/var/cache/apt/archives" &&
		mount --bind "$lists" "$root/var/lib/apt/lists"
}

# The commands of the README's block ```sh TAG, one a line.
block() {
	awk -v tag="$1" '/^<!-- install:begin -->$/ { on = 1; next }
		/^<!-- install:end -->$/ { on = 0 }
		on && /^```/ { if (inb) inb = 0; else if ($0 == "```sh " tag) inb = 1; next }
		on && inb' "$top/README.md"
}
readme() { # TAG: run its lines in order, as TAP
	local line cmd n=0
	while IFS= read -r line; do
		n=$((n + 1))
		case "$line" in
		modprobe\ *) echo "# skipped (never a module into this machine's kernel): $line"; continue ;;
		mokutil\ *) echo "# skipped (no EFI, no MokManager in a chroot): $line"; continue ;;
		esac
		# shellcheck disable=SC2016 # the README's text, not an expansion
		cmd=${line//'$(uname -r)'/$kver}
		t "README ($1): $line" ch "$cmd"
		cp "$out/last.log" "$out/$(basename "$root")-$1-$n.log"
	done < <(block "$1")
	[ "$n" -gt 0 ] || t "README has a block \`\`\`sh $1 between the install markers" false
}

# refuses GOAL PACKAGE...: make GOAL stops with one line naming them, status
# not 0, and nothing was built or installed.
refuses() {
	local goal=$1 p
	shift
	ch "make $goal" >"$out/refuse.log" 2>&1 && { echo "make $goal succeeded"; return 1; }
	cat "$out/refuse.log"
	[ "$(wc -l <"$out/refuse.log")" = 1 ] || { echo "not one line"; return 1; }
	grep -q 'missing build dependencies: .* — apt-get install ' "$out/refuse.log" || return 1
	for p in "$@"; do
		case " $(sed 's/.*dependencies: //; s/ — .*//' "$out/refuse.log") " in
		*" $p "*) ;;
		*) echo "$p not named"; return 1 ;;
		esac
	done
	ch "test ! -e user/build && test ! -e build && ! ls kmod/*.o kmod/*.ko 2>/dev/null &&
		test ! -e /usr/src/reap-zombie-$ver && test ! -e /usr/local/sbin/zombiectl &&
		test ! -e /var/lib/dkms/reap-zombie" || { echo "something was built or installed"; return 1; }
}

ko_path() { ch "ls /lib/modules/$kver/updates/${1:-}reap_zombie.ko*" 2>/dev/null | head -n1; }
# ko_info DIR FIELD: modinfo -F FIELD of the module under updates/DIR
ko_info() { ch "modinfo -F $2 \$(ls /lib/modules/$kver/updates/${1}reap_zombie.ko*)"; }
vermagic_is_kver() { # DIR
	local v
	v=$(ko_info "$1" vermagic) || return 1
	echo "vermagic: $v"
	case "$v" in "$kver "*) ;; *) return 1 ;; esac
}
signed_by_dkms() {
	local signer key serial
	signer=$(ko_info dkms/ signer) key=$(ko_info dkms/ sig_key)
	echo "signer: $signer"
	echo "sig_key: $key"
	echo "sig_hashalgo: $(ko_info dkms/ sig_hashalgo)"
	serial=$(ch "openssl x509 -inform DER -in /var/lib/dkms/mok.pub -noout -serial")
	echo "mok.pub $serial"
	[ "$signer" = "DKMS module signing key" ] &&
		[ "$(echo "${key//:/}" | tr a-f A-F)" = "$(echo "${serial#serial=}" | tr a-f A-F)" ]
}
no_module_load() {
	ch "! cat /var/log/reap-zombie-test-module-loads 2>/dev/null"
}
version_ok() { ch "zombiectl --version" | tee /dev/stderr | grep -qx "zombiectl $ver"; }
dkms_installed() { ch "dkms status reap-zombie/$ver -k $kver" | tee /dev/stderr | grep -q ': installed'; }
installed_checks() { # ROUTE
	t "$1: zombiectl --version prints zombiectl $ver" version_ok
	t "$1: dkms status: reap-zombie/$ver installed for $kver" dkms_installed
	t "$1: dkms put reap_zombie.ko under /lib/modules/$kver/updates/dkms" test -n "$(ko_path dkms/)"
	t "$1: modinfo: its vermagic is $kver" vermagic_is_kver dkms/
	t "$1: dkms made its MOK key pair (/var/lib/dkms/mok.key, mok.pub)" \
		ch "test -s /var/lib/dkms/mok.key && test -s /var/lib/dkms/mok.pub"
	t "$1: the module is signed by it (modinfo -F signer, sig_key = mok.pub's serial)" signed_by_dkms
	sed 's/^/# /' "$out/last.log"
	t "$1: nothing tried to load a module (modprobe/insmod stubs untouched)" no_module_load
}

# route_run ROUTE: its TAP on stdout, its counts in $top_out/ROUTE.counts.
route_run() {
	local route=$1 t0
	out=$top_out/$route root='' pass=0 fail=0
	mkdir -p "$out"
	trap 'umount_root; echo "$pass $fail" >"$top_out/$route.counts"' EXIT
	t0=$(date +%s)
	echo "# route $route"
	t "$route: a fresh copy of the minimal bookworm base" fresh "$route"
	findmnt "$root/proc" >/dev/null || return 0
	# shellcheck disable=SC2016 # expanded in the chroot
	t "$route: CAP_SYS_MODULE is not in the chroot's bounding set" \
		ch '! (( 0x$(awk "/^CapBnd/ {print \$2}" /proc/self/status) & (1 << 16) ))'
	t "$route: apt-get update (the chroot's lists)" ch "apt-get update -qq"
	case $route in
	dkms)
		t "with only make installed: apt-get install make" ch "apt-get install -qq make"
		t "make user stops: g++ libcli11-dev doctest-dev" refuses user g++ libcli11-dev doctest-dev
		sed 's/^/# /' "$out/refuse.log"
		t "make install-user stops: g++ libcli11-dev doctest-dev" refuses install-user g++ libcli11-dev doctest-dev
		t "make kmod stops: gcc linux-headers-$kver" refuses kmod gcc "linux-headers-$kver"
		sed 's/^/# /' "$out/refuse.log"
		t "make install-kmod stops: gcc linux-headers-$kver" refuses install-kmod gcc "linux-headers-$kver"
		t "make install stops: g++ libcli11-dev doctest-dev gcc linux-headers-$kver" \
			refuses install g++ libcli11-dev doctest-dev gcc "linux-headers-$kver"
		t "make dkms-add stops: dkms" refuses dkms-add dkms
		sed 's/^/# /' "$out/refuse.log"
		t "make dkms-build stops: dkms gcc linux-headers-$kver" refuses dkms-build dkms gcc "linux-headers-$kver"
		t "make dkms-install stops: dkms gcc linux-headers-$kver" refuses dkms-install dkms gcc "linux-headers-$kver"
		t "make deb stops: dpkg-dev debhelper dh-dkms g++ libcli11-dev doctest-dev" \
			refuses deb dpkg-dev debhelper dh-dkms g++ libcli11-dev doctest-dev
		sed 's/^/# /' "$out/refuse.log"
		readme headers
		readme dkms
		installed_checks dkms
		readme secure-boot
		readme no-dkms
		t "no-dkms: make install put reap_zombie.ko under /lib/modules/$kver/updates" \
			test -n "$(ko_path)"
		t "no-dkms: modinfo: its vermagic is $kver" vermagic_is_kver ""
		t "no-dkms: /usr/sbin/zombiectl, man pages, modprobe rule, service, defaults" ch "
			test -x /usr/sbin/zombiectl && test -f /usr/share/man/man8/zombiectl.8 &&
			test -f /usr/share/man/man4/reap_zombie.4 && test -f /etc/modprobe.d/reap_zombie.conf &&
			test -f /usr/lib/systemd/system/zombiectl-watch.service && test -f /etc/default/zombiectl"
		;;
	deb)
		readme headers
		readme deb
		t "deb: dpkg: reap-zombie-dkms and zombiectl $ver installed" ch \
			"dpkg-query -W -f='\${Status} \${Version}\n' reap-zombie-dkms zombiectl | grep -c '^install ok installed $ver\$' | grep -qx 2"
		installed_checks deb
		;;
	*) t "route $route exists" false ;;
	esac
	echo "# route $route: $(($(date +%s) - t0)) s"
}

# The routes side by side (apt-get in turn: they share the cached lists and
# packages), their TAP in order once all are done.
top_out=$out
for route in $routes; do
	(route_run "$route") >"$top_out/$route.tap" 2>&1 &
done
wait
for route in $routes; do
	cat "$top_out/$route.tap"
	read -r p f <"$top_out/$route.counts" || { p=0 f=1; echo "not ok - route $route: no counts"; }
	pass=$((pass + p)) fail=$((fail + f))
done
echo "# run-install.sh: $(($(date +%s) - t_all)) s"
echo "$pass $fail" >"$build/results/install.counts"
[ "$fail" = 0 ]
