#!/bin/sh
# Load/unload cycles as an outside tester runs them (issue 12): MODULE.ko is
# loaded and unloaded rz.cycles times (default 20) while two shell loops
# list /proc/*/ and read /proc/*/reap_zombie, on every vCPU at once. Works
# for reap_zombie (enabled=0 before rmmod) and for the control module
# rz_control (tests/control: the same kretprobes, empty handlers). The
# host judges the console: an oops, a soft lockup or a stall fails the run.
ko=$1
cycles=${RZ_CYCLES:-20}
echo "TAP version 13"
echo "# cycles.sh: $cycles cycles of $ko on $(grep -c ^processor /proc/cpuinfo) vCPUs"
name=
stop=/tmp/cycles.stop
rm -f $stop
(while [ ! -e $stop ]; do ls /proc/*/ >/dev/null 2>&1; done) &
l1=$!
(while [ ! -e $stop ]; do cat /proc/*/reap_zombie >/dev/null 2>&1; done) &
l2=$!

# unload NAME: enabled=0 where the module has it, then rmmod, each retried
# while a reader holds an entry or an open file (at most about 10 s).
unload() {
	local p=/sys/module/$1/parameters/enabled n=0
	while [ -e $p ] && ! echo 0 2>/dev/null >$p; do
		n=$((n + 1)); [ $n -lt 1000 ] || return 1; usleep 10000
	done
	n=0
	while ! rmmod "$1" 2>/dev/null; do
		n=$((n + 1)); [ $n -lt 1000 ] || return 1; usleep 10000
	done
}

i=0 bad=
t0=$(date +%s)
while [ $i -lt "$cycles" ]; do
	if ! insmod "$ko"; then
		bad="cycle $i: insmod failed"
		break
	fi
	if [ -z "$name" ]; then
		for m in reap_zombie rz_control; do
			[ -d /sys/module/$m ] && name=$m
		done
	fi
	usleep $(((i % 7) * 1000))
	if ! unload "$name"; then
		bad="cycle $i: $name does not unload"
		break
	fi
	i=$((i + 1))
done
touch $stop
wait $l1 $l2
echo "# $i cycles of ${name:-?} in $(($(date +%s) - t0)) s"
if [ -z "$bad" ]; then
	echo "ok 1 - $cycles load/unload cycles of ${name:-?} while two shell loops list /proc/*/ and read /proc/*/reap_zombie"
else
	echo "# $bad"
	echo "not ok 1 - $cycles load/unload cycles of ${name:-?} while two shell loops list /proc/*/ and read /proc/*/reap_zombie"
fi
echo "1..1"
