#!/usr/bin/env bash
# npcat_stdin.sh -- npcat in shell pipelines, and the options that shape a
# run (--count, --recv-timeout, -i, -d, -F -, --recv-maxsz, --stats):
#
#   npcat_stdin.sh --npcat NPCAT --json-field NPCAT_JSON_FIELD --free-port FREE_PORT
#
# Where a receiver must be connected before anything is sent (PUB, BUS,
# PAIR), stdin is a FIFO the test writes to: it sends probe lines until the
# receiver has printed one, then the lines under test. No sleeps.
set -u
here=$(cd "$(dirname "$0")" && pwd)
npcat='' json_field='' free_port=''
while [ $# -gt 0 ]; do
    case $1 in
        --npcat) npcat=$2 ;;
        --json-field) json_field=$2 ;;
        --free-port) free_port=$2 ;;
        *) echo "npcat_stdin.sh: unknown option $1" >&2; exit 70 ;;
    esac
    shift 2
done
source "$here/lib.sh"
[ -x "$npcat" ] || fail "--npcat '$npcat' is not executable"
bin=$(dirname "$npcat")
names=(a b c)
on_fail() { local n; for n in sender receiver "${names[@]}"; do show "$n"; done; }

# same FILE TEXT: FILE holds exactly TEXT (printf's escapes).
same() {
    printf "$2" >"$work/expected"
    cmp -s "$1" "$work/expected" || { od -c "$1" | head >&2; fail "$1 is not '$2'"; }
}

step() { echo "--- $*"; }

step "printf 'a\\nb\\n\\nlast' | npcat --push  ->  npcat --pull -A (an empty line is an empty message)"
url=ipc://$work/pipeline.ipc
printf 'a\nb\n\nlast' >"$work/lines"
start receiver "$npcat" --pull --bind "$url" -A --count 4
START_STDIN=$work/lines start sender "$npcat" --push --connect "$url"
finish sender
expect_status sender 0
finish receiver
expect_status receiver 0
same "$work/receiver.out" 'a\nb\n\nlast\n'

step "seq 10000 | np_push -l PORT  ->  np_pull -L PORT -A --count 10000 (symlink names, tcp, flushed at EOF)"
reserve_port port
seq 10000 >"$work/seq"
start receiver "$bin/np_pull" -L "$port" -A --count 10000
START_STDIN=$work/seq start sender "$bin/np_push" -l "$port"
finish sender
expect_status sender 0
finish receiver
expect_status receiver 0
cmp "$work/receiver.out" "$work/seq" || fail "np_pull did not print 1..10000"

step "seq 100 | npcat --push  ->  nngcat --pull0 --count 100"
url=ipc://$work/nngcat-pull.ipc
seq 100 | sed 's/.*/"&"/' >"$work/seq-quoted"
start receiver nngcat --pull0 --listen "$url" -Q --count 100
START_STDIN=$work/seq start sender "$npcat" --push --connect "$url" --count 100
finish sender
expect_status sender 0
finish receiver
expect_status receiver 0
cmp "$work/receiver.out" "$work/seq-quoted" || fail "nngcat did not get 1..100"

step "printf 'q1\\nq2\\n' | npcat --req -A  ->  npcat --rep -D ans -A, and -> nanocat --rep"
url=ipc://$work/reqrep.ipc
printf 'q1\nq2\n' >"$work/requests"
start receiver "$npcat" --rep --bind "$url" -D ans -A --count 2
START_STDIN=$work/requests start sender "$npcat" --req --connect "$url" -A
finish sender
expect_status sender 0
finish receiver
expect_status receiver 0
same "$work/sender.out" 'ans\nans\n'
same "$work/receiver.out" 'q1\nq2\n'
url=ipc://$work/nanocat-rep.ipc
start receiver nanocat --rep --bind "$url" -D ans -A
START_STDIN=$work/requests start sender "$npcat" --req --connect "$url" -A
finish sender
expect_status sender 0
stop receiver
same "$work/sender.out" 'ans\nans\n'
same "$work/receiver.out" 'q1\nq2\n'

