#!/usr/bin/env bash
# perf_interop.sh -- the perf tools of nanoport (np_local_thr, ...) against
# the same sources built on the real nanomsg 1.1.5 (Debian's libnanomsg;
# nanomsg's own perf programs are not packaged), over one transport:
#
#   perf_interop.sh --np-dir DIR --nn-dir DIR --json-field BIN
#                   --transport tcp|ipc [--free-port BIN]
#
# DIR/np_<tool> is nanoport's build, DIR/perf_nn_<tool> nanomsg's. Each pair
# (nanoport local + nanomsg remote, and the reverse; throughput and latency)
# must complete by itself and print nanomsg's result lines; with --json, one
# JSON line. The throughput runs carry 1 MiB messages too, above the default
# NN_RCVMAXSIZE, which the local side lifts.
set -u
here=$(cd "$(dirname "$0")" && pwd)
np_dir='' nn_dir='' json_field='' transport='' free_port=''
while [ $# -gt 0 ]; do
    case $1 in
        --np-dir) np_dir=$2 ;;
        --nn-dir) nn_dir=$2 ;;
        --json-field) json_field=$2 ;;
        --transport) transport=$2 ;;
        --free-port) free_port=$2 ;;
        *) echo "perf_interop.sh: unknown option $1" >&2; exit 70 ;;
    esac
    shift 2
done
source "$here/lib.sh"
on_fail() { show local; show remote; }

n=0
next_url() {
    n=$((n + 1))
    if [ "$transport" = tcp ]; then
        reserve_port port
        url=tcp://127.0.0.1:$port
    else
        url=ipc://$work/perf$n.ipc
    fi
}

# matches FILE REGEX...: FILE has exactly these lines, each matching its REGEX.
matches() {
    local file=$1 i=0 line
    shift
    [ "$(wc -l <"$file")" = $# ] || { cat "$file" >&2; fail "$file: $(wc -l <"$file") lines, expected $#"; }
    while IFS= read -r line; do
        i=$((i + 1))
        [[ "$line" =~ ${!i} ]] || fail "line $i '$line' does not match '${!i}'"
    done <"$file"
}

# run_pair LOCAL REMOTE KIND SIZE COUNT [--json]: runs LOCAL (binds) and REMOTE
# (connects) to completion and checks LOCAL's (thr) or REMOTE's (lat) result.
run_pair() {
    local local_bin=$1 remote_bin=$2 kind=$3 size=$4 count=$5 json=${6:-}
    next_url
    echo "--- ${local_bin##*/} $url $size $count $json  <-  ${remote_bin##*/}"
    start local "$local_bin" "$url" "$size" "$count" $json
    start remote "$remote_bin" "$url" "$size" "$count" $json
    finish local
    finish remote
    expect_status local 0
    expect_status remote 0
    expect_quiet local
    expect_quiet remote
    local result=$work/local.out
    [ "$kind" = lat ] && result=$work/remote.out
    cat "$result"
    if [ -n "$json" ]; then
        "$json_field" - <"$result" || fail "not JSON"
        [ "$("$json_field" size <"$result")" = "$size" ] || fail "JSON size"
        if [ "$kind" = thr ]; then
            [ "$("$json_field" count <"$result")" = "$count" ] || fail "JSON count"
            "$json_field" msgs_per_s <"$result" >/dev/null || fail "no msgs_per_s"
        else
            [ "$("$json_field" roundtrips <"$result")" = "$count" ] || fail "JSON roundtrips"
            "$json_field" rtt_p99_us <"$result" >/dev/null || fail "no rtt_p99_us"
        fi
    elif [ "$kind" = thr ]; then
        matches "$result" "^message size: $size \[B\]$" "^message count: $count$" \
            '^throughput: [0-9]+ \[msg/s\]$' '^throughput: [0-9]+\.[0-9]{3} \[Mb/s\]$'
    else
        matches "$result" "^message size: $size \[B\]$" "^roundtrip count: $count$" \
            '^average latency: [0-9]+\.[0-9]{3} \[us\]$'
    fi
}

np=$np_dir/np_ nn=$nn_dir/perf_nn_
run_pair "${np}local_thr" "${nn}remote_thr" thr 100 20000
run_pair "${nn}local_thr" "${np}remote_thr" thr 100 20000
run_pair "${np}local_thr" "${nn}remote_thr" thr 1048576 20 --json
run_pair "${nn}local_thr" "${np}remote_thr" thr 1048576 20 --json
run_pair "${np}local_lat" "${nn}remote_lat" lat 100 2000
run_pair "${nn}local_lat" "${np}remote_lat" lat 100 2000 --json
run_pair "${np}local_lat" "${nn}remote_lat" lat 0 100 --json
echo PASS
