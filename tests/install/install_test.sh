#!/usr/bin/env bash
# Installs the current build tree into a fresh prefix and builds nanomsg
# programs against it the two ways a user would:
#
#   1. pkg-config --cflags --libs nanoport-nanomsg, with the C compiler;
#   2. find_package(nanoport), with the CMake project in consumer/.
#
# It checks the layout (the C headers under include/nanoport/compat, none in
# include/nanomsg), that <nanomsg/nn.h> and <nanomsg/pair.h> resolve to the
# installed nanoport headers even though a real nanomsg may sit in
# /usr/include, and, with --link-c-api ON, that the programs link and their
# NEEDED entries name libnanoport. NANOPORT_INSTALL_TEST_RUN=1 also runs them.
# With --tools ON it checks bin/ too: npcat, its np_<type> symlinks and the
# perf tools are there, load the installed libnanoport and answer --help.
#
# Registered by tests/install/CMakeLists.txt; the prefix is left behind for
# inspection when a check fails and removed otherwise.
#
#   install_test.sh --build-dir B --work-dir W --generator G --c-compiler CC
#                   --cxx-compiler CXX --link-c-api ON|OFF [--tools ON|OFF]
#                   [--sanitize LIST]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build_dir='' work_dir='' generator='' cc='' cxx='' link_c_api=OFF tools=OFF sanitize=''
while [ $# -gt 0 ]; do
    case "$1" in
        --build-dir) build_dir=$2; shift 2 ;;
        --work-dir) work_dir=$2; shift 2 ;;
        --generator) generator=$2; shift 2 ;;
        --c-compiler) cc=$2; shift 2 ;;
        --cxx-compiler) cxx=$2; shift 2 ;;
        --link-c-api) link_c_api=$2; shift 2 ;;
        --tools) tools=$2; shift 2 ;;
        --sanitize) sanitize=$2; shift 2 ;;
        *) echo "install_test.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
for v in build_dir work_dir generator cc cxx; do
    if [ -z "${!v}" ]; then echo "install_test.sh: --${v//_/-} is required" >&2; exit 2; fi
done

fail() {
    echo "FAIL: $*" >&2
    echo "(files kept in $work_dir)" >&2
    exit 1
}
step() { echo "--- $*"; }

rm -rf "$work_dir"
mkdir -p "$work_dir"
prefix=$work_dir/prefix

# Programs built here link a sanitized library only with the same runtime.
extra_flags=()
if [ -n "$sanitize" ]; then extra_flags=("-fsanitize=$sanitize"); fi

step "cmake --install $build_dir --prefix $prefix"
cmake --install "$build_dir" --prefix "$prefix" >"$work_dir/install.log" 2>&1 \
    || { cat "$work_dir/install.log" >&2; fail "cmake --install failed"; }

step "layout"
pc_file=$(find "$prefix" -name nanoport.pc -path '*/pkgconfig/*' -print -quit)
[ -n "$pc_file" ] || fail "no pkgconfig/nanoport.pc under $prefix"
libdir=$(dirname "$(dirname "$pc_file")")
for f in "$libdir/libnanoport.so" "$libdir/libnanoport.a" \
         "$libdir/pkgconfig/nanoport-nanomsg.pc" \
         "$libdir/cmake/nanoport/nanoport-config.cmake" \
         "$libdir/cmake/nanoport/nanoport-config-version.cmake" \
         "$prefix/include/nanoport/compat/nanomsg/nn.h" \
         "$prefix/include/nanoport/compat/nanomsg/pair.h"; do
    [ -e "$f" ] || fail "missing $f"
done
[ ! -e "$prefix/include/nanomsg" ] \
    || fail "$prefix/include/nanomsg exists: it would shadow a real nanomsg installed alongside"
soname=$(readelf -d "$libdir/libnanoport.so" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
[ -n "$soname" ] || fail "libnanoport.so has no SONAME"
echo "libdir $libdir, SONAME $soname"

if [ "$tools" = ON ]; then
    step "tools in bin/"
    bindir=$prefix/bin
    [ -x "$bindir/npcat" ] && [ ! -L "$bindir/npcat" ] || fail "missing $bindir/npcat"
    for type in push pull pub sub req rep surveyor respondent bus pair; do
        link=$bindir/np_$type
        [ -L "$link" ] || fail "$link is not a symlink"
        [ "$(readlink "$link")" = npcat ] || fail "$link points to $(readlink "$link"), not npcat"
    done
    for tool in local_thr remote_thr local_lat remote_lat inproc_thr inproc_lat; do
        [ -x "$bindir/np_$tool" ] || fail "missing $bindir/np_$tool"
    done
    # The programs find the installed library by themselves (RUNPATH $ORIGIN/../lib).
    help=$("$bindir/npcat" --help) || fail "npcat --help exited with $?"
    grep -q -- '--surveyor' <<<"$help" || fail "npcat --help does not list the options"
    help=$("$bindir/np_push" --help) || fail "np_push --help exited with $?"
    grep -q np_push <<<"$help" || fail "np_push --help does not name np_push"
    for tool in local_thr inproc_lat; do
        help=$("$bindir/np_$tool" --help) || fail "np_$tool --help exited with $?"
        grep -q "^usage: np_$tool" <<<"$help" || fail "np_$tool --help printed no usage"
    done
    loaded=$(ldd "$bindir/npcat")
    path=$(sed -n "s|^[[:space:]]*$soname => \(.*\) (0x.*|\1|p" <<<"$loaded")
    [ -n "$path" ] && [ "$(realpath "$(dirname "$path")")" = "$(realpath "$libdir")" ] \
        || { echo "$loaded" >&2; fail "npcat does not load $soname from $libdir"; }
    echo "npcat, 10 symlinks, 6 perf tools; --help runs"
fi

step "pkg-config nanoport-nanomsg"
export PKG_CONFIG_PATH=$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
cflags=$(pkg-config --cflags nanoport-nanomsg) || fail "pkg-config --cflags nanoport-nanomsg"
libs=$(pkg-config --libs nanoport-nanomsg) || fail "pkg-config --libs nanoport-nanomsg"
echo "cflags: $cflags"
echo "libs:   $libs"
case " $cflags " in
    *" -I$prefix/include/nanoport/compat "*) ;;
    *) fail "cflags lack -I$prefix/include/nanoport/compat" ;;
