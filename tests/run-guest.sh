#!/bin/bash
# Build reap_zombie.ko and the guest tests for one kernel, boot the guest,
# and judge the run: the guest's TAP plus host-side checks of the console.
#   tests/run-guest.sh KVER [NAME]
# Prints TAP; writes "PASSED FAILED" to build/results/guest-NAME.counts
# (NAME defaults to KVER). RZ_KO: boot this .ko instead of building one;
# RZ_ONLY: run only these tests of the guest programs (comma-separated; each
# program's first and last, its load and unload, run always);
# RZ_ARGS: more kernel arguments, such as the suite's knobs rz.cycles=N,
# rz.pressure=N, rz.batch=N; RZ_PROGRAM: the guest programs,
# tests/guest/NAME.c or NAME.sh, which the guest runs in the order of their
# names (default "rzbatch rzcontract rzstress rztool": the batch form, the
# file's contract, stress and lifecycle, zombiectl; make bench boots
# rzbench, the multi-threaded boots add cycles.sh). Each program loads the
# module and leaves it unloaded.
# An arm64 kernel (KVER ending in -arm64, scripts/setup-arm64.sh) gets
# everything cross-built: the module, the guest programs (static), and
# zombiectl in user/build/arm64 (the native user/build stays as it is).
set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"
. "$(dirname "$0")/../scripts/arm64.sh"
kver=$1
name=${2:-$kver}
arch=$(kver_arch "$kver")
if [ "$arch" = arm64 ]; then
	cc=${arm64_cross}gcc
	objdump=${arm64_cross}objdump
	ub=build/arm64
	export RZ_BUSYBOX=${RZ_BUSYBOX:-$(arm64_busybox "$kver")}
	RZ_BOOT_MODULES=$(arm64_boot_modules "$kver" | tr '\n' ' ')
	export RZ_BOOT_MODULES
	if [ ! -x "$RZ_BUSYBOX" ] || [ ! -s "$cache/kernels/$kver/vmlinuz" ]; then
		die "no arm64 kernel or busybox for $kver (scripts/setup-arm64.sh)"
	fi
	umake=(B="$ub" CXX="${arm64_cross}g++")
else
	cc=gcc
	objdump=objdump
	ub=build
	umake=()
fi
out=$build/guest/$name
results=${RZ_RESULTS:-$build/results}	# make check-debug: build/results-debug
rm -rf "$out"
mkdir -p "$out" "$results"

if [ -n "${RZ_KO:-}" ]; then
	ko=$RZ_KO
elif ! ko=$("$top/scripts/build-module.sh" "$kver" "$out" 2>"$out/build-module.log"); then
	# nothing to boot: say why in TAP, count it, and stop
	grep -E 'error|ERROR' "$out/build-module.log" | head -n 20 | sed 's/^/# /'
	echo "not ok - host: the module builds for $kver ($arch; $out/build-module.log)"
	echo "0 1" >"$results/guest-$name.counts"
	exit 1
fi
progs=()
# rzwatch runs zombiectl watch with exactly the service's capabilities
unit_caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$top/systemd/zombiectl-watch.service.in")
for prog in ${RZ_PROGRAM:-rzbatch rzcontract rzstress rztool}; do
	if [ -f "$top/tests/guest/$prog.sh" ]; then
		install -m 755 "$top/tests/guest/$prog.sh" "$out/$prog"
	else
		"$cc" -O2 -Wall -static -pthread -DRZ_UNIT_CAPS="\"$unit_caps\"" \
			-o "$out/$prog" "$top/tests/guest/$prog.c"
	fi
	progs+=("$out/$prog")
done
# (make check names the native build for every boot: not for an arm64 one)
if [ "$arch" = arm64 ] && [ -n "${RZ_ZOMBIECTL:-}" ] &&
	! "${arm64_cross}readelf" -h "$RZ_ZOMBIECTL" 2>/dev/null | grep -q 'Machine:.*AArch64'; then
	echo "# RZ_ZOMBIECTL=$RZ_ZOMBIECTL is not an AArch64 program: building user/$ub/zombiectl"
	RZ_ZOMBIECTL=
