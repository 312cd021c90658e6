# Shared by the scripts: paths and the kernels we know how to fetch.
# shellcheck shell=bash
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${RZ_CACHE:-$top/.cache}
build=${RZ_BUILD:-$top/build}

# Where each kernel series comes from: the suite whose linux-image-amd64
# (or the kernel_meta package) names its current version. "system" is the
# machine's own apt sources (bookworm); any other suite is reached through
# a private apt configuration under the cache (see apt_private), never
# /etc/apt.
# shellcheck disable=SC2034
declare -A kernel_suite=([6.1]=system [6.12]=bookworm-backports [7.3]=trixie-backports
	[6.1-cloud]=system [6.1-rt]=system [5.10]=bullseye)

# The metapackage that names a series' kernel, if not linux-image-amd64:
# bookworm's cloud flavour (fewer drivers) and its PREEMPT_RT flavour.
# shellcheck disable=SC2034
declare -A kernel_meta=([6.1-cloud]=linux-image-cloud-amd64 [6.1-rt]=linux-image-rt-amd64)

# Kernels whose headers need a newer compiler than bookworm's are built in a
# debootstrapped chroot of their release, kept in the cache.
# shellcheck disable=SC2034
declare -A kernel_chroot=([7.3]=trixie [5.10]=bullseye)

# The suites a private apt configuration lists: only the release the suite
# belongs to, so nothing newer can leak into the machine. A release of its
# own (bullseye: 5.10, whose headers need gcc-10 and libssl1.1) lists its
# updates and security suites; its kernel is the newest of them.
declare -A suite_sources=(
	[bullseye]="bullseye bullseye-updates"
	[bookworm-backports]="bookworm bookworm-updates bookworm-backports"
	[trixie-backports]="trixie trixie-updates trixie-backports"
)

# apt_opts SUITE: apt-get/apt-cache options for a private configuration.
apt_opts() {
	local d=$cache/apt/$1
	echo "-o Dir::Etc::SourceList=$d/sources.list -o Dir::Etc::SourceParts=$d/none" \
		"-o Dir::State::Lists=$d/lists -o Dir::Cache=$d/cache" \
		"-o APT::Default-Release=${1%%-*}"
}

