#!/usr/bin/env bash
# perf_inproc.sh -- np_inproc_thr and np_inproc_lat (nanomsg's inproc_thr and
# inproc_lat command lines and output), their --json lines, and the perf
# tools' usage errors:
#
#   perf_inproc.sh --np-dir DIR --json-field BIN [--nn-dir DIR]
#
# With --nn-dir, the same sources built on the real nanomsg run too.
set -u
here=$(cd "$(dirname "$0")" && pwd)
np_dir='' nn_dir='' json_field=''
while [ $# -gt 0 ]; do
    case $1 in
        --np-dir) np_dir=$2 ;;
        --nn-dir) nn_dir=$2 ;;
        --json-field) json_field=$2 ;;
        *) echo "perf_inproc.sh: unknown option $1" >&2; exit 70 ;;
    esac
    shift 2
done
source "$here/lib.sh"
on_fail() { show tool; }

# check_run BIN ARGS... : runs to completion with status 0 and no stderr.
check_run() {
    start tool "$@"
    finish tool
    expect_status tool 0
    expect_quiet tool
    cat "$work/tool.out"
}
lines_match() {
    local i=0 line
    [ "$(wc -l <"$work/tool.out")" = $# ] || fail "$(wc -l <"$work/tool.out") lines, expected $#"
    while IFS= read -r line; do
        i=$((i + 1))
        [[ "$line" =~ ${!i} ]] || fail "line $i '$line' does not match '${!i}'"
    done <"$work/tool.out"
}
field() { "$json_field" "$1" <"$work/tool.out"; }

for prefix in "$np_dir/np_" ${nn_dir:+"$nn_dir/perf_nn_"}; do
    check_run "${prefix}inproc_thr" 64 20000
    lines_match '^message size: 64 \[B\]$' '^message count: 20000$' \
        '^mean throughput: [0-9]+ \[msg/s\]$' '^mean throughput: [0-9]+\.[0-9]{3} \[Mb/s\]$'
    check_run "${prefix}inproc_thr" 0 1000 --json
    [ "$(field tool)" = inproc_thr ] && [ "$(field size)" = 0 ] && [ "$(field count)" = 1000 ] \
        || fail "inproc_thr --json fields"
    check_run "${prefix}inproc_lat" 64 2000
    lines_match '^message size: 64 \[B\]$' '^roundtrip count: 2000$' \
        '^average latency: [0-9]+\.[0-9]{3} \[us\]$'
    check_run "${prefix}inproc_lat" 1048576 10 --json
    [ "$(field tool)" = inproc_lat ] && [ "$(field roundtrips)" = 10 ] || fail "inproc_lat --json fields"
    awk -v p50="$(field rtt_p50_us)" -v p99="$(field rtt_p99_us)" 'BEGIN { exit !(p50 > 0 && p50 <= p99) }' \
        || fail "p50 $(field rtt_p50_us) and p99 $(field rtt_p99_us) are not ordered"
done

# Usage: --help exits 0 with the usage; a bad command line exits 1 with it.
for tool in local_thr remote_thr local_lat remote_lat inproc_thr inproc_lat; do
    bin=$np_dir/np_$tool
    "$bin" --help | grep -q "^usage: np_$tool " || fail "np_$tool --help"
    case $tool in inproc_*) good=(64 10) ;; *) good=(ipc:///nonexistent 64 10) ;; esac
    for bad in "" "${good[*]} extra" "${good[*]/64/-1}" "${good[*]/10/0}" "${good[*]/10/ten}"; do
        # shellcheck disable=SC2086 # word splitting wanted
        timeout 10 "$bin" $bad >"$work/out" 2>"$work/err"
        rc=$?
        [ "$rc" = 1 ] || fail "np_$tool $bad exited with $rc, expected 1"
        grep -q "^usage: np_$tool " "$work/err" || fail "np_$tool $bad: no usage on stderr"
    done
done
echo PASS
