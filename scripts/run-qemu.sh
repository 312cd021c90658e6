#!/bin/bash
# Boot a kernel and initramfs under QEMU (TCG: KVM is not assumed).
#   run-qemu.sh VMLINUZ INITRD OUTDIR [TIMEOUT_SECONDS]
# The console goes to OUTDIR/console.log, the second serial port (the
# tests' TAP) to OUTDIR/tap.log. Exits with QEMU's status (124: timeout).
#
# TCG runs both vCPUs on one host thread (thread=single) unless RZ_ACCEL
# says otherwise; RZ_QEMU names another qemu-system-x86_64 (or -aarch64),
# RZ_QEMU_DATA the folders it takes its firmware from (-L, in that order).
# RZ_ICOUNT=SHIFT: the guest's clock counts instructions, 2^SHIFT ns each,
# instead of following the host's (-icount, single-threaded TCG only).
#
# An arm64 kernel (in .cache/kernels/KVER/ with KVER ending in -arm64, or
# RZ_ARCH=arm64) boots on qemu-system-aarch64's virt machine: the console
# on its PL011 (ttyAMA0), the TAP on a virtio console (hvc0: the guest
# loads virtio_mmio and virtio_console, mkinitramfs.sh RZ_BOOT_MODULES).
# Pointer authentication with QEMU's own algorithm, not QARMA5: the guest
# kernel uses it all the time, and QARMA5 under TCG about halves the speed.
set -euo pipefail
. "$(dirname "$0")/arm64.sh"
kernel=$1 initrd=$2 out=$3 limit=${4:-900}
arch=${RZ_ARCH:-$(kver_arch "$(basename "$(dirname "$kernel")")")}
mkdir -p "$out"
: >"$out/console.log"
: >"$out/tap.log"
fw=()
for d in ${RZ_QEMU_DATA:-}; do fw+=(-L "$d"); done
append="panic=-1 oops=panic panic_on_warn=1 rdinit=/init ${RZ_APPEND:-}"
if [ "$arch" = arm64 ]; then
	# (RZ_QEMU only if it is an aarch64 one: make check sets it for amd64)
	q=qemu-system-aarch64
	case ${RZ_QEMU:-} in *-aarch64) q=$RZ_QEMU ;; esac
	# shellcheck disable=SC2054
	cmd=("$q" "${fw[@]}" -M virt -cpu max,pauth-impdef=on)
	append="console=ttyAMA0 rz.tap=hvc0 $append"
	# shellcheck disable=SC2054
	chan=(-chardev "file,id=rztap,path=$out/tap.log"
		-device virtio-serial-device -device virtconsole,chardev=rztap)
else
	cmd=("${RZ_QEMU:-qemu-system-x86_64}" "${fw[@]}" -cpu max)
	append="console=ttyS0 $append"
	chan=(-serial "file:$out/tap.log")
fi
cmd+=(-accel "${RZ_ACCEL:-tcg,thread=single}" -smp "${RZ_SMP:-2}" -m 2048
	-nodefaults -display none -no-reboot
	-kernel "$kernel" -initrd "$initrd"
	-append "$append"
	-serial "file:$out/console.log" "${chan[@]}")
[ -z "${RZ_ICOUNT:-}" ] || cmd+=(-icount "shift=$RZ_ICOUNT,align=off,sleep=off")
{
	echo "# qemu: ${cmd[*]}"
	echo "# $("${cmd[0]}" --version | head -n1)"
	echo "# kernel: $(basename "$(dirname "$kernel")") sha256 $(sha256sum <"$kernel" | cut -c1-16)"
} >"$out/run.log"
set +e
timeout -k 10 "$limit" "${cmd[@]}" >>"$out/run.log" 2>&1
rc=$?
set -e
echo "# qemu exit $rc" >>"$out/run.log"
exit $rc
