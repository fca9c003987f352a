#!/usr/bin/env bash
# npcat_errors.sh -- every documented way npcat refuses to run ends with a
# non-zero status and a one-line "npcat: ..." message on stderr naming the
# problem; --help lists every option; --version and the np_* names work;
# TLS options without a TLS address draw a warning.
#
#   npcat_errors.sh --npcat NPCAT
#
# Status: 1 bad command line, 2 unreadable -F or TLS (--cacert, --cert,
# --key) file, 3 failed socket call.
set -u
here=$(cd "$(dirname "$0")" && pwd)
npcat=''
while [ $# -gt 0 ]; do
    case $1 in
        --npcat) npcat=$2 ;;
        *) echo "npcat_errors.sh: unknown option $1" >&2; exit 70 ;;
    esac
    shift 2
done
source "$here/lib.sh"
[ -x "$npcat" ] || fail "--npcat '$npcat' is not executable"
bin=$(dirname "$npcat")
ipc=ipc://$work/x.ipc
checked=0

# refuses STATUS TEXT CMD...: CMD ends with STATUS, prints nothing on stdout
# and "npcat: ...TEXT..." on stderr.
refuses() {
    local status=$1 text=$2
    shift 2
    timeout -k 2 "$TOOLS_DEADLINE" "$@" </dev/null >"$work/out" 2>"$work/err"
    local rc=$?
    [ "$rc" = "$status" ] || { cat "$work/err" >&2; fail "'$*' exited with $rc, expected $status"; }
    [ ! -s "$work/out" ] || fail "'$*' printed on stdout"
    [ "$(wc -l <"$work/err")" = 1 ] || { cat "$work/err" >&2; fail "'$*': not one line on stderr"; }
    grep -q "^npcat: .*$text" "$work/err" || { cat "$work/err" >&2; fail "'$*': no 'npcat: ...$text' on stderr"; }
    echo "status $rc: $*: $(cat "$work/err")"
    checked=$((checked + 1))
}

# The command line.
refuses 1 "no socket type" "$npcat"
refuses 1 "no socket type" "$npcat" --bind "$ipc"
refuses 1 "no address" "$npcat" --push
refuses 1 "no address" "$bin/np_pull"
refuses 1 "conflicts with --push" "$npcat" --push --pull --bind "$ipc"
refuses 1 "conflicts with np_push" "$bin/np_push" --pull --bind "$ipc"
refuses 1 "unknown option '--bogus'" "$npcat" --pull --bogus --bind "$ipc"
refuses 1 "unknown option '-z'" "$npcat" --pull -z --bind "$ipc"
refuses 1 "ambiguous option '--p'" "$npcat" --p --bind "$ipc"
refuses 1 "ambiguous option '--bin=" "$npcat" --pull "--bin=$ipc"
refuses 1 "unexpected argument 'extra'" "$npcat" --pull --bind "$ipc" extra
refuses 1 "unexpected argument '-x'" "$npcat" --pull --bind "$ipc" -- -x
refuses 1 "needs a value" "$npcat" --pull --bind
refuses 1 "needs a value" "$npcat" --pull -X
refuses 1 "takes no value" "$npcat" --pull --verbose=3 --bind "$ipc"
for bad in abc -1 inf nan 1e12 ''; do
    refuses 1 "needs a number of seconds" "$npcat" --pull --bind "$ipc" --recv-timeout "$bad"
done
refuses 1 "needs a number of seconds" "$npcat" --push --bind "$ipc" --send-timeout x
refuses 1 "needs a number of seconds" "$npcat" --push --bind "$ipc" -i -2
refuses 1 "needs a number of seconds" "$npcat" --push --bind "$ipc" -d 1s
refuses 1 "unknown format 'yaml'" "$npcat" --pull --bind "$ipc" --format yaml
for bad in 0 65536 http 12x; do
    refuses 1 "needs a tcp port" "$npcat" --pull -L "$bad"
    refuses 1 "needs a tcp port" "$npcat" --pull --connect-local "$bad"
done
refuses 1 "needs a whole number" "$npcat" --pull --bind "$ipc" --count -1
refuses 1 "needs a whole number" "$npcat" --pull --bind "$ipc" -C many
refuses 1 "needs a size in bytes" "$npcat" --pull --bind "$ipc" --recv-maxsz -2
refuses 1 "needs a size in bytes" "$npcat" --pull --bind "$ipc" -Z 3000000000
refuses 1 "conflicts with -D (--data)" "$npcat" --push --bind "$ipc" -D x -F y
refuses 1 "conflicts with -D (--data)" "$npcat" --push --bind "$ipc" -D x -D y
refuses 1 "needs a socket type that sends, not --pull" "$npcat" --pull --bind "$ipc" -D x
refuses 1 "needs a socket type that sends, not --sub" "$npcat" --sub --bind "$ipc" -F x
refuses 1 "needs a socket type that sends" "$npcat" --pull --bind "$ipc" -i 1
refuses 1 "needs a socket type that sends" "$npcat" --pull --bind "$ipc" --send-timeout 1
refuses 1 "needs a socket type that receives, not --push" "$npcat" --push --bind "$ipc" -A
refuses 1 "needs a socket type that receives, not --pub" "$npcat" --pub --bind "$ipc" --format json
refuses 1 "needs a socket type that receives" "$npcat" --push --bind "$ipc" --recv-timeout 1
refuses 1 "needs --sub, not --pull" "$npcat" --pull --bind "$ipc" --subscribe x
tls='tls+tcp://127.0.0.1:1'
refuses 1 "option --key needs -E (--cert)" "$npcat" --rep --bind "$tls" --key "$here/lib.sh"
refuses 1 "option --cacert needs a file name, got ''" "$npcat" --req --connect "$tls" --cacert ''
refuses 1 "option --server-name needs a host name" "$npcat" --req --connect "$tls" --server-name=
refuses 1 "takes no value" "$npcat" --req --connect "$tls" --insecure=1