# apt_uri SUITE: the archive address the machine's own apt sources use for
# SUITE (deb822 .sources or one-line .list files), so that a mirror or a
# proxy the machine is set up with serves the private configurations too.
apt_uri() {
	{
		cat /etc/apt/sources.list.d/*.sources 2>/dev/null
		echo
	} | awk -v s="$1" 'BEGIN { RS = "" }
		{
			uri = ""; deb = 0; hit = 0
			n = split($0, l, "\n")
			for (i = 1; i <= n; i++) {
				m = split(l[i], f, /[ \t]+/)
				if (f[1] == "Types:")
					for (j = 2; j <= m; j++) deb += f[j] == "deb"
				if (f[1] == "URIs:") uri = f[2]
				if (f[1] == "Suites:")
					for (j = 2; j <= m; j++) hit += f[j] == s
			}
			if (deb && hit && uri != "") { print uri; exit }
		}'
	sed -E 's/\[[^]]*\]//' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk -v s="$1" '$1 == "deb" && $3 == s { print $2 }'
}

# The machine's Debian archive and security archive (for its own release;
# the same archive serves the other suites).
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
debian_uri() {
	local u
	u=$(apt_uri "$codename" | head -n1)
	[ -n "$u" ] || die "no apt source for $codename in /etc/apt: cannot find the Debian archive"
	echo "${u%/}"
}

# suite_version SUITE PACKAGE: PACKAGE's version in SUITE itself (not in the
# release it builds on), through SUITE's private configuration.
suite_version() {
	# shellcheck disable=SC2046
	apt-cache $(apt_opts "$1") madison "$2" |
		awk -F'|' -v s="$1" '$3 ~ s"/" {gsub(/ /, "", $2); print $2; exit}'
}

# newest_version SUITE PACKAGE: the newest version of PACKAGE that SUITE's
# private configuration lists in any of its suites (a release with its
# security updates: the security suite usually has the newest kernel).
newest_version() {
	local v best=
	# shellcheck disable=SC2046
	for v in $(apt-cache $(apt_opts "$1") madison "$2" | awk -F'|' '{gsub(/ /, "", $2); print $2}'); do
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then
			best=$v
		fi
	done
	echo "$best"
}

# apt_private SUITE: write the configuration and update its lists.
apt_private() {
	local d=$cache/apt/$1 s uri sec
	uri=$(debian_uri) || return 1
	sec=$(apt_uri "$codename-security" | head -n1)
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/none"
	: >"$d/sources.list"
	for s in ${suite_sources[$1]}; do
		echo "deb $uri $s main" >>"$d/sources.list"
	done
	# the security archive of another release sits beside this one's
	case "$1" in bullseye* | bookworm* | trixie*)
		[ -z "$sec" ] || echo "deb ${sec%/} ${1%%-*}-security main" >>"$d/sources.list" ;;
	esac
	# shellcheck disable=SC2046
	apt-get $(apt_opts "$1") update -qq >&2
}

# The tests of rzcontract and rzstress that a multi-threaded TCG boot runs:
# the load/unload cycles and the races (make check, make check-debug).
# shellcheck disable=SC2034
mttcg_tests=race_waitpid,two_writers,parent_exits,pgrp_leader,setsid,writer_killed,rmmod_queued,switch,load_cycles

# use_mttcg: the environment of a multi-threaded TCG boot (run-qemu.sh): every
# vCPU on its own host thread, with the QEMU of scripts/qemu-mttcg.sh.
use_mttcg() {
	RZ_QEMU=$("$top/scripts/qemu-mttcg.sh") || return 1
	RZ_QEMU_DATA="${RZ_QEMU%/bin/*}/share/qemu /usr/share/seabios"
	RZ_ACCEL=tcg,thread=multi
	export RZ_QEMU RZ_QEMU_DATA RZ_ACCEL
}

# t DESCRIPTION COMMAND...: run COMMAND, print one TAP line for it and
# count it in $pass or $fail; a failure's last output lines follow as
# comments. Its output goes to $out/last.log (the caller sets out).
t() {
	local desc=$1
	shift
	if "$@" >"$out/last.log" 2>&1; then
		echo "ok - $desc"
		pass=$((pass + 1))
	else
		echo "not ok - $desc"
		sed 's/^/# /' "$out/last.log" | tail -n 20
		fail=$((fail + 1))
	fi
}

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The chroot whose /usr/src holds the headers of KVER, if any.
chroot_for() {
	local d
	for d in "$cache"/chroots/*; do
		[ -d "$d/usr/src/linux-headers-$1" ] && { echo "$d"; return 0; }
	done
	return 1
}

# in_chroot ROOT COMMAND...: run with /dev and /proc mounted, unmounted after.
in_chroot() {
	local root=$1 rc
	shift
	mount --bind /dev "$root/dev" && mount -t proc proc "$root/proc" || return 1
	chroot "$root" "$@"
	rc=$?
	umount "$root/proc" "$root/dev"
	return $rc
}

# need_pkgs PACKAGE...: install those that are not installed yet, with an
# apt-get update first only then.
need_pkgs() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	[ "$(id -u)" = 0 ] || die "missing packages: ${missing[*]} (run as root)"
	apt-get update -qq >&2 || log "warning: apt-get update failed"
	log "installing: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >&2
}

# copy_tree DEST: the project's files into DEST (make deb, tests/run-install.sh):
# what git knows of (tracked, or new and not ignored) as it is in the work
# tree; without git, the whole tree. Never the cache, build output or any
# directory git lists (the .cache of a worktree is a symlink to one).
copy_tree() {
	local dest=$1 f
	mkdir -p "$dest" || return 1
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$top" && git ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do
				case "$f" in .cache | .cache/* | build | build/* | user/build/*) continue ;; esac
				[ -d "$f" ] && continue
				if [ -e "$f" ] || [ -L "$f" ]; then
					cp -P --parents -t "$dest" "$f" || exit 1
				fi
			done)
	else
		(cd "$top" && tar --exclude=./.cache --exclude=./build --exclude=./user/build \
			-cf - .) | tar -C "$dest" -xf -
	fi
}
