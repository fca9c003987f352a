#!/usr/bin/env bash
# Soak: mixed SP traffic between separate processes, with peers killed
# (SIGKILL) and restarted every few seconds, for some minutes. Prints a
# timeline every 10 s (RSS and descriptors of each long-lived process,
# messages per pattern) and, at the end, checks:
#   - no long-lived process grew: the most RSS seen in the last quarter of the
#     run is within RSS_TOLERANCE_KIB of the most seen in the second quarter
#     (the first quarter is warm-up), and descriptors within FD_TOLERANCE;
#   - REQ/REP: the long-lived REQ had every request answered, right, while
#     one of its two REPs was being killed and restarted;
#   - PUSH/PULL: every message of the long-lived pusher reached the
#     long-lived puller, in order, while churned pushers came and went;
#   - PUB/SUB: each long-lived subscriber's gaps add up exactly to the drops
#     the publisher counted on their pipes (per-pipe counters of the C++ API's
#     socket::statistics(); the C API's NN_STAT_* has no message-drop
#     statistic), so no message was lost without being counted.
# Exit status 0 when all hold; the last line is the verdict.
#
#   scripts/soak.sh [minutes]             default 2; builds into build-soak/
#   scripts/soak.sh --build-dir DIR [minutes]    reuse a configured build dir
#
# Processes (tests/load/soak/soak_peer.cpp):
#   long-lived: pub, sub-a, sub-b (tcp; sub-b pauses 4 s in 12, so PUB drops for
#               it), rep (tcp), req (to rep and rep-churn),
#               push (stream 0), pull (tcp)
#   churned:    sub-c, sub-d (ipc, to pub), rep-churn (ipc), req-c, req-d (to rep),
#               push-churn (to pull, its own stream)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$root/build-soak
minutes=2
while [ $# -gt 0 ]; do
    case "$1" in
        --build-dir) build_dir=$(cd "$2" && pwd); shift 2 ;;
        -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
        *[!0-9]*|'') echo "soak.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
        *) minutes=$1; shift ;;
    esac
done
[ "$minutes" -ge 1 ] || { echo "soak.sh: at least one minute" >&2; exit 2; }

readonly RSS_TOLERANCE_KIB=4096
readonly FD_TOLERANCE=2
readonly CHURN_EVERY_S=3
readonly SAMPLE_EVERY_S=2
readonly PRINT_EVERY_S=10

# --- build ---------------------------------------------------------------------
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    nice cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
nice cmake --build "$build_dir" -j2 --target soak_peer >/dev/null
peer=$build_dir/tests/load/soak_peer
[ -x "$peer" ] || { echo "soak.sh: $peer was not built" >&2; exit 2; }

# --- processes -----------------------------------------------------------------
duration=$((minutes * 60))
# Every peer ends itself this long after it starts, whatever happens here.
export SOAK_DEADLINE_S=$((duration + 180))
work=$(mktemp -d /tmp/nanoport-soak.XXXXXX)
declare -A pid=()