# What fails at run time.
refuses 2 "can't read file '$work/missing'" "$npcat" --push --bind "$ipc" -F "$work/missing"
refuses 2 "can't read file '$work'" "$npcat" --push --bind "$ipc" -F "$work"
# The TLS files, before any socket work (the address is never tried).
refuses 2 "can't read --cacert file '$work/missing': No such file" "$npcat" --req --connect "$tls" --cacert "$work/missing"
refuses 2 "can't read --cert file '$work/missing'" "$npcat" --rep --bind "$tls" -E "$work/missing"
refuses 2 "can't read --key file '$work/missing'" "$npcat" --rep --bind "$tls" --cert "$here/lib.sh" --key "$work/missing"
refuses 2 "can't read --cert file '$work': Is a directory" "$npcat" --rep --bind "$tls" --cert "$work"
refuses 3 "can't bind to 'foo://x': Protocol not supported" "$npcat" --pull --bind foo://x
refuses 3 "can't connect to 'tcp://127.0.0.1:99999': Invalid argument" "$npcat" --pull --connect tcp://127.0.0.1:99999
refuses 3 "can't bind to 'tcp://nosuchif0:5555': No such device" "$npcat" --pull --bind tcp://nosuchif0:5555
refuses 3 "can't connect to 'tcp://nosuchif0;127.0.0.1:5555': No such device" "$npcat" --pull --connect 'tcp://nosuchif0;127.0.0.1:5555'
refuses 3 "can't bind to 'ipc://': Invalid argument" "$npcat" --pull -X ''
refuses 3 "can't set the socket name" "$npcat" --pull --bind "$ipc" --socket-name "$(printf 'n%.0s' $(seq 64))"
refuses 3 "can't send: .*timed out" "$npcat" --push --bind "$ipc" -D x --send-timeout 0.1
start holder "$npcat" --pull --bind "ipc://$work/held.ipc"
wait_until "the first npcat to bind" test -S "$work/held.ipc"
refuses 3 "can't bind to 'ipc://$work/held.ipc': Address already in use" "$npcat" --pull --bind "ipc://$work/held.ipc"
stop holder

# What succeeds without a socket.
"$npcat" --help >"$work/help" 2>"$work/err" || fail "--help exited with $?"
[ ! -s "$work/err" ] || fail "--help wrote to stderr"
for option in --verbose -v --silent -q --help -h --version --stats --push --pull --pub --sub \
    --req --rep --surveyor --respondent --bus --pair --bind --connect --bind-ipc -X \
    --connect-ipc -x --bind-local -L --connect-local -l --recv-timeout --send-timeout \
    --socket-name --recv-maxsz -Z --subscribe --format --raw --ascii -A --quoted -Q --msgpack \
    --hex --json --interval -i --delay -d --data -D --file -F --count -C --cacert --cert -E \
    --key --insecure -k --server-name --ws-text \
    np_push np_pull np_pub np_sub np_req np_rep np_surveyor np_respondent np_bus np_pair; do
    grep -qe "$option\b" "$work/help" || fail "--help does not mention $option"
done
"$npcat" --pull -h >/dev/null || fail "-h after other options exited with $?"
"$bin/np_sub" --help | head -n 2 | grep -q np_sub || fail "np_sub --help does not call itself np_sub"
version=$("$npcat" --version) || fail "--version exited with $?"
[[ "$version" =~ ^npcat\ [0-9]+\.[0-9]+\.[0-9]+ ]] || fail "--version printed '$version'"

# TLS options with no tls+tcp:// or wss:// address: a warning (not with -q),
# and npcat runs all the same.
for q in '' -q; do
    "$npcat" --pull --bind "ipc://$work/tls-warning.ipc" --cacert "$here/lib.sh" -k \
        --recv-timeout 0.01 ${q:+"$q"} >"$work/out" 2>"$work/err"
    rc=$?
    [ "$rc" = 0 ] || { cat "$work/err" >&2; fail "TLS options on ipc:// exited with $rc"; }
    expected="npcat: TLS options --cacert, -k (--insecure) have no effect: no address uses tls+tcp:// or wss://"
    [ -n "$q" ] && expected=''
    [ "$(cat "$work/err")" = "$expected" ] || { cat "$work/err" >&2; fail "TLS options on ipc:// ${q:+with $q }did not warn as expected"; }
done
echo "warning for TLS options without a TLS address: ok"
echo "$checked refusals checked; --help, --version: ok"
echo PASS
