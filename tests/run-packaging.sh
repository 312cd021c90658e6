#!/bin/bash
# Packaging, as TAP: man pages, make deb + lintian, the DKMS flow of the
# README for each kernel (whose module then boots in the guest), and the
# .debs installed on this machine with dpkg (removed again at the end).
#   tests/run-packaging.sh KVER...    writes build/results/packaging.counts
# make install and the .debs are checked against the first KVER whose
# headers are on this machine.
set -uo pipefail
. "$(dirname "$0")/../scripts/common.sh"
kvers=("$@")
# make install and the .debs are checked against the first kernel whose
# headers are on this machine (7.3's and 5.10's live in a chroot)
kver=
for k in "${kvers[@]}"; do
	[ -d "/usr/src/linux-headers-$k" ] && { kver=$k; break; }
done
[ -n "$kver" ] || die "none of ${kvers[*]} has its headers on this machine"
ver=$(cat "$top/VERSION")
out=$build/packaging
rm -rf "$out"
mkdir -p "$out" "$build/results"
pass=0 fail=0
cd "$top" || exit 1

man_clean() { # renders without a single warning
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$1" 2>"$out/man.err" >/dev/null &&
		[ ! -s "$out/man.err" ] || { cat "$out/man.err"; false; }
}
for page in man/*.[0-9]; do
	t "man -l $page renders without warnings" man_clean "$page"
done

t "make deb builds reap-zombie-dkms and zombiectl" make -s deb
lintian_clean() {
	lintian --tag-display-limit 0 build/deb/reap-zombie-dkms_*.deb \
		build/deb/zombiectl_*_amd64.deb | tee "$out/lintian.log"
	! grep -q '^E:' "$out/lintian.log"
}
t "lintian reports no errors" lintian_clean

# make install / uninstall into a staging root.
stage=$out/stage
t "make install DESTDIR=... PREFIX=/usr KVER=$kver" make -s install DESTDIR="$stage" PREFIX=/usr KVER="$kver"
t "it installed zombiectl, both man pages, the modprobe rule, the service, its defaults and the module" bash -c "
	cd '$stage' && test -x usr/sbin/zombiectl && test -f usr/share/man/man8/zombiectl.8 &&
	test -f usr/share/man/man4/reap_zombie.4 && test -f etc/modprobe.d/reap_zombie.conf &&
	test -f etc/default/zombiectl &&
	grep -qx 'ExecStart=/usr/sbin/zombiectl watch \\\$ZOMBIECTL_WATCH_ARGS' usr/lib/systemd/system/zombiectl-watch.service &&
	test -f lib/modules/$kver/updates/reap_zombie.ko"
t "make uninstall-user DESTDIR=... PREFIX=/usr removes them" bash -c "
	make -s uninstall-user DESTDIR='$stage' PREFIX=/usr &&
	[ -z \"\$(find '$stage' -type f -not -path '*/lib/modules/*')\" ]"
make -s -C kmod KDIR="/usr/src/linux-headers-$kver" clean >/dev/null 2>&1

# The DKMS flow exactly as the README gives it, from this tree.
dkms_status() { dkms status reap-zombie/"$ver" -k "$1" | tee /dev/stderr | grep -q installed; }
dkms_flow() { # dkms_flow KVER
	local k=$1 ko
	make -s dkms-remove >/dev/null 2>&1
	t "make dkms-add" make -s dkms-add
	t "make dkms-build KVER=$k" make -s dkms-build KVER="$k"
	t "make dkms-install KVER=$k" make -s dkms-install KVER="$k"
	ko=$(ls /lib/modules/"$k"/updates/dkms/reap_zombie.ko* 2>/dev/null | head -n1)
	# a copy (dkms-remove below deletes it while its boot may still run)
	case "$ko" in
	*.xz) xz -dc "$ko" >"$out/reap_zombie-$k.ko" && ko=$out/reap_zombie-$k.ko ;;
	*.zst) zstd -dcq "$ko" >"$out/reap_zombie-$k.ko" && ko=$out/reap_zombie-$k.ko ;;
	?*) cp "$ko" "$out/reap_zombie-$k.ko" && ko=$out/reap_zombie-$k.ko ;;
	esac
	t "dkms installed /lib/modules/$k/updates/dkms/reap_zombie.ko" test -s "$ko"
	t "dkms status: reap-zombie/$ver installed for $k" dkms_status "$k"
	if [ -s "$ko" ]; then
		# the DKMS-built module, not make's, in the guest: a smoke test,
		# in the background beside the next kernel's flow
		(RZ_KO=$ko RZ_ZOMBIECTL=$out/zombiectl RZ_ONLY=reap_one,switch \
			"$top/tests/run-guest.sh" "$k" "dkms-$k" >"$out/smoke-$k.out" 2>&1 ||
			[ -s "$build/results/guest-dkms-$k.counts" ] ||
			echo "0 1" >"$build/results/guest-dkms-$k.counts") &
		smoke+=("$k")
	fi
	if [ "$k" = "$kver" ]; then
		t "make install-user PREFIX=/usr" make -s install-user PREFIX=/usr
		t "/usr/sbin/zombiectl, man pages and the modprobe rule are in place" bash -c "
			test -x /usr/sbin/zombiectl && test -f /usr/share/man/man8/zombiectl.8 &&
			test -f /usr/share/man/man4/reap_zombie.4 && test -f /etc/modprobe.d/reap_zombie.conf"
		t "make uninstall-user PREFIX=/usr" make -s uninstall-user PREFIX=/usr
	fi
	t "make dkms-remove" make -s dkms-remove
	t "dkms and /usr/src forget reap-zombie" bash -c \
		"! dkms status reap-zombie | grep -q . && [ ! -e /usr/src/reap-zombie-$ver ]"
}
# zombiectl for the smoke boots, copied: make install-user below rebuilds it
make -s -C "$top/user" build/zombiectl >"$out/zombiectl-build.log" 2>&1 &&
	cp "$top/user/build/zombiectl" "$out/zombiectl" ||
	{ cat "$out/zombiectl-build.log"; die "zombiectl build failed"; }
smoke=()
for k in "${kvers[@]}"; do
	# DKMS builds on this machine: kernels whose headers bookworm's
	# compiler handles (6.1, 6.1-cloud, 6.1-rt, 6.12; 7.3's and 5.10's
	# live in a chroot)
	[ -d "/usr/src/linux-headers-$k" ] && dkms_flow "$k"
done
wait
for k in "${smoke[@]}"; do cat "$out/smoke-$k.out"; done

# The packages, installed on this machine and removed again.
t "dpkg -i reap-zombie-dkms and zombiectl" dpkg -i build/deb/reap-zombie-dkms_"$ver"_all.deb \
	build/deb/zombiectl_"$ver"_amd64.deb
has_files() { # has_files PACKAGE PATH...
	local p=$1 f
	shift
	dpkg -L "$p" >"$out/dpkg-L.log" || return 1
	for f in "$@"; do
		grep -qx "$f" "$out/dpkg-L.log" || { echo "missing: $f"; return 1; }
	done
}
t "dpkg -L reap-zombie-dkms: dkms.conf, kmod/, man page, modprobe rule" has_files reap-zombie-dkms \
	/usr/src/reap-zombie-"$ver"/dkms.conf /usr/src/reap-zombie-"$ver"/VERSION \
	/usr/src/reap-zombie-"$ver"/kmod/Kbuild /usr/src/reap-zombie-"$ver"/kmod/main.c \
	/usr/share/man/man4/reap_zombie.4.gz /etc/modprobe.d/reap_zombie.conf
t "dpkg -L zombiectl: /usr/sbin/zombiectl, its man page, the service and its defaults" has_files zombiectl \
	/usr/sbin/zombiectl /usr/share/man/man8/zombiectl.8.gz \
	/lib/systemd/system/zombiectl-watch.service /etc/default/zombiectl
unit=/lib/systemd/system/zombiectl-watch.service
t "/etc/default/zombiectl is a conffile of zombiectl" bash -c \
	"dpkg-query -W -f='\${Conffiles}' zombiectl | grep -q '^ /etc/default/zombiectl '"
# verify checks the unit's syntax, its ExecStart= programs and its man page
verify_clean() {
	systemd-analyze verify "$unit" 2>&1 | tee "$out/verify.log"
	[ "${PIPESTATUS[0]}" = 0 ] && [ ! -s "$out/verify.log" ]
}
need_pkgs systemd >/dev/null 2>&1
t "systemd-analyze verify zombiectl-watch.service: clean" verify_clean
not_enabled() {
	[ "$(systemctl --root=/ is-enabled zombiectl-watch.service)" = disabled ] &&
		! ls /etc/systemd/system/*.wants/zombiectl-watch.service 2>/dev/null
}
t "the package leaves zombiectl-watch.service disabled" not_enabled
# The defaults observe only, and write where the sandbox lets them.
defaults_safe() {
	local args dir
	args=$(. /etc/default/zombiectl && echo "$ZOMBIECTL_WATCH_ARGS")
	echo "ZOMBIECTL_WATCH_ARGS=$args"
	case " $args " in *" --reap-older-than"*) return 1 ;; esac
	case " $args " in *" --interval 15s "*) ;; *) return 1 ;; esac
	dir=$(echo " $args " | sed -n 's/.* --textfile \([^ ]*\)\/[^/ ]*\.prom .*/\1/p')
	echo "textfile directory: ${dir:-none}"
	[ "$dir" = /var/lib/prometheus/node-exporter ] &&
		grep -qx "ReadWritePaths=-$dir" "$unit" && grep -qx 'ProtectSystem=strict' "$unit" &&
		grep -q "^Environment=\"ZOMBIECTL_WATCH_ARGS=$args\"$" "$unit"
}
t "/etc/default/zombiectl observes only (no --reap-older-than), every 15 s, into node_exporter's textfile directory, the unit's only ReadWritePaths=" defaults_safe
t "the package's dkms built and installed the module for $kver" dkms_status "$kver"
t "/usr/sbin/zombiectl --version" bash -c "/usr/sbin/zombiectl --version | grep -qx 'zombiectl $ver'"
t "dpkg -P removes both" dpkg -P reap-zombie-dkms zombiectl
t "nothing of them is left" bash -c \
	"[ ! -e /usr/sbin/zombiectl ] && [ ! -e /usr/src/reap-zombie-$ver ] && [ ! -e $unit ] && [ ! -e /etc/default/zombiectl ] && ! ls /lib/modules/$kver/updates/dkms/reap_zombie.ko* >/dev/null 2>&1"

echo "$pass $fail" >"$build/results/packaging.counts"
[ "$fail" = 0 ]
