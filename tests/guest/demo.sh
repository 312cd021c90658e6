#!/bin/sh
# The demo, run inside the guest by its init: a parent stuck with zombies,
# then a container (pid namespace, cgroup at pids.max) whose init never
# waits: nothing can start in it until its zombies are reaped.
ko=$1
b=$(printf '\033[1m') n=$(printf '\033[0m')
say() { printf '\n%s== %s%s\n' "$b" "$*" "$n"; }
run() { printf '%s$ %s%s\n' "$b" "$*" "$n"; sh -c "$*" 2>&1; }
zombies() { ps -o pid,ppid,stat,comm | awk 'NR==1 || $3 ~ /^Z/'; }

say "A parent that blocks every signal and never calls wait()"
stuck-parent 3 >/tmp/pids &
parent=$!
sleep 1
run "ps -o pid,ppid,stat,comm | awk 'NR==1 || \$3 ~ /^Z/ || \$1 == $parent'"
echo "kill -9 on a zombie does nothing; only its parent could reap it."

say "Load the module"
run "insmod $ko"
run "dmesg | grep reap_zombie: | tail -n 1"
run "ls -l /proc/$parent/reap_zombie"

say "zombiectl: what is stuck, and why"
run "zombiectl list"
run "zombiectl why $(head -n 1 /tmp/pids)"
run "zombiectl metrics | grep -v '^#'"

say "Reap them in place"
run "zombiectl reap $(head -n 1 /tmp/pids)"
run "echo 1 > /proc/$(head -n 1 /tmp/pids)/reap_zombie"
run "zombiectl reap --force --children-of $parent"
run "dmesg | grep 'reap_zombie: reaped' | tail -n 3"
run "ps -o pid,ppid,stat,comm | awk 'NR==1 || \$3 ~ /^Z/ || \$1 == $parent'"
echo "The parent is untouched; its zombies are gone."
kill -9 "$parent"

say "A container at its cgroup's pids.max: its init never waits"
mkdir -p /sys/fs/cgroup
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo +pids >/sys/fs/cgroup/cgroup.subtree_control
mkdir /sys/fs/cgroup/app
echo 5 >/sys/fs/cgroup/app/pids.max
sh -c 'echo $$ >/sys/fs/cgroup/app/cgroup.procs; exec unshare -p -f stuck-parent 3' >/dev/null &
outer=$!
sleep 1
child_of() { ps -o pid,ppid | awk -v p="$1" '$2 == p { print $1; exit }'; }
init=$(child_of "$outer")
run "zombiectl list --parent $init"
run "sh -c 'echo \$\$ >/sys/fs/cgroup/app/cgroup.procs; /bin/true && echo started' || echo 'fork failed'"
run "zombiectl why $(child_of "$init") | grep -i namespace"
run "zombiectl reap --force --children-of $init"
run "cat /sys/fs/cgroup/app/pids.current"
run "sh -c 'echo \$\$ >/sys/fs/cgroup/app/cgroup.procs; /bin/true && echo started'"

say "Unload"
run "zombiectl unload"
