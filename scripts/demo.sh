#!/usr/bin/env bash
# The nanoport demo: builds nanoport and npcat (in build/, as scripts/test.sh
# does) and runs three small messaging set-ups between separate processes,
# printing what flows:
#
#   1. request/reply   a REP service answering a REQ client      (ipc)
#   2. publish/subscribe  a PUB feeding two SUBs with different prefixes (tcp)
#   3. pipeline        a shell pipeline through PUSH -> PULL     (ipc)
#
# Installs missing Debian packages first (scripts/deps.sh). Exits 0 when every
# exchange happened as expected. Every process it starts ends by itself
# (timeouts); its files live in a temporary directory that is removed.
#
#   scripts/demo.sh            the messaging demo
#   scripts/demo.sh --engine   also the engine micro-benchmark table (epoll
#                              and io_uring, tools/perf/np_aio_oploop)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

engine=no
while [ $# -gt 0 ]; do
    case "$1" in
        --engine) engine=yes; shift ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "demo.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

scripts/deps.sh

export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
jobs=$(nproc)

build() {  # build <dir> <io_uring ON|OFF> <targets...>
    local dir=$1 uring=$2
    shift 2
    local generator=()
    if [ ! -f "$dir/CMakeCache.txt" ] && command -v ninja >/dev/null 2>&1; then
        generator=(-G Ninja)
    fi
    cmake -S . -B "$dir" "${generator[@]}" -DNANOPORT_IO_URING="$uring" >/dev/null
    cmake --build "$dir" --parallel "$jobs" --target "$@" >/dev/null
}

echo "== demo.sh: building nanoport and npcat in build/"
build build OFF npcat
npcat=$root/build/tools/npcat/npcat