fi
zctl=${RZ_ZOMBIECTL:-$top/user/$ub/zombiectl}
if [ -z "${RZ_ZOMBIECTL:-}" ]; then
	make -s -C "$top/user" "${umake[@]}" "$ub/zombiectl" >"$out/zombiectl-build.log" 2>&1 ||
		{ cat "$out/zombiectl-build.log" >&2; die "zombiectl build failed"; }
fi
RZ_EXTRA_BIN="$zctl" \
	"$top/scripts/mkinitramfs.sh" "$out/initrd.gz" "$top/tests/guest/init" \
	"$ko" "${progs[@]}"

t0=$(date +%s)
set +e
RZ_APPEND="${RZ_ONLY:+rz.only=$RZ_ONLY} ${RZ_ARGS:-}" \
	"$top/scripts/run-qemu.sh" "$cache/kernels/$kver/vmlinuz" "$out/initrd.gz" "$out" \
	"${RZ_GUEST_TIMEOUT:-1500}"
qrc=$?
# From here on every check runs and counts, whatever failed before it.
secs=$(($(date +%s) - t0))

echo "# kernel $kver ($name, module $ko): guest ran ${secs}s, qemu exit $qrc"
sed -n 's/\r$//; /^\(ok\|not ok\|#\|1\.\.\|TAP\|Bail\)/p' "$out/tap.log"

pass=$(grep -c '^ok ' "$out/tap.log" || true)
fail=$(grep -c '^not ok ' "$out/tap.log" || true)
host() { # host-side check: host PASS DESCRIPTION
	if [ "$1" = 0 ]; then
		echo "ok - host: $2"
		pass=$((pass + 1))
	else
		echo "not ok - host: $2"
		fail=$((fail + 1))
	fi
}
grep -q '^# guest done' "$out/tap.log" && [ "$qrc" = 0 ]
host $? "guest ran to the end and powered off (qemu exit $qrc, ${secs}s)"
# one plan per guest program: together they must count every result
plans=$(grep -c '^1\.\.[0-9]' "$out/tap.log" || true)
plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$out/tap.log" | awk '{ n += $1 } END { if (NR) print n }')
[ "$plans" = "${#progs[@]}" ] && [ -n "$plan" ] && [ "$plan" -gt 0 ] &&
	[ "$plan" = "$(grep -cE '^(not )?ok ' "$out/tap.log")" ]
host $? "guest TAP plans ($plans of ${#progs[@]} programs, ${plan:-no} tests) match the results"
bad='BUG:|Oops|WARNING:|general protection|KASAN|UBSAN|list_del corruption|list_add corruption|Kernel panic|soft lockup|self-detected stall|blocked for more than|unreferenced object|zombie_carrier did not exit'
if grep -aEn "$bad" "$out/console.log" >"$out/bad.log"; then
	sed 's/^/# console: /' "$out/bad.log" | head -n 40
	false
fi
host $? "kernel log free of BUG/Oops/WARNING/panic/corruption"
# A kernel with kmemleak (make check-debug) says so at boot; then the scan
# at the end must have run and found nothing, so this cannot pass unseen.
if grep -q '^# kmemleak: available' "$out/tap.log"; then
	leaks=$(sed -n 's/\r$//; s/^# kmemleak: \([0-9]*\) reports$/\1/p' "$out/tap.log" | tail -n1)
	[ "${leaks:-none}" = 0 ]
	host $? "kmemleak scan after the tests: ${leaks:-none} reports"
fi
modname=$(/sbin/modinfo -F name "$ko" 2>/dev/null) || modname=reap_zombie
last=$(grep -a "$modname: " "$out/console.log" | tail -n1 || true)
case "$last" in *"$modname: unloaded"*) true ;; *) false ;; esac
host $? "the boot ended with the module unloaded"

