#!/usr/bin/env bash
# The engine demo: builds nanoport for both Linux completion-port backends
# (epoll in build/, io_uring in build-uring/, as scripts/test.sh does) and
# runs the engine micro-benchmark, tools/perf/np_aio_oploop, on each at a few
# block sizes, printed as one table. Installs missing Debian packages first
# (scripts/deps.sh). Later milestones replace this with a messaging demo.
#
#   scripts/demo.sh [--seconds S]      S seconds per run (default 1)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

seconds=1
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds=$2; shift 2 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "demo.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

scripts/deps.sh

export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
jobs=$(nproc)
backends=(epoll io_uring)
declare -A build_dir=([epoll]=build [io_uring]=build-uring)
declare -A uring_option=([epoll]=OFF [io_uring]=ON)

for b in "${backends[@]}"; do
    dir=${build_dir[$b]}
    generator=()
    if [ ! -f "$dir/CMakeCache.txt" ] && command -v ninja >/dev/null 2>&1; then
        generator=(-G Ninja)
    fi
    echo "== demo.sh: building np_aio_oploop for $b in $dir/"
    cmake -S . -B "$dir" "${generator[@]}" -DNANOPORT_IO_URING="${uring_option[$b]}" >/dev/null
    cmake --build "$dir" --parallel "$jobs" --target np_aio_oploop >/dev/null
done

blocks=(64 1024 16384 65536)
declare -A ops     # [backend,block] -> ops per second, or "-" when the run failed
declare -A errors  # [backend] -> the first failure's message

echo
echo "nanoport engine demo: one worker thread drives two worker_ops over a Unix"
echo "socketpair -- a write op sends a block, a read op receives it, and each"
echo "restarts itself from its own completion (the loop an SP pipe runs)."
echo "${seconds} s per run; $(nproc) cores; $(uname -sr)."
echo
for block in "${blocks[@]}"; do
    for b in "${backends[@]}"; do
        if out=$("${build_dir[$b]}/tools/perf/np_aio_oploop" "$block" "$seconds" 2>&1); then
            ops[$b,$block]=$(sed -n 's/.*"ops_per_s":\([0-9]*\).*/\1/p' <<<"$out")
        else
            ops[$b,$block]=-
            errors[$b]=${errors[$b]:-$out}
        fi
    done
done

printf '%10s  %14s  %14s  %12s  %12s\n' "block" "epoll ops/s" "io_uring ops/s" "epoll MB/s" "io_uring MB/s"
for block in "${blocks[@]}"; do
    row=("$block B")
    for b in "${backends[@]}"; do row+=("${ops[$b,$block]}"); done
    # Two ops (one write, one read) carry one block.
    for b in "${backends[@]}"; do
        v=${ops[$b,$block]}
        if [ "$v" = - ]; then row+=(-); else row+=("$(( v / 2 * block / 1000000 ))"); fi
    done
    printf '%10s  %14s  %14s  %12s  %12s\n' "${row[@]}"
done
echo
echo "ops/s: completed worker_ops per second (each a whole block: partial"
echo "transfers are resumed inside the op). MB/s: bytes through the socketpair."
for b in "${backends[@]}"; do
    if [ -n "${errors[$b]:-}" ]; then
        echo
        echo "$b runs failed: ${errors[$b]}"
    fi
done
echo
echo "One run by hand: ${build_dir[epoll]}/tools/perf/np_aio_oploop <block-bytes> <seconds>"