esac
case " $libs " in
    *" -lnanoport "*) ;;
    *) fail "libs lack -lnanoport" ;;
esac

# Which files did the compiler take for the nanomsg headers? (-M lists them.)
read -r -a cflag_words <<<"$cflags"
"$cc" "${cflag_words[@]}" -M "$here/consumer/nanomsg_consumer.c" >"$work_dir/deps.txt" \
    || fail "preprocessing the consumer failed"
tr -s ' \\' '\n\n' <"$work_dir/deps.txt" | grep '/nanomsg/' >"$work_dir/nanomsg-headers.txt" || true
for h in nn.h pair.h; do
    grep -qxF -- "$prefix/include/nanoport/compat/nanomsg/$h" "$work_dir/nanomsg-headers.txt" \
        || { cat "$work_dir/deps.txt" >&2; fail "<nanomsg/$h> did not resolve to the installed nanoport"; }
done
if grep -vF -- "$prefix/include/nanoport/compat/nanomsg/" "$work_dir/nanomsg-headers.txt"; then
    fail "the nanomsg headers above, from outside the prefix, were included"
fi

api_flags=()
if [ "$link_c_api" = ON ]; then api_flags=(-DNANOPORT_CONSUMER_CALLS_API); fi
"$cc" "${cflag_words[@]}" "${api_flags[@]}" -std=c11 -Wall -Wextra -Wpedantic -Werror \
    -c "$here/consumer/nanomsg_consumer.c" -o "$work_dir/consumer_pc.o" \
    || fail "compiling the consumer with pkg-config's flags failed"

# Output is captured before grep: `cmd | grep -q` fails under pipefail when
# grep stops reading early and cmd gets SIGPIPE.
needed_of() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p'; }

# needs_libnanoport BINARY: its dynamic section names libnanoport, and the
# loader finds it in the prefix.
needs_libnanoport() {
    local needed loaded
    needed=$(needed_of "$1")
    grep -qxF "$soname" <<<"$needed" || { echo "$needed" >&2; fail "$1 does not need $soname"; }
    loaded=$(ldd "$1")
    grep -qF "$soname => $libdir/" <<<"$loaded" \
        || { echo "$loaded" >&2; fail "$1 does not load $soname from $libdir"; }
}
maybe_run() {
    if [ "${NANOPORT_INSTALL_TEST_RUN:-0}" = 1 ]; then
        "$1" || fail "$1 exited with status $?"
    fi
}

if [ "$link_c_api" = ON ]; then
    read -r -a lib_words <<<"$libs"
    "$cc" "${extra_flags[@]}" "$work_dir/consumer_pc.o" "${lib_words[@]}" \
        -Wl,-rpath,"$libdir" -o "$work_dir/consumer_pc" \
        || fail "linking the consumer with pkg-config's flags failed"
    needs_libnanoport "$work_dir/consumer_pc"
    maybe_run "$work_dir/consumer_pc"
else
    echo "(not linked: the test is registered with the C API link check off)"
fi

step "find_package(nanoport)"
consumer_build=$work_dir/consumer-build
cmake -S "$here/consumer" -B "$consumer_build" -G "$generator" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_PREFIX_PATH="$prefix" -DEXPECTED_PREFIX="$prefix" \
    -DCMAKE_C_FLAGS="${extra_flags[*]}" -DCMAKE_CXX_FLAGS="${extra_flags[*]}" \
    -DCMAKE_BUILD_RPATH="$libdir" \
    -DNANOPORT_CONSUMER_CALLS_API="$link_c_api" >"$work_dir/consumer-configure.log" 2>&1 \
    || { cat "$work_dir/consumer-configure.log" >&2; fail "configuring the find_package consumer failed"; }
cmake --build "$consumer_build" >"$work_dir/consumer-build.log" 2>&1 \
    || { cat "$work_dir/consumer-build.log" >&2; fail "building the find_package consumer failed"; }
if [ "$link_c_api" = ON ]; then
    needs_libnanoport "$consumer_build/consumer_shared"
    if needed_of "$consumer_build/consumer_static" | grep -xF "$soname"; then
        fail "consumer_static needs $soname: it should carry the library inside"
    fi
    maybe_run "$consumer_build/consumer_shared"
    maybe_run "$consumer_build/consumer_static"
fi

rm -rf "$work_dir"
echo "install test passed (C API link check: $link_c_api)"