step "lines -> npcat --surveyor -A  ->  two npcat --respondent"
url=ipc://$work/survey.ipc
mkfifo "$work/survey.fifo"
start a "$npcat" --respondent --connect "$url" -D one -A
start b "$npcat" --respondent --connect "$url" -D two -A
START_STDIN=$work/survey.fifo start sender "$npcat" --surveyor --bind "$url" -A
exec 3>"$work/survey.fifo"
# Each survey lasts its deadline (1 s), so a probe goes out only when the
# last one's survey is over; until both respondents have answered one.
last_probe=0
both_answered() {
    local now=${EPOCHREALTIME/./}
    if [ $((now - last_probe)) -ge 1100000 ]; then
        echo probe >&3
        last_probe=$now
    fi
    has_line "$work/sender.out" one && has_line "$work/sender.out" two
}
wait_until "both respondents to answer" both_answered
echo question >&3
exec 3>&-
finish sender
expect_status sender 0
stop a
stop b
has_line "$work/a.out" question && has_line "$work/b.out" question || fail "a respondent missed the question"
[ "$(tail -n 2 "$work/sender.out" | sort | tr '\n' ' ')" = "one two " ] \
    || fail "the surveyor did not print both responses to the last survey"

step "FIFO -> npcat --pub  ->  npcat --sub (everything) and npcat --sub --subscribe topic"
url=ipc://$work/pubsub.ipc
mkfifo "$work/pub.fifo"
start a "$npcat" --sub --connect "$url" -A
start b "$npcat" --sub --connect "$url" -A --subscribe topic
START_STDIN=$work/pub.fifo start sender "$npcat" --pub --bind "$url"
exec 3>"$work/pub.fifo"
both_subscribed() { echo "topic probe" >&3; has_line "$work/a.out" "topic probe" && has_line "$work/b.out" "topic probe"; }
wait_until "both subscribers to get a probe" both_subscribed
printf 'topic one\nother\ntopic two\n' >&3
exec 3>&-
finish sender
expect_status sender 0
wait_until "the subscribers to get the last message" \
    eval 'has_line "$work/a.out" "topic two" && has_line "$work/b.out" "topic two"'
stop a
stop b
grep -v 'topic probe' "$work/a.out" >"$work/a.rest"
grep -v 'topic probe' "$work/b.out" >"$work/b.rest"
same "$work/a.rest" 'topic one\nother\ntopic two\n'
same "$work/b.rest" 'topic one\ntopic two\n'

step "npcat --pair both ways: A sends its stdin lines, B answers from its stdin"
url=ipc://$work/pair.ipc
mkfifo "$work/pair.fifo"
printf 'x\ny\n' >"$work/xy"
START_STDIN=$work/xy start a "$npcat" --pair --bind "$url" -A --count 1
START_STDIN=$work/pair.fifo start b "$npcat" --pair --connect "$url" -A
exec 3>"$work/pair.fifo"
wait_until "B to get x and y" has_line "$work/b.out" y
echo from-b >&3
finish a
expect_status a 0
exec 3>&-
stop b
same "$work/a.out" 'from-b\n'
same "$work/b.out" 'x\ny\n'

step "npcat --bus both ways, no echo to the sender"
url=ipc://$work/bus.ipc
mkfifo "$work/bus-a.fifo" "$work/bus-b.fifo"
START_STDIN=$work/bus-a.fifo start a "$npcat" --bus --bind "$url" -A
START_STDIN=$work/bus-b.fifo start b "$npcat" --bus --connect "$url" -A
exec 3>"$work/bus-a.fifo" 4>"$work/bus-b.fifo"
b_hears_a() { echo probe-a >&3; has_line "$work/b.out" probe-a; }
wait_until "B to hear A" b_hears_a
echo from-b >&4
wait_until "A to hear B" has_line "$work/a.out" from-b
echo from-a >&3
wait_until "B to hear from-a" has_line "$work/b.out" from-a
exec 3>&- 4>&-
stop a
stop b
same "$work/a.out" 'from-b\n'
grep -v probe-a "$work/b.out" >"$work/b.rest"
same "$work/b.rest" 'from-a\n'