# No call through a pointer from the module into the kernel: on IBT kernels
# a non-exported function may have lost its ENDBR, and QEMU does not
# enforce IBT, so this is checked on the object code.
if [ "$arch" = arm64 ]; then
	# blr* is a call through a register; br* a jump through one: a tail
	# call through a pointer, unless it is a switch's jump table, which
	# gcc dispatches with "add xT, xBASE, wIDX, sxt? #2; br xT" (the table
	# of offsets in .rodata, the targets in the same function).
	indirect() {
		"$objdump" -d "$1" | awk -F'\t' '
			$3 ~ /^blr/ { print; next }
			$3 ~ /^br/ && !($3 == "br" && pop == "add" &&
				index(pargs, $4 ", x") == 1 && pargs ~ /, w[0-9]+, sxt[bhw] #2$/) { print }
			$3 != "" { pop = $3; pargs = $4 }'
	}
	printf 'void (*fp)(void);\nint f(void) { fp(); return 1; }\n' |
		"$cc" -O2 -x c -c -o "$out/indirect-probe.o" -
	[ -n "$(indirect "$out/indirect-probe.o")" ]
	host $? "the indirect-call check finds one (blr) in a probe object"
	printf 'void (*fp)(void);\nvoid f(void) { fp(); }\n' |
		"$cc" -O2 -x c -c -o "$out/indirect-probe-tail.o" -
	[ -n "$(indirect "$out/indirect-probe-tail.o")" ]
	host $? "the indirect-call check finds a tail call through a pointer (br) in a probe object"
	# (gcc makes a jump table of 12 cases, not of 6)
	{
		echo 'void h(int); int f(int x, int y) { switch (x) {'
		for i in 0 1 2 3 4 5 6 7 8 9 10 11; do echo "case $i: h(y + $((i * 7))); break;"; done
		echo 'default: return 1; } return 0; }'
	} | "$cc" -O2 -x c -c -o "$out/indirect-probe-switch.o" -
	"$objdump" -d "$out/indirect-probe-switch.o" | grep -qP '\tbr\t' &&
		[ -z "$(indirect "$out/indirect-probe-switch.o")" ]
	host $? "the indirect-call check passes a switch jump table (br) in a probe object"
else
	# A paravirt site ("call *pv_ops+N": 5.10's spin_unlock() and
	# local_irq_enable(), 6.1-rt's put_task_struct() asking
	# irqs_disabled()), listed in .parainstructions, is rewritten by the
	# kernel when the module loads, as in its own code: not counted.
	indirect() {
		objdump -dr "$1" | awk '
			pending != "" { if ($0 !~ /R_X86_64_(32S|PC32)[ \t]+pv_ops\+/) print pending; pending = "" }
			/indirect_thunk|indirect_call/ { print; next }
			/(call|jmp)q? +\*/ { pending = $0 }
			END { if (pending != "") print pending }'
	}
	printf 'void (*fp)(void);\nvoid f(void) { fp(); fp(); }\n' |
		gcc -O2 -mindirect-branch=thunk-extern -x c -c -o "$out/indirect-probe.o" -
	[ -n "$(indirect "$out/indirect-probe.o")" ]
	host $? "the indirect-call check finds one (retpoline thunk) in a probe object"
	printf 'void (*fp)(void);\nvoid f(void) { fp(); fp(); }\n' |
		gcc -O2 -x c -c -o "$out/indirect-probe-plain.o" -
	[ -n "$(indirect "$out/indirect-probe-plain.o")" ]
	host $? "the indirect-call check finds one (call *fp(%rip)) in a probe object"
fi
indirect "$ko" >"$out/indirect.log"
[ ! -s "$out/indirect.log" ] || sed 's/^/# /' "$out/indirect.log"
[ ! -s "$out/indirect.log" ]
host $? "the module makes no indirect call (objdump of $(basename "$ko"))"

echo "$pass $fail" >"$results/guest-$name.counts"
