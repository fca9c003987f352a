#!/usr/bin/env bash
# npcat_formats.sh -- npcat's --format output, byte for byte:
#
#   npcat_formats.sh --npcat NPCAT --message binary|empty|medium|large
#
# One message (binary: 16 bytes with quotes, backslash, control, 0x7f, 0x80,
# 0xff and UTF-8 bytes; empty: 0 bytes; medium: 300 bytes, every byte value,
# a msgpack bin 16; large: 70000 bytes, a msgpack bin 32) is sent once by
# `npcat --push -F` to a pulling npcat and, separately, to a pulling
# nanocat, in each of nanocat's formats (raw, ascii, quoted, msgpack, hex).
# The two outputs must be identical, and for the binary and empty messages
# also equal to the bytes written out below.
set -u
here=$(cd "$(dirname "$0")" && pwd)
npcat='' which=''
while [ $# -gt 0 ]; do
    case $1 in
        --npcat) npcat=$2 ;;
        --message) which=$2 ;;
        *) echo "npcat_formats.sh: unknown option $1" >&2; exit 70 ;;
    esac
    shift 2
done
source "$here/lib.sh"
[ -x "$npcat" ] || fail "--npcat '$npcat' is not executable"

msg=$work/message
all_bytes() { printf "$(printf '\\%03o' $(seq 0 255))"; }
case $which in
    binary) printf 'a"b\\c\n\r\t\000\177\200\377\303\251 z' >"$msg" ;;
    empty) : >"$msg" ;;
    medium) { all_bytes; all_bytes; } | head -c 300 >"$msg" ;;
    large)
        all_bytes >"$work/bytes"
        while [ "$(stat -c %s "$work/bytes")" -lt 70000 ]; do
            cat "$work/bytes" "$work/bytes" >"$work/twice" && mv "$work/twice" "$work/bytes"
        done
        head -c 70000 "$work/bytes" >"$msg"
        ;;
    *) fail "--message must be binary, empty, medium or large" ;;
esac

# The bytes nanocat 1.1.5 prints for the binary and empty messages.
expected() {
    case $which:$1 in
        binary:raw) cat "$msg" ;;
        binary:ascii) printf 'a"b\\c......... z\n' ;;
        binary:quoted) printf '"a\\"b\\\\c\\n\\r\\x09\\x00\\x7f\\x80\\xff\\xc3\\xa9 z"\n' ;;
        binary:msgpack) printf '\304\020'; cat "$msg" ;;
        binary:hex)
            printf '"\\x61\\x22\\x62\\x5c\\x63\\x0a\\x0d\\x09\\x00\\x7f\\x80\\xff\\xc3\\xa9\\x20\\x7a"\n'
            ;;
        empty:raw) ;;
        empty:ascii) printf '\n' ;;
        empty:quoted | empty:hex) printf '""\n' ;;
        empty:msgpack) printf '\304\000' ;;
        *) return 1 ;;
    esac
}

on_fail() { show sender; show receiver; }
size_of() { stat -c %s "$1"; }
at_least() { [ -e "$1" ] && [ "$(size_of "$1")" -ge "$2" ]; }

n=0
for format in raw ascii quoted msgpack hex; do
    n=$((n + 1))
    # npcat receives it; --count 1 ends it.
    url=ipc://$work/$format.npcat.ipc
    start receiver "$npcat" --pull --bind "$url" --format "$format" --count 1
    start sender "$npcat" --push --connect "$url" -F "$msg"
    finish sender
    expect_status sender 0
    finish receiver
    expect_status receiver 0
    expect_quiet receiver
    cp "$work/receiver.out" "$work/$format.npcat"

    # nanocat receives it. nanomsg 1.1.5 drops a message it has read but not
    # yet handed out when the connection closes right behind it, so the
    # sender repeats the message (-i) until nanocat, which has no --count,
    # has printed as much as npcat did; its first copy is compared.
    url=ipc://$work/$format.nanocat.ipc
    start receiver nanocat --pull --bind "$url" --format "$format"
    start sender "$npcat" --push --connect "$url" -F "$msg" -i 0.05
    size=$(size_of "$work/$format.npcat")
    wait_until "nanocat to print the $format message" at_least "$work/receiver.out" "$size"
    stop sender
    stop receiver
    head -c "$size" "$work/receiver.out" >"$work/$format.nanocat"

    cmp "$work/$format.npcat" "$work/$format.nanocat" || {
        od -c "$work/$format.npcat" | head >&2
        od -c "$work/$format.nanocat" | head >&2
        fail "--format $format: npcat and nanocat printed different bytes"
    }
    if expected "$format" >"$work/$format.expected"; then
        cmp "$work/$format.npcat" "$work/$format.expected" || {
            od -c "$work/$format.npcat" | head >&2
            fail "--format $format: npcat printed other bytes than expected"
        }
    fi
    echo "$which message, --format $format: $(size_of "$work/$format.npcat") bytes, as nanocat"
done

# The msgpack header: bin 8, 16 or 32 by size.
header=$(head -c 5 "$work/msgpack.npcat" | od -An -tx1 | tr -d ' \n')
case $which in
    binary) [ "${header:0:4}" = c410 ] ;;
    empty) [ "$header" = c400 ] ;;
    medium) [ "${header:0:6}" = c5012c ] ;;
    large) [ "$header" = c600011170 ] ;;
esac || fail "msgpack header $header is wrong for the $which message"
echo PASS