step "-F - sends all of stdin as one message"
url=ipc://$work/file-stdin.ipc
printf 'multi\nline' >"$work/multi"
start receiver "$npcat" --pull --bind "$url" -Q --count 1
START_STDIN=$work/multi start sender "$npcat" --push --connect "$url" -F -
finish sender
expect_status sender 0
finish receiver
expect_status receiver 0
same "$work/receiver.out" '"multi\\nline"\n'

step "-D with -i and --count 3 ends by itself after three sends"
url=ipc://$work/count.ipc
start receiver "$npcat" --pull --bind "$url" -A --count 3
start sender "$npcat" --push --connect "$url" -D m -i 0.01 --count 3
finish sender
expect_status sender 0
finish receiver
expect_status receiver 0
same "$work/receiver.out" 'm\nm\nm\n'

step "--recv-timeout ends a receiver that hears nothing, with status 0"
began=$SECONDS
start receiver "$npcat" --pull --bind "ipc://$work/silent.ipc" -A --recv-timeout 0.2
finish receiver
expect_status receiver 0
[ ! -s "$work/receiver.out" ] || fail "printed something"
[ $((SECONDS - began)) -lt 10 ] || fail "--recv-timeout 0.2 took $((SECONDS - began)) s"

step "-i paces stdin lines and -d delays the first send"
url=ipc://$work/pace.ipc
printf 'a\nb\nc\n' >"$work/abc"
start receiver "$npcat" --pull --bind "$url" -A --count 3
began=$(date +%s%N)
START_STDIN=$work/abc start sender "$npcat" --push --connect "$url" -i 0.2 -d 0.2
finish sender
elapsed_ms=$((($(date +%s%N) - began) / 1000000))
expect_status sender 0
finish receiver
same "$work/receiver.out" 'a\nb\nc\n'
[ "$elapsed_ms" -ge 600 ] || fail "-d 0.2 and -i 0.2 over 3 lines took only $elapsed_ms ms"

step "--recv-maxsz: larger messages are not delivered, smaller ones are"
url=ipc://$work/maxsz.ipc
start receiver "$npcat" --pull --bind "$url" -A --recv-maxsz 10 --recv-timeout 1
start sender "$npcat" --push --connect "$url" -D 01234567890123456789 -i 0.05 --count 10 --send-timeout 2
finish receiver
expect_status receiver 0
stop sender
[ ! -s "$work/receiver.out" ] || fail "a 20-byte message passed --recv-maxsz 10"
start receiver "$npcat" --pull --bind "$url" -A --recv-maxsz 10 --count 1
start sender "$npcat" --push --connect "$url" -D 0123456789
finish sender
finish receiver
expect_status receiver 0
same "$work/receiver.out" '0123456789\n'

step "--stats: the statistics as JSON on stderr, at the end and on SIGTERM"
url=ipc://$work/stats.ipc
printf 'a\nbb\n' >"$work/ab"
start receiver "$npcat" --pull --bind "$url" --count 2 --stats
START_STDIN=$work/ab start sender "$npcat" --push --connect "$url" --stats --socket-name pusher
finish sender
expect_status sender 0
finish receiver
expect_status receiver 0
stat_of() { "$json_field" "$1" <"$work/$2.err"; }
[ "$(stat_of socket_name sender)" = pusher ] || fail "socket_name"
[ "$(stat_of socket_type sender)" = push ] || fail "socket_type"
[ "$(stat_of messages_sent sender)" = 2 ] || fail "messages_sent $(stat_of messages_sent sender)"
[ "$(stat_of bytes_sent sender)" = 3 ] || fail "bytes_sent"
[ "$(stat_of established_connections sender)" = 1 ] || fail "established_connections"
[ "$(stat_of messages_received receiver)" = 2 ] || fail "messages_received"
[ "$(stat_of bytes_received receiver)" = 3 ] || fail "bytes_received"
start receiver "$npcat" --pull --bind "ipc://$work/stats-term.ipc" --stats
wait_until "the receiver to bind" test -S "$work/stats-term.ipc"
kill -TERM "$pid_receiver"
finish receiver
expect_status receiver 143
[ "$(stat_of messages_received receiver)" = 0 ] || fail "no statistics on SIGTERM"
echo PASS
