#!/bin/bash
# Build the debug kernel of make check-debug, once: Debian's
# linux-source-6.1 configured as x86_64 allnoconfig with tests/debug.config
# (KASAN, UBSAN, lockdep, kmemleak, debug objects, ...), everything built in.
# Idempotent and cached under $cache/debug-kernel/:
#   src/     the extracted source (kept across rebuilds)
#   build/   the O= build tree, usable as KDIR for out-of-tree modules
#   stamp    what the finished build was made from (fragment, this script,
#            source version): a match skips everything
# The bzImage is copied to $cache/kernels/<release>/vmlinuz, where
# tests/run-guest.sh looks for its kernel.
#   debug-kernel.sh    prints the kernel release (e.g. 6.1.192-rzdebug)
set -euo pipefail
. "$(dirname "$0")/common.sh"
frag=$top/tests/debug.config
dk=$cache/debug-kernel
src=$dk/src obj=$dk/build
[ -f "$frag" ] || die "no $frag"

kmake() { make -C "$src" O="$obj" ARCH=x86_64 "$@"; }
key() {
	{
		cat "$frag" "$0"
		cat "$dk/src-version" 2>/dev/null
	} | sha256sum | cut -d' ' -f1
}

if [ -s "$dk/stamp" ] && [ "$(cat "$dk/stamp")" = "$(key)" ]; then
	rel=$(kmake -s kernelrelease)
	if [ -s "$cache/kernels/$rel/vmlinuz" ] && [ -s "$obj/Module.symvers" ]; then
		log "debug kernel $rel is up to date ($obj)"
		echo "$rel"
		exit 0
	fi
fi

# Build dependencies: the compiler and make, Kconfig's parser generators,
# bc for the timeconst header, libelf for objtool, xz for the tarball.
need_pkgs gcc make libc6-dev bc bison flex libelf-dev xz-utils

# The source, from Debian's linux-source-6.1 (as scripts/lint.sh fetches it).
if [ ! -s "$dk/src-version" ] || [ ! -f "$src/Makefile" ]; then
	log "fetching linux-source-6.1"
	rm -rf "$src" "$dk/src-version"
	mkdir -p "$dk"
	tmp=$(mktemp -d "$dk/tmp.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -qq linux-source-6.1 >&2) || die "cannot download linux-source-6.1"
	deb=$(echo "$tmp"/linux-source-6.1_*.deb)
	[ -f "$deb" ] || die "cannot download linux-source-6.1"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$tmp" --wildcards './usr/src/linux-source-*.tar.xz'
	mkdir -p "$tmp/src"
	log "extracting $(basename "$deb")"
	tar -xJf "$tmp"/usr/src/linux-source-*.tar.xz -C "$tmp/src" --strip-components=1
	mv "$tmp/src" "$src"
	dpkg-deb -f "$deb" Version >"$dk/src-version"
fi
log "linux-source-6.1 $(cat "$dk/src-version") in $src"

# The one change to Debian's source. The module kretprobes
# proc_pident_lookup() and proc_pident_readdir(), which distribution kernels
# keep out of line; on this small configuration gcc-12 inlines
# proc_pident_lookup() into its callers and leaves nothing to probe.
for fn in 'struct dentry \*proc_pident_lookup' 'int proc_pident_readdir'; do
	grep -q "^static noinline $fn(" "$src/fs/proc/base.c" ||
		sed -i "s/^static $fn(/static noinline $fn(/" "$src/fs/proc/base.c"
	grep -q "^static noinline $fn(" "$src/fs/proc/base.c" ||
		die "cannot mark ${fn##*[ *]}() noinline in fs/proc/base.c"
done

# Configure: allnoconfig with the fragment as its starting values
# (merge_config.sh -n: KCONFIG_ALLCONFIG), then olddefconfig; every line of
# the fragment must then be in .config as written, since Kconfig drops an
# option whose dependencies are not met without a word.
mkdir -p "$obj"
(cd "$src" && ARCH=x86_64 scripts/kconfig/merge_config.sh -n -O "$obj" "$frag") >"$obj/merge.log" 2>&1 ||
	{ cat "$obj/merge.log" >&2; die "merge_config.sh failed"; }
kmake -s olddefconfig >&2
bad=()
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF -- "$line" "$obj/.config" || {
			sym=${line%%=*}
			have=$(grep -E "^($sym=|# $sym is not set)" "$obj/.config" || echo "absent: dependencies not met")
			bad+=("$line (got: $have)")
		}
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		! grep -q "^$sym=" "$obj/.config" || bad+=("$line (got: $(grep "^$sym=" "$obj/.config"))")
		;;
	esac
done <"$frag"
if [ ${#bad[@]} -gt 0 ]; then
	log "tests/debug.config: not in the resulting .config:"
	for b in "${bad[@]}"; do log "  $b"; done
	die "debug kernel configuration does not match tests/debug.config"
fi

# Build: the kernel, Module.symvers and what out-of-tree modules need.
jobs=$(nproc)
log "building linux $(cat "$dk/src-version") with $jobs jobs (log: $obj/build.log)"
t0=$(date +%s)
if ! kmake -j"$jobs" all modules_prepare >"$obj/build.log" 2>&1; then
	tail -n 40 "$obj/build.log" >&2
	die "debug kernel build failed (log: $obj/build.log)"
fi
rel=$(kmake -s kernelrelease)	# LOCALVERSION counts once syncconfig ran
log "built $rel in $(($(date +%s) - t0)) s"
if [ ! -s "$obj/arch/x86/boot/bzImage" ] || [ ! -f "$obj/Module.symvers" ]; then
	die "build left no bzImage or Module.symvers in $obj"
fi
for fn in proc_pident_lookup proc_pident_readdir; do
	grep -q " t $fn\$" "$obj/System.map" || die "$fn() is not a function of $rel: the module cannot probe it"
done
mkdir -p "$cache/kernels/$rel"
cp "$obj/arch/x86/boot/bzImage" "$cache/kernels/$rel/vmlinuz.tmp"
mv "$cache/kernels/$rel/vmlinuz.tmp" "$cache/kernels/$rel/vmlinuz"
key >"$dk/stamp"
echo "$rel"
