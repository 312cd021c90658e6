#!/bin/bash
# Boot a kernel and initramfs under QEMU (TCG: KVM is not assumed).
#   run-qemu.sh VMLINUZ INITRD OUTDIR [TIMEOUT_SECONDS]
# The console goes to OUTDIR/console.log, the second serial port (the
# tests' TAP) to OUTDIR/tap.log. Exits with QEMU's status (124: timeout).
#
# TCG runs both vCPUs on one host thread (thread=single) unless RZ_ACCEL
# says otherwise; RZ_QEMU names another qemu-system-x86_64, RZ_QEMU_DATA
# the folders it takes its firmware from (-L, in that order).
set -euo pipefail
kernel=$1 initrd=$2 out=$3 limit=${4:-900}
mkdir -p "$out"
: >"$out/console.log"
: >"$out/tap.log"
fw=()
for d in ${RZ_QEMU_DATA:-}; do fw+=(-L "$d"); done
cmd=("${RZ_QEMU:-qemu-system-x86_64}" "${fw[@]}" -accel "${RZ_ACCEL:-tcg,thread=single}" -cpu max -smp "${RZ_SMP:-2}" -m 2048
	-nodefaults -display none -no-reboot
	-kernel "$kernel" -initrd "$initrd"
	-append "console=ttyS0 panic=-1 oops=panic panic_on_warn=1 rdinit=/init ${RZ_APPEND:-}"
	-serial "file:$out/console.log" -serial "file:$out/tap.log")
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
