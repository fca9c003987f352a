#!/usr/bin/env bash
# Builds nanoport and the benchmark programs, runs nanoport side by side with
# nanomsg, NNG and ZeroMQ (issue #6), and writes the results to OUT-DIR:
#
#   results.jsonl   every run, calibration, section and median as JSON lines
#   results.md      medians, ratios against the best peer, the targets met/missed
#   chart.png       nanoport / best peer per row, with the targets (gnuplot)
#   chart-throughput.png, failures.log, *.dat, *.gp
#
# Usage: scripts/bench.sh [options] [OUT-DIR]   (default build-bench/results-DATE)
#
#   --scaling      N independent PUSH/PULL pairs in one process pair, N = 1 2 4 8
#                  with NANOPORT_WORKERS=N, instead of the matrix
#   --quick        a short matrix (1 run per cell, short runs): a smoke test
#   --no-deps      do not check or install Debian packages (scripts/deps.sh --bench)
#   --no-build     use the programs already in BUILD-DIR/bench (see below)
#   --build-only   build the programs into BUILD-DIR/bench and stop (for
#                  scripts/bench-ab.sh, which compares two such builds)
#   --build-dir D  build tree (default build-bench): nanoport in D, its install
#                  prefix in D/prefix, the programs and their libraries in D/bench
#   --commit REV   measure nanoport as committed in REV (`git archive` into
#                  D-source), not the working tree (which may hold other
#                  people's half-done edits)
#
# Everything of bench/run.py's environment (LIBS, SECTIONS, TRANSPORTS,
# THR_SIZES, REPS, QUIET_WAIT, ...) passes through; see bench/README.md.
#
# On a machine without package registry or compiler: copy BUILD-DIR/bench
# (programs plus every shared library they load besides glibc, ~10 MB) and
# run `scripts/bench.sh --no-deps --no-build --scaling OUT-DIR` there; it needs
# only bash, python3 and coreutils' timeout (gnuplot for the chart, if present).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
command_line="scripts/bench.sh $*"

deps=1
build=1
build_only=0
scaling=()
build_dir=build-bench
commit=''
out_dir=''
while [ $# -gt 0 ]; do
    case "$1" in
        --scaling) scaling=(--scaling); shift ;;
        --quick)
            export REPS=${REPS:-1} THR_TARGET_S=${THR_TARGET_S:-0.2} LAT_ROUNDTRIPS=${LAT_ROUNDTRIPS:-2000}
            shift ;;
        --no-deps) deps=0; shift ;;
        --no-build) build=0; shift ;;
        --build-only) build_only=1; shift ;;
        --build-dir) build_dir=$2; shift 2 ;;
        --commit) commit=$2; shift 2 ;;
        -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
        -*) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) [ -z "$out_dir" ] || { echo "bench.sh: one OUT-DIR only" >&2; exit 2; }; out_dir=$1; shift ;;
    esac
done
mkdir -p "$build_dir"
build_dir=$(cd "$build_dir" && pwd)
if [ "$build_only" = 0 ]; then
    out_dir=${out_dir:-$build_dir/results-$(date +%Y%m%d-%H%M%S)}
    mkdir -p "$out_dir"
    out_dir=$(cd "$out_dir" && pwd)
fi

if [ "$deps" = 1 ]; then
    scripts/deps.sh --bench
fi

if [ "$build" = 1 ]; then
    export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
    export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
    generator=()
    jobs=${BENCH_JOBS:-2}
    source_dir=$root
    if [ -n "$commit" ]; then
        rev=$(git rev-parse --short "$commit^{commit}")
        source_dir=$build_dir-source
        rm -rf "$source_dir"
        mkdir -p "$source_dir"
        git archive --format=tar "$rev" | tar -x -C "$source_dir"
        export NANOPORT_BENCH_VERSION="$(sed -n 's/^project(nanoport VERSION \([0-9.]*\).*/\1/p' \
            "$source_dir/CMakeLists.txt") git $rev"
        # a tree configured from another source folder cannot be reused
        if [ -f "$build_dir/CMakeCache.txt" ] &&
            ! grep -q "^CMAKE_HOME_DIRECTORY:INTERNAL=$source_dir\$" "$build_dir/CMakeCache.txt"; then
            rm -rf "$build_dir/CMakeCache.txt" "$build_dir/CMakeFiles"
        fi
    elif [ -f "$build_dir/CMakeCache.txt" ] &&
        ! grep -q "^CMAKE_HOME_DIRECTORY:INTERNAL=$root\$" "$build_dir/CMakeCache.txt"; then
        rm -rf "$build_dir/CMakeCache.txt" "$build_dir/CMakeFiles"
    fi
    if [ ! -f "$build_dir/CMakeCache.txt" ] && command -v ninja >/dev/null 2>&1; then
        generator=(-G Ninja)
    fi
    echo "bench.sh: building nanoport (Release) from $source_dir in $build_dir" >&2
    # Release, plus debug information so that perf and callgrind can name
    # functions and lines (-g does not change the generated code)
    nice cmake -S "$source_dir" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_CXX_FLAGS=-g -DCMAKE_C_FLAGS=-g -DNANOPORT_TESTS=OFF -DNANOPORT_TOOLS=OFF >/dev/null
    nice cmake --build "$build_dir" --parallel "$jobs"
    rm -rf "$build_dir/prefix"
    cmake --install "$build_dir" --prefix "$build_dir/prefix" >/dev/null
    nice bench/build.sh "$build_dir/prefix" "$build_dir/bench"
elif [ ! -d "$build_dir/bench/bin" ]; then
    echo "bench.sh: --no-build, but there is no $build_dir/bench/bin" >&2
    exit 1
fi

if [ "$build_only" = 1 ]; then
    echo "bench.sh: built $build_dir/bench/bin" >&2
    exit 0
fi
command -v python3 >/dev/null || { echo "bench.sh: python3 is needed to run the matrix" >&2; exit 1; }
command -v timeout >/dev/null || { echo "bench.sh: timeout (coreutils) is needed" >&2; exit 1; }
results=$out_dir/results.jsonl
: >"$results"
: >"$out_dir/failures.log"
python3 bench/run.py --bin "$build_dir/bench/bin" --out "$results" "${scaling[@]}" --command "$command_line"
python3 bench/report.py "$results" >/dev/null
echo "bench.sh: $out_dir/results.md" >&2
