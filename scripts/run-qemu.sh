#!/bin/bash
# Boot a kernel and initramfs under QEMU (TCG: KVM is not assumed).
#   run-qemu.sh VMLINUZ INITRD OUTDIR [TIMEOUT_SECONDS]
# The console goes to OUTDIR/console.log, the second serial port (the
# tests' TAP) to OUTDIR/tap.log. Exits with QEMU's status (124: timeout).
#
# TCG runs both vCPUs on one host thread (thread=single): with multi-threaded
# TCG, registering a kprobe while another vCPU runs the probed function
# jumped to address 0 in the guest (QEMU 7.2, 1 of every few load cycles),
# which never happened with one vCPU or single-threaded TCG. RZ_ACCEL
# overrides it.
set -euo pipefail
kernel=$1 initrd=$2 out=$3 limit=${4:-900}
mkdir -p "$out"
: >"$out/console.log"
: >"$out/tap.log"
cmd=(qemu-system-x86_64 -accel "${RZ_ACCEL:-tcg,thread=single}" -cpu max -smp "${RZ_SMP:-2}" -m 2048
	-nodefaults -display none -no-reboot
	-kernel "$kernel" -initrd "$initrd"
	-append "console=ttyS0 panic=-1 oops=panic panic_on_warn=1 rdinit=/init ${RZ_APPEND:-}"
	-serial "file:$out/console.log" -serial "file:$out/tap.log")
{
	echo "# qemu: ${cmd[*]}"
	echo "# kernel: $(basename "$(dirname "$kernel")") sha256 $(sha256sum <"$kernel" | cut -c1-16)"
} >"$out/run.log"
set +e
timeout -k 10 "$limit" "${cmd[@]}" >>"$out/run.log" 2>&1
rc=$?
set -e
echo "# qemu exit $rc" >>"$out/run.log"
exit $rc
