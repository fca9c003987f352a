#!/usr/bin/env bash
# bench/build.sh PREFIX OUT: compiles the benchmark programs into OUT/bin,
# one per library, and gathers the shared libraries they need into OUT/lib.
#
#   PREFIX  a nanoport install prefix (cmake --install BUILD --prefix PREFIX)
#           with lib/pkgconfig/nanoport.pc and nanoport-nanomsg.pc
#   OUT     e.g. build-bench/bench
#
# Programs (label: source, library):
#   nanomsg       src/nn_bench.c   Debian libnanomsg-dev
#   nng-compat    src/nn_bench.c   Debian libnng-dev, its nanomsg headers
#   nng           src/nng_bench.c  Debian libnng-dev, native API
#   zmq           src/zmq_bench.c  Debian libzmq3-dev
#   nanoport      src/nn_bench.c   nanoport, `pkg-config nanoport-nanomsg`
#   nanoport-cpp  src/np_bench.cpp nanoport, `pkg-config nanoport` (C++ API)
# nn_bench.c is the same file, unchanged, in all three of its builds.
#
# Every program carries the run path $ORIGIN/../lib (DT_RPATH, so that it
# also holds for the libraries' own dependencies), and OUT/lib gets a copy
# of every shared library the programs load except glibc's own: OUT can be
# copied to another Linux machine and run there without installing anything
# (scripts/bench.sh --no-deps --no-build). A program that fails to build is
# left out with a warning. OUT/bin/versions.txt: "label version" lines.
# Environment: CC, CXX, BENCH_CFLAGS (default -O2), NANOPORT_BENCH_VERSION
# (the version to print for nanoport; default: pkg-config's and git's).
set -uo pipefail

[ $# -eq 2 ] || { echo "usage: $0 PREFIX OUT" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$here/src
prefix=$(cd "$1" && pwd) || exit 2
out=$2
mkdir -p "$out/bin" "$out/lib" "$out/logs" || exit 2
out=$(cd "$out" && pwd)
cc=${CC:-gcc}
cxx=${CXX:-g++}
read -r -a cflags <<<"${BENCH_CFLAGS:--O2}"
rpath=('-Wl,--disable-new-dtags,-rpath,$ORIGIN/../lib')
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}

deb_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }
np_version=$(pkg-config --modversion nanoport 2>/dev/null)
if [ -n "${NANOPORT_BENCH_VERSION:-}" ]; then
    np_version=$NANOPORT_BENCH_VERSION
elif git -C "$here" rev-parse --short HEAD >/dev/null 2>&1; then
    np_version+=" git $(git -C "$here" rev-parse --short HEAD)"
    if ! git -C "$here" diff --quiet HEAD -- ../src ../include 2>/dev/null; then
        np_version+="+local-changes"
    fi
fi

rm -f "$out/bin/bench_"* "$out/bin/versions.txt"
built=()
build() { # build LABEL VERSION COMMAND...
    local label=$1 version=$2
    shift 2
    if "$@" >"$out/logs/build-$label.log" 2>&1; then
        echo "$label $version" >>"$out/bin/versions.txt"
        built+=("$label")
    else
        echo "bench/build.sh: $label did not build, left out (see $out/logs/build-$label.log):" >&2
        tail -5 "$out/logs/build-$label.log" >&2
    fi
}
nn_build() { # nn_build LABEL VERSION [compiler and linker flags...]
    local label=$1 version=$2
    shift 2
    build "$label" "$version" "$cc" "${cflags[@]}" -std=c99 -Wall -pthread \
        -DBENCH_LIB="\"$label\"" -DBENCH_LIB_VERSION="\"$version\"" \
        -o "$out/bin/bench_$label" "$src/nn_bench.c" "$@" "${rpath[@]}"
}

# nanoport's libraries first: the programs resolve them through $ORIGIN/../lib
np_libdir=$(pkg-config --variable=libdir nanoport 2>/dev/null)
if [ -n "$np_libdir" ] && [ -e "$np_libdir/libnanoport.so" ]; then
    rm -f "$out/lib/libnanoport.so"*
    cp -a "$np_libdir"/libnanoport.so* "$out/lib/"
    # without debug information: the copy travels (symbols stay, for perf)
    for f in "$out"/lib/libnanoport.so.*.*; do strip --strip-debug "$f" 2>/dev/null || true; done
    # shellcheck disable=SC2046
    nn_build nanoport "$np_version" $(pkg-config --cflags --libs nanoport-nanomsg)
    # shellcheck disable=SC2046
    build nanoport-cpp "$np_version" "$cxx" "${cflags[@]}" -std=c++20 -Wall -pthread \
        -DBENCH_LIB='"nanoport-cpp"' -DBENCH_LIB_VERSION="\"$np_version\"" \
        -o "$out/bin/bench_nanoport-cpp" "$src/np_bench.cpp" $(pkg-config --cflags --libs nanoport) "${rpath[@]}"
else
    echo "bench/build.sh: no nanoport under $prefix (pkg-config nanoport); nanoport rows left out" >&2
fi
nn_build nanomsg "$(deb_version libnanomsg5)" -lnanomsg
nn_build nng-compat "$(deb_version libnng1)" -I/usr/include/nng/compat -lnng
build nng "$(deb_version libnng1)" "$cc" "${cflags[@]}" -std=c99 -Wall -DBENCH_LIB='"nng"' \
    -o "$out/bin/bench_nng" "$src/nng_bench.c" -lnng "${rpath[@]}"
build zmq "$(deb_version libzmq5)" "$cc" "${cflags[@]}" -std=c99 -Wall -DBENCH_LIB='"zmq"' \
    -o "$out/bin/bench_zmq" "$src/zmq_bench.c" -lzmq "${rpath[@]}"

[ ${#built[@]} -gt 0 ] || { echo "bench/build.sh: nothing built" >&2; exit 1; }

# Gather the shared libraries the programs load (glibc's own excepted).
for label in "${built[@]}"; do
    ldd "$out/bin/bench_$label" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'
done | sort -u | while read -r lib; do
    case "$(basename "$lib")" in
        libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*|libresolv.so*) continue ;;
    esac
    [ "$(cd "$(dirname "$lib")" && pwd -P)" = "$(cd "$out/lib" && pwd -P)" ] && continue
    cp -L "$lib" "$out/lib/" 2>/dev/null || echo "bench/build.sh: could not copy $lib" >&2
done
missing=$(for label in "${built[@]}"; do ldd "$out/bin/bench_$label" | grep 'not found'; done | sort -u)
[ -z "$missing" ] || { echo "bench/build.sh: unresolved libraries: $missing" >&2; exit 1; }
echo "bench/build.sh: built ${built[*]} in $out/bin ($(du -sh "$out" | cut -f1) with lib/)" >&2
