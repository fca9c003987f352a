#!/usr/bin/env bash
# Builds nanoport and runs its whole test suite; exits with ctest's status.
# On a fresh Debian 12 machine (as root) it first installs the packages it
# needs (scripts/deps.sh).
#
#   scripts/test.sh                     epoll backend, build dir build/
#   scripts/test.sh --io-uring          io_uring backend, build dir build-uring/
#   scripts/test.sh --sanitize address,undefined     (or thread), build-asan/ / build-tsan/
#
# Other options:
#   --build-dir DIR     use DIR instead of the default above
#   -L LABEL            run only the tests with this CTest label (e.g. aio)
#   -- ARGS...          pass ARGS to the CMake configure step
#
# Environment: CTEST_PARALLEL_LEVEL (tests run at once; default: the number of
# cores), CCACHE_DIR (ccache's cache; ccache is used when installed).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

io_uring=OFF
sanitize=''
build_dir=''
ctest_args=()
cmake_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --io-uring) io_uring=ON; shift ;;
        --sanitize) sanitize=$2; shift 2 ;;
        --build-dir) build_dir=$2; shift 2 ;;
        -L) ctest_args+=(-L "$2"); shift 2 ;;
        --) shift; cmake_args=("$@"); break ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "test.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [ -z "$build_dir" ]; then
    build_dir=build
    if [ "$io_uring" = ON ]; then build_dir+=-uring; fi
    case "$sanitize" in
        '') ;;
        thread) build_dir+=-tsan ;;
        address*|undefined*) build_dir+=-asan ;;
        *) build_dir+=-san ;;
    esac
fi

scripts/deps.sh

jobs=$(nproc)
# ccache: share hits between checkouts and build dirs (CI clones afresh);
# compilations differ only in the absolute paths, which this makes relative.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

generator=()
if [ ! -f "$build_dir/CMakeCache.txt" ] && command -v ninja >/dev/null 2>&1; then
    generator=(-G Ninja)
fi

# ThreadSanitizer: a report fails its test (halt_on_error); suppressions,
# each with its reason, live in tests/tsan.supp. gcc 12's TSan cannot lay out
# its shadow memory when the kernel randomises mmap with more than 28 bits
# ("FATAL: ThreadSanitizer: unexpected memory mapping"), so the tests run with
# address randomisation off where the sandbox allows it (Docker's seccomp
# profile does not).
run_tests=()
if [[ "$sanitize" == *thread* ]]; then
    export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$root/tests/tsan.supp${TSAN_OPTIONS:+ $TSAN_OPTIONS}"
    if setarch "$(uname -m)" -R true 2>/dev/null; then
        run_tests=(setarch "$(uname -m)" -R)
    fi
fi

echo "== test.sh: configure $build_dir (NANOPORT_IO_URING=$io_uring${sanitize:+, NANOPORT_SANITIZE=$sanitize})"
cmake -S . -B "$build_dir" "${generator[@]}" \
    -DNANOPORT_IO_URING="$io_uring" -DNANOPORT_SANITIZE="$sanitize" "${cmake_args[@]}"

echo "== test.sh: build $build_dir ($jobs jobs)"
cmake --build "$build_dir" --parallel "$jobs"

echo "== test.sh: ctest $build_dir (${CTEST_PARALLEL_LEVEL:-$jobs} at once)"
# ctest's summary is the last thing printed; its status is ours.
exec "${run_tests[@]}" ctest --test-dir "$build_dir" --output-on-failure --no-tests=error \
    -j "${CTEST_PARALLEL_LEVEL:-$jobs}" "${ctest_args[@]}"
