#!/usr/bin/env bash
# Compares two builds of nanoport (say, a commit and the one before it) on
# one throughput cell, with nanomsg as a yardstick: the three run in turn,
# REPS times (base, new, nanomsg, base, new, ...), and the medians are
# printed. For the before/after figures quoted in commit messages; the
# README's table comes from scripts/bench.sh.
#
# Usage: scripts/bench-ab.sh [--reps N] BASE-DIR NEW-DIR SIZE TRANSPORT COUNT
#
#   BASE-DIR, NEW-DIR  build trees made by scripts/bench.sh --build-only, e.g.
#                        scripts/bench.sh --build-only --commit HEAD~1 --build-dir build-bench-base
#                        scripts/bench.sh --build-only --commit HEAD   --build-dir build-bench-new
#   SIZE               message size in bytes
#   TRANSPORT          tcp or ipc
#   COUNT              messages per run (a run should last about a second)
#   --reps N           runs of each (default 5)
#
# PUSH/PULL, one process per side, nn_send/nn_recv with the caller's buffer
# (bench/src/nn_bench.c), over 127.0.0.1 or an ipc path in a private folder.
set -euo pipefail

reps=5
if [ "${1:-}" = --reps ]; then
    reps=$2
    shift 2
fi
if [ $# -ne 5 ]; then
    sed -n '8,17p' "$0" >&2
    exit 2
fi
base_dir=$1 new_dir=$2 size=$3 transport=$4 count=$5
case "$transport" in tcp|ipc) ;; *) echo "bench-ab.sh: transport is tcp or ipc" >&2; exit 2 ;; esac
for d in "$base_dir" "$new_dir"; do
    [ -x "$d/bench/bin/bench_nanoport" ] || {
        echo "bench-ab.sh: no $d/bench/bin/bench_nanoport (scripts/bench.sh --build-only --build-dir $d)" >&2
        exit 1
    }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# one_run DIR PROGRAM: prints msgs/s of one run, or "failed"
one_run() {
    local dir=$1 program=$2 url
    if [ "$transport" = ipc ]; then
        url=ipc://$work/ab.ipc
        rm -f "$work/ab.ipc"
    else
        url=tcp://127.0.0.1:$((20000 + RANDOM % 20000))
    fi
    rm -f "$work/ready" "$work/out"
    BENCH_READY_FILE=$work/ready LD_LIBRARY_PATH=$dir/bench/lib timeout 60 \
        "$dir/bench/bin/$program" local_thr "$url" "$size" "$count" pushpull buf >"$work/out" 2>"$work/err" &
    local receiver=$! waited=0
    # the sender starts once the receiver has bound (it creates the ready file)
    while [ ! -e "$work/ready" ] && [ "$waited" -lt 100 ] && kill -0 "$receiver" 2>/dev/null; do
        sleep 0.1
        waited=$((waited + 1))
    done
    LD_LIBRARY_PATH=$dir/bench/lib timeout 60 "$dir/bench/bin/$program" remote_thr "$url" "$size" "$count" \
        pushpull buf >/dev/null 2>&1 &
    local sender=$!
    wait "$receiver" || true
    # a sender whose library cannot flush on close lingers after its last send
    kill "$sender" 2>/dev/null || true
    wait "$sender" 2>/dev/null || true
    grep -o '"msgs_per_s":[0-9.]*' "$work/out" | cut -d: -f2 || echo failed
}

declare -A runs=()
for _ in $(seq "$reps"); do
    runs[base]+="$(one_run "$base_dir" bench_nanoport) "
    runs[new]+="$(one_run "$new_dir" bench_nanoport) "
    runs[nanomsg]+="$(one_run "$new_dir" bench_nanomsg) "
done
for name in base new nanomsg; do
    printf '%-8s %8s B %s: ' "$name" "$size" "$transport"
    tr ' ' '\n' <<<"${runs[$name]}" | grep -E '^[0-9.]+$' | sort -n |
        awk -v size="$size" -v all="${runs[$name]}" '
            { v[NR] = $1 }
            END {
                if (NR == 0) { print "no successful run (" all ")"; exit }
                m = v[int((NR + 1) / 2)]
                printf "median %.0f msgs/s, %.0f MB/s (runs: %s)\n", m, m * size / 1e6, all
            }'
done
