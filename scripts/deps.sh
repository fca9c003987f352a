#!/usr/bin/env bash
# Installs the Debian packages nanoport needs to build, test and run its
# demos: the one list of them. Called by scripts/test.sh and scripts/demo.sh.
#
#   scripts/deps.sh            build, tests (incl. interop with nanomsg/NNG)
#   scripts/deps.sh --clang    also clang 14 and its runtime (fuzzing, sanitizers)
#   scripts/deps.sh --bench    also what scripts/bench.sh needs on top (gnuplot
#                              for the chart, perf for profiling)
#
# A machine that has every package is left alone: apt is not touched at all.
# Otherwise, as root, it runs `apt-get update` once and installs what is
# missing, non-interactively. Not root and something missing: it says which
# command to run, and fails.
set -euo pipefail

packages=(
    build-essential cmake ninja-build ccache pkg-config    # toolchain
    libasio-dev liburing-dev                               # engine: Asio, io_uring
    libssl-dev openssl                                     # tls+tcp, wss; test certificates
    doctest-dev nlohmann-json3-dev                         # tests, JSON stats
    libnanomsg-dev nanomsg-utils libnng-dev nng-utils      # interop peers
    libzmq3-dev                                            # perf comparison
    iproute2 nftables procps                               # fault tests: netns, loss, ps
)
clang_packages=(clang-14 libclang-rt-14-dev)
bench_packages=(gnuplot-nox linux-perf python3)             # scripts/bench.sh

while [ $# -gt 0 ]; do
    case "$1" in
        --clang) packages+=("${clang_packages[@]}"); shift ;;
        --bench) packages+=("${bench_packages[@]}"); shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "deps.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps.sh: not a Debian system (no dpkg-query); make sure these are installed:" >&2
    echo "  ${packages[*]}" >&2
    exit 0
fi

missing=()
for p in "${packages[@]}"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ]; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "deps.sh: missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: error: installing them needs root; run" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_options=(-q -o DPkg::Lock::Timeout=300)
apt-get "${apt_options[@]}" update
apt-get "${apt_options[@]}" install -y --no-install-recommends "${missing[@]}" </dev/null
echo "deps.sh: installed ${missing[*]}"
