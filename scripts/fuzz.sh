#!/usr/bin/env bash
# Builds nanoport's libFuzzer targets (fuzz/) with clang 14 under
# AddressSanitizer and UndefinedBehaviorSanitizer, in build-fuzz/, and runs
# each for SECONDS (default 60) on a copy of its seed corpus fuzz/corpus/<name>/
# (the committed seeds are never changed). One line per target: result,
# executions, coverage, corpus growth. Exits non-zero if any target failed;
# the input that made it fail is saved and its path printed.
#
#   scripts/fuzz.sh                   every target, 60 s each
#   scripts/fuzz.sh 300 stream_fuzz backtrace_fuzz    these, 300 s each
#
# Installs clang first if missing (scripts/deps.sh --clang, as root).
# Per target, build-fuzz/runs/<name>/ holds the log, the grown corpus and any
# crash input. Replay one:  build-fuzz/fuzz/<name> build-fuzz/runs/<name>/crash-...
# Minimise it:  build-fuzz/fuzz/<name> -minimize_crash=1 -runs=10000 crash-...
#
# Environment: FUZZ_BUILD_JOBS (default: the number of cores), CCACHE_DIR
# (ccache is used when installed).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

case "${1:-}" in
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
esac
seconds=${1:-60}
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
    echo "fuzz.sh: SECONDS must be a whole number >= 1, got '$seconds'" >&2
    exit 2
fi
if [ $# -gt 0 ]; then shift; fi
all_targets=(sp_wire_fuzz ws_wire_fuzz stream_fuzz ws_pipe_fuzz backtrace_fuzz address_fuzz options_fuzz npcat_args_fuzz)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi
for t in "${targets[@]}"; do
    if [ ! -d "fuzz/corpus/${t%_fuzz}" ]; then
        echo "fuzz.sh: unknown target '$t' (targets: ${all_targets[*]})" >&2
        exit 2
    fi
done

scripts/deps.sh --clang

build_dir=build-fuzz
# A failed allocation must fail as malloc fails (std::bad_alloc, which the
# library handles), not abort as ASan does by default for a huge request: a
# peer that announces an enormous length is an input to survive.
export ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
generator=()
if [ ! -f "$build_dir/CMakeCache.txt" ] && command -v ninja >/dev/null 2>&1; then
    generator=(-G Ninja)
fi
started=$SECONDS
echo "== fuzz.sh: configure $build_dir (clang-14, ASan+UBSan, libFuzzer)"
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build_dir" "${generator[@]}" \
    -DNANOPORT_FUZZ=ON -DNANOPORT_TESTS=OFF -DNANOPORT_TOOLS=OFF >/dev/null
echo "== fuzz.sh: build $build_dir (${FUZZ_BUILD_JOBS:-$(nproc)} jobs)"
nice cmake --build "$build_dir" --target fuzzers --parallel "${FUZZ_BUILD_JOBS:-$(nproc)}"
echo "== fuzz.sh: built in $((SECONDS - started)) s; running ${#targets[@]} targets, $seconds s each"

# The last status line libFuzzer printed ("#123 ... cov: 4 ft: 5 corp: 6/7b ..."): field VALUE.
last_stat() {
    grep -E '^#[0-9]+' "$1" | tail -n 1 | grep -oE "$2: [0-9]+" | grep -oE '[0-9]+$' || echo '?'
}

failed=()
for t in "${targets[@]}"; do
    run_dir=$build_dir/runs/$t
    rm -rf "$run_dir"
    mkdir -p "$run_dir/corpus"
    cp -R "fuzz/corpus/${t%_fuzz}/." "$run_dir/corpus/"
    seeds=$(find "$run_dir/corpus" -type f | wc -l)
    status=0
    # -timeout: an input running this long is a hang (the targets' own
    # waits give up after 10 s). stdin closed: nothing must wait on it.
    nice "$build_dir/fuzz/$t" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$run_dir/" "$run_dir/corpus" \
        </dev/null >"$run_dir/log" 2>&1 || status=$?
    runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$run_dir/log" | grep -oE '[0-9]+$' || true)
    [ -n "$runs" ] || runs=$(grep -oE '^#[0-9]+' "$run_dir/log" | tail -n 1 | tr -d '#' || true)
    line=$(printf '%-16s runs %-9s cov %-6s ft %-6s corpus %s -> %s' "$t" "${runs:-?}" \
        "$(last_stat "$run_dir/log" cov)" "$(last_stat "$run_dir/log" ft)" "$seeds" \
        "$(find "$run_dir/corpus" -type f | wc -l)")
    if [ "$status" -eq 0 ]; then
        echo "fuzz.sh: ok       $line"
    else
        failed+=("$t")
        echo "fuzz.sh: FAILED   $line (exit status $status; log $run_dir/log)"
        # The sanitizer's or the target's one-line verdict, then the input.
        grep -hE '^(==[0-9]+==ERROR|SUMMARY:|[a-z_]+_fuzz: |==[0-9]+== ERROR: libFuzzer)' "$run_dir/log" |
            head -n 5 | sed 's/^/fuzz.sh:          /'
        inputs=$(grep -oE 'Test unit written to [^ ]+' "$run_dir/log" | sed 's/Test unit written to //' || true)
        for input in $inputs; do
            echo "fuzz.sh:          input: $input"
        done
        [ -n "$inputs" ] || echo "fuzz.sh:          no input saved (see the log)"
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: ${#failed[@]} of ${#targets[@]} targets FAILED: ${failed[*]}"
    exit 1
fi
echo "fuzz.sh: all ${#targets[@]} targets ok ($seconds s each)"
