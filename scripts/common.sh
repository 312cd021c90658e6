# Shared by the scripts: paths and the kernels we know how to fetch.
# shellcheck shell=bash
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${RZ_CACHE:-$top/.cache}
build=${RZ_BUILD:-$top/build}

# The Debian metapackage that names the current kernel of a series.
# shellcheck disable=SC2034
declare -A kernel_meta=([6.1]=linux-image-amd64)

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