cleanup() {
    local name
    for name in "${!pid[@]}"; do
        kill -KILL "${pid[$name]}" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT  # so that cleanup runs when the script is stopped

pub_long=tcp://127.0.0.1:$("$peer" free-port)
pub_churn=ipc://$work/pub.ipc
rep_long=tcp://127.0.0.1:$("$peer" free-port)
rep_churn=ipc://$work/rep.ipc
pull_url=tcp://127.0.0.1:$("$peer" free-port)

declare -A args=(
    [pub]="pub $pub_long $pub_churn"
    [sub-a]="sub $pub_long"
    [sub-b]="sub $pub_long slow"
    [rep]="rep $rep_long"
    [req]="req $rep_long $rep_churn"
    [pull]="pull $pull_url"
    [push]="push $pull_url 0"
    [sub-c]="sub $pub_churn"
    [sub-d]="sub $pub_churn"
    [rep-churn]="rep $rep_churn"
    [req-c]="req $rep_long"
    [req-d]="req $rep_long"
    [push-churn]="push $pull_url"
)
long_lived=(pub sub-a sub-b rep req pull push)
churned=(sub-c sub-d rep-churn req-c req-d push-churn)
restarts=0

start() {
    local name=$1 role
    read -r -a role <<<"${args[$name]}"
    if [ "$name" = push-churn ]; then role+=($((1000 + restarts))); fi  # a stream of its own
    "$peer" "${role[0]}" "$work/$name.status" "${role[@]:1}" 2>>"$work/$name.err" &
    pid[$name]=$!
}

# field NAME KEY: a counter from NAME's status file (0 if none yet).
field() {
    local line
    line=$(cat "$work/$1.status" 2>/dev/null || true)
    if [[ " $line" =~ \ $2=([0-9]+) ]]; then echo "${BASH_REMATCH[1]}"; else echo 0; fi
}
# alive PID: running, not a zombie waiting to be reaped.
alive() {
    local state
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || true)
    [ -n "$state" ] && [ "$state" != Z ]
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
fd_count() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

# Waits until process NAME has exited (up to $2 s); sets status to its exit
# status, or 124 if it is still running.
wait_exit() {
    local name=$1 limit=$2 waited=0
    status=0
    while alive "${pid[$name]}"; do
        if [ $waited -ge $((limit * 10)) ]; then status=124; return; fi
        sleep 0.1
        waited=$((waited + 1))
    done
    wait "${pid[$name]}" || status=$?
    unset "pid[$name]"
}

for name in pub rep pull sub-a sub-b req push rep-churn sub-c sub-d req-c req-d push-churn; do
    start "$name"
done

# --- run: sample, churn, print ---------------------------------------------------
declare -A rss_samples=() fd_samples=()  # NAME -> "t:value t:value ..."
echo "soak: $minutes min, $(nproc) cores, churn every ${CHURN_EVERY_S}s; work dir $work"
printf '%6s' t
for name in "${long_lived[@]}"; do printf ' %15s' "$name kiB/fds"; done
printf '   %s\n' "pub sent/drops  subs got  req ok  push/pull  restarts"
next_churn=$CHURN_EVERY_S
next_sample=0
next_print=$PRINT_EVERY_S
churn_index=0
SECONDS=0
while [ $SECONDS -lt $duration ]; do
    now=$SECONDS
    for name in "${long_lived[@]}"; do
        if ! alive "${pid[$name]}"; then
            echo "soak: long-lived $name died early: $(tail -3 "$work/$name.err")" >&2
            echo "soak: FAIL ($name died)"
            exit 1
        fi
    done
    if [ $now -ge $next_sample ]; then
        for name in "${long_lived[@]}"; do
            rss_samples[$name]+="$now:$(rss_kib "${pid[$name]}") "
            fd_samples[$name]+="$now:$(fd_count "${pid[$name]}") "
        done
        next_sample=$((now + SAMPLE_EVERY_S))
    fi
    if [ $now -ge $next_churn ]; then
        victim=${churned[$churn_index]}
        churn_index=$(((churn_index + 1) % ${#churned[@]}))
        kill -KILL "${pid[$victim]}" 2>/dev/null || true
        wait "${pid[$victim]}" 2>/dev/null || true
        restarts=$((restarts + 1))
        start "$victim"
        next_churn=$((now + CHURN_EVERY_S))
    fi
    if [ $now -ge $next_print ]; then
        printf '%5ss' "$now"
        for name in "${long_lived[@]}"; do
            printf ' %15s' "$(rss_kib "${pid[$name]}")/$(fd_count "${pid[$name]}")"
        done
        printf '   %s/%s  %s  %s  %s/%s  %s\n' \
            "$(field pub sent)" "$(field pub long_drops)" \
            "$(($(field sub-a received) + $(field sub-b received)))" \
            "$(field req answered)" "$(field push sent)" "$(field pull stream0)" "$restarts"
        next_print=$((now + PRINT_EVERY_S))
    fi
    sleep 0.5
done

# --- orderly end -------------------------------------------------------------------
failures=()
fail() { failures+=("$1"); echo "soak: FAILED: $1"; }

for name in "${churned[@]}"; do
    kill -KILL "${pid[$name]}" 2>/dev/null || true
    wait "${pid[$name]}" 2>/dev/null || true
    unset "pid[$name]"
done

# REQ finishes its request in flight; PUSH lingers until its queue is out.
for name in req push; do
    kill -TERM "${pid[$name]}"
    wait_exit "$name" 40
    [ "$status" = 0 ] || fail "$name exited with $status"
done
pushed=$(field push sent)
for ((i = 0; i < 200; i++)); do
    [ "$(field pull stream0)" = "$pushed" ] && break
    sleep 0.1
done
kill -TERM "${pid[pull]}"
wait_exit pull 20
[ "$status" = 0 ] || fail "pull exited with $status"

# PUB sends end markers; each long-lived SUB stops at the first it gets.
kill -TERM "${pid[pub]}"
wait_exit pub 20
[ "$status" = 0 ] || fail "pub exited with $status"
for name in sub-a sub-b; do
    wait_exit "$name" 20
    [ "$status" = 0 ] || fail "$name did not stop at the end marker (status $status)"
done
kill -TERM "${pid[rep]}"
wait_exit rep 20
[ "$status" = 0 ] || fail "rep exited with $status"

# --- checks --------------------------------------------------------------------------
echo "soak: final counters"
for name in pub sub-a sub-b req rep push pull; do
    echo "  $name: $(cat "$work/$name.status" 2>/dev/null || echo 'no status')"
done

# window NAME SAMPLES FROM TO: the largest value sampled in [FROM, TO) seconds.
window_max() {
    local best=0 entry t v
    for entry in $2; do
        t=${entry%%:*} v=${entry##*:}
        if [ "$t" -ge "$3" ] && [ "$t" -lt "$4" ] && [ "$v" -gt "$best" ]; then best=$v; fi
    done
    echo $best
}
q=$((duration / 4))
echo "soak: growth, most seen in [${q}s, $((2 * q))s) -> most seen in [$((3 * q))s, end]"
for name in "${long_lived[@]}"; do
    rss_warm=$(window_max "$name" "${rss_samples[$name]}" $q $((2 * q)))
    rss_end=$(window_max "$name" "${rss_samples[$name]}" $((3 * q)) $((duration + 1)))
    fd_warm=$(window_max "$name" "${fd_samples[$name]}" $q $((2 * q)))
    fd_end=$(window_max "$name" "${fd_samples[$name]}" $((3 * q)) $((duration + 1)))
    echo "  $name: RSS $rss_warm -> $rss_end KiB, descriptors $fd_warm -> $fd_end"
    [ $((rss_end - rss_warm)) -le $RSS_TOLERANCE_KIB ] ||
        fail "$name RSS grew by $((rss_end - rss_warm)) KiB (tolerance $RSS_TOLERANCE_KIB)"
    [ $((fd_end - fd_warm)) -le $FD_TOLERANCE ] ||
        fail "$name descriptors grew by $((fd_end - fd_warm)) (tolerance $FD_TOLERANCE)"
done

req_sent=$(field req sent) req_answered=$(field req answered)
[ "$req_sent" -gt 0 ] || fail "req sent nothing"
[ "$req_sent" = "$req_answered" ] || fail "req: $req_sent requests, $req_answered answered"
[ "$(field req wrong)" = 0 ] || fail "req: $(field req wrong) wrong replies"
[ "$(field req failed)" = 0 ] || fail "req: $(field req failed) requests timed out"

[ "$pushed" -gt 0 ] || fail "push sent nothing"
[ "$(field pull stream0)" = "$pushed" ] || fail "pull got $(field pull stream0) of $pushed pushed"
[ "$(field pull gaps)" = 0 ] || fail "pull: $(field pull gaps) messages missing inside a stream"
[ "$(field pull disorder)" = 0 ] || fail "pull: $(field pull disorder) out of order or malformed"

sub_gaps=0
for name in sub-a sub-b; do
    [ "$(field "$name" ended)" = 1 ] || fail "$name never got the end marker"
    [ "$(field "$name" disorder)" = 0 ] || fail "$name: $(field "$name" disorder) out of order"
    [ "$(field "$name" received)" -gt 0 ] || fail "$name received nothing"
    sub_gaps=$((sub_gaps + $(field "$name" gaps)))
done
pub_drops=$(field pub long_drops)
[ "$(field pub long_pipes_seen)" = 2 ] ||
    fail "pub saw $(field pub long_pipes_seen) pipes of long-lived subscribers, not 2 (one reconnected?)"
[ "$sub_gaps" = "$pub_drops" ] || fail "subscribers missed $sub_gaps messages, pub counted $pub_drops drops"
[ "$restarts" -gt 0 ] || fail "no peer was churned"

errors=$(cat "$work"/*.err 2>/dev/null | head -5)
[ -z "$errors" ] || echo "soak: peers' stderr (first lines):"$'\n'"$errors"

summary="$minutes min, $restarts restarts, pub $(field pub sent) sent ($pub_drops dropped, all counted), req $req_answered/$req_sent answered, push/pull $(field pull stream0)/$pushed"
if [ ${#failures[@]} -eq 0 ]; then
    echo "soak: PASS: $summary"
else
    echo "soak: FAIL (${#failures[@]} checks): $summary"
    exit 1
fi