work=$(mktemp -d /tmp/nanoport-demo.XXXXXX)
children=()
cleanup() {
    for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

failed=0
fail() {
    echo "demo.sh: FAILED: $*" >&2
    failed=1
}

# A tcp port on 127.0.0.1 that nothing listens on (connecting is refused).
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 10000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

# Waits (up to 20 s) for a process to end; its exit status, or 124 if it did not.
wait_for() {
    local pid=$1
    for _ in $(seq 1 200); do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" && return 0 || return $?
        fi
        sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    return 124
}

# Waits (up to 20 s) until a Unix socket file exists: its listener is up.
wait_for_socket() {
    for _ in $(seq 1 200); do
        [ -S "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

echo
echo "$("$npcat" --version | head -n 1); $(nproc) cores; $(uname -sr)"

# --- 1. request/reply ------------------------------------------------------------------
echo
echo "1. Request/reply over ipc: a REP service answers every request with 'pong';"
echo "   a REQ client sends three requests from its stdin and prints the replies."
echo
rep_url="ipc://$work/service.ipc"
timeout 30 "$npcat" --rep --bind "$rep_url" --data pong --ascii --count 3 >"$work/rep.out" 2>"$work/rep.err" &
rep=$!
children+=("$rep")
echo "   \$ printf 'ping 1\\nping 2\\nping 3\\n' | npcat --req --connect $rep_url --ascii"
if printf 'ping 1\nping 2\nping 3\n' |
    timeout 30 "$npcat" --req --connect "$rep_url" --ascii >"$work/req.out" 2>"$work/req.err"; then
    sed 's/^/   REQ got reply:     /' "$work/req.out"
else
    fail "the REQ client: $(cat "$work/req.err")"
fi
wait_for "$rep" || fail "the REP service: $(cat "$work/rep.err")"
sed 's/^/   REP got request:   /' "$work/rep.out"
[ "$(wc -l <"$work/req.out")" -eq 3 ] || fail "the REQ client got $(wc -l <"$work/req.out") replies, not 3"
[ "$(wc -l <"$work/rep.out")" -eq 3 ] || fail "the REP service got $(wc -l <"$work/rep.out") requests, not 3"

# --- 2. publish/subscribe -------------------------------------------------------------------
echo
echo "2. Publish/subscribe over tcp: one PUB publishes weather and news lines;"
echo "   one SUB subscribes to 'weather.', the other to 'news.'; each stops after 3."
echo
port=$(free_port) || { echo "demo.sh: no free tcp port" >&2; exit 1; }
pub_url="tcp://127.0.0.1:$port"
# The publisher streams lines until the subscribers have what they want (a
# subscriber only sees what is published after it has connected).
publish() {
    for i in $(seq 1 300); do
        echo "weather.paris sunny, reading $i"
        echo "news.tech nanoport speaks SP, item $i"
    done
}
publish | timeout 60 "$npcat" --pub --bind "$pub_url" --interval 0.05 2>"$work/pub.err" &
pub=$!
children+=("$pub")
timeout 30 "$npcat" --sub --connect "$pub_url" --subscribe weather. --ascii --count 3 \
    >"$work/weather.out" 2>"$work/weather.err" &
weather=$!
timeout 30 "$npcat" --sub --connect "$pub_url" --subscribe news. --ascii --count 3 \
    >"$work/news.out" 2>"$work/news.err" &
news=$!
children+=("$weather" "$news")
echo "   \$ ... | npcat --pub --bind $pub_url --interval 0.05"
echo "   \$ npcat --sub --connect $pub_url --subscribe weather. --ascii --count 3"
echo "   \$ npcat --sub --connect $pub_url --subscribe news. --ascii --count 3"
wait_for "$weather" || fail "the weather subscriber: $(cat "$work/weather.err")"
wait_for "$news" || fail "the news subscriber: $(cat "$work/news.err")"
kill "$pub" 2>/dev/null || true
sed 's/^/   weather SUB got:   /' "$work/weather.out"
sed 's/^/   news SUB got:      /' "$work/news.out"
[ "$(grep -c '^weather\.' "$work/weather.out")" -eq 3 ] || fail "the weather subscriber got other messages"
[ "$(grep -c '^news\.' "$work/news.out")" -eq 3 ] || fail "the news subscriber got other messages"

# --- 3. pipeline --------------------------------------------------------------------------------
echo
echo "3. A shell pipeline through PUSH -> PULL over ipc: a producer's lines go"
echo "   into npcat --push; npcat --pull feeds a consumer (here: tr a-z A-Z)."
echo
pipe_url="ipc://$work/pipeline.ipc"
echo "   \$ npcat --pull --bind $pipe_url --ascii --count 5 | tr a-z A-Z"
echo "   \$ seq 1 5 | sed 's/^/job /' | npcat --push --connect $pipe_url"
(timeout 30 "$npcat" --pull --bind "$pipe_url" --ascii --count 5 2>"$work/pull.err" | tr a-z A-Z \
    >"$work/consumer.out") &
consumer=$!
children+=("$consumer")
# The producer exits once its lines are flushed (NN_LINGER), so the consumer
# must be listening by then.
wait_for_socket "$work/pipeline.ipc" || fail "the consumer never listened: $(cat "$work/pull.err")"
seq 1 5 | sed 's/^/job /' | timeout 30 "$npcat" --push --connect "$pipe_url" 2>"$work/push.err" ||
    fail "the producer: $(cat "$work/push.err")"
wait_for "$consumer" || fail "the consumer: $(cat "$work/pull.err")"
sed 's/^/   consumer printed:  /' "$work/consumer.out"
[ "$(cat "$work/consumer.out")" = "$(seq 1 5 | sed 's/^/JOB /')" ] || fail "the consumer did not get jobs 1..5 in order"

# --- engine (optional) -------------------------------------------------------------------------
if [ "$engine" = yes ]; then
    echo
    echo "Engine micro-benchmark: one worker drives a write op and a read op over a"
    echo "Unix socketpair, each restarting itself from its completion (1 s per run)."
    build build OFF np_aio_oploop
    build build-uring ON np_aio_oploop
    printf '   %10s  %14s  %14s\n' block "epoll ops/s" "io_uring ops/s"
    for block in 64 1024 16384 65536; do
        row=()
        for dir in build build-uring; do
            if out=$("$dir/tools/perf/np_aio_oploop" "$block" 1 2>&1); then
                row+=("$(sed -n 's/.*"ops_per_s":\([0-9]*\).*/\1/p' <<<"$out")")
            else
                row+=(-)
            fi
        done
        printf '   %10s  %14s  %14s\n' "$block B" "${row[@]}"
    done
fi

echo
if [ "$failed" -ne 0 ]; then
    echo "demo.sh: something above did not work as expected."
    exit 1
fi
echo "All three exchanges worked. Try it yourself: build/tools/npcat/npcat --help"
