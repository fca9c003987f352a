#!/usr/bin/env bash
# npcat_interop.sh -- npcat against Debian's nanocat (nanomsg 1.1.5) or
# nngcat (NNG 1.5.2) in one protocol over one transport, one direction:
#
#   npcat_interop.sh --npcat NPCAT --peer nanocat|nngcat
#                    --proto pipeline|pubsub|reqrep|survey|bus|pair
#                    --transport tcp|ipc --sender npcat|peer [--free-port BIN]
#
# The sender is the sending role (push, pub, req, surveyor, and one side of
# bus and pair); the other program takes the other role. Over ipc the sender
# binds, over tcp the receiver does, so both programs bind and connect in
# each direction across the two transports. Messages are plain ASCII and
# printed with --quoted (-Q), which all three programs print the same way.
#
# Senders whose messages may be dropped before the connection is up (PUB,
# BUS, SURVEYOR) or lost at close (nanomsg 1.1.5 has no NN_LINGER) repeat
# them (-i); the test waits until each side has printed what it should, then
# stops what still runs. npcat sides that can end by themselves (--count,
# REQ after its reply) must do so with status 0.
set -u
here=$(cd "$(dirname "$0")" && pwd)
npcat='' peer='' proto='' transport='' sender='' free_port=''
while [ $# -gt 0 ]; do
    case $1 in
        --npcat) npcat=$2 ;;
        --peer) peer=$2 ;;
        --proto) proto=$2 ;;
        --transport) transport=$2 ;;
        --sender) sender=$2 ;;
        --free-port) free_port=$2 ;;
        *) echo "npcat_interop.sh: unknown option $1" >&2; exit 70 ;;
    esac
    shift 2
done
source "$here/lib.sh"

case $proto in
    pipeline) send_type=push recv_type=pull ;;
    pubsub) send_type=pub recv_type=sub ;;
    reqrep) send_type=req recv_type=rep ;;
    survey) send_type=surveyor recv_type=respondent ;;
    bus) send_type=bus recv_type=bus ;;
    pair) send_type=pair recv_type=pair ;;
    *) fail "unknown --proto '$proto'" ;;
esac
case $peer in nanocat | nngcat) ;; *) fail "--peer must be nanocat or nngcat" ;; esac
case $sender in
    npcat) send_prog=npcat recv_prog=$peer ;;
    peer) send_prog=$peer recv_prog=npcat ;;
    *) fail "--sender must be npcat or peer" ;;
esac
[ -x "$npcat" ] || fail "--npcat '$npcat' is not executable"

if [ "$transport" = tcp ]; then
    reserve_port port
    url=tcp://127.0.0.1:$port
    send_side=connect recv_side=bind
elif [ "$transport" = ipc ]; then
    url=ipc://$work/data.ipc
    send_side=bind recv_side=connect
else
    fail "--transport must be tcp or ipc"
fi

message="hello-$proto-from-$send_prog"
reply="reply-from-$recv_prog"
[ "$proto" = pubsub ] && message="topic $message"

# command_for PROG TYPE SIDE: sets the array cmd to PROG's command line for a
# socket of TYPE that binds or connects (SIDE) to $url.
command_for() {
    local prog=$1 type=$2 side=$3
    case $prog in
        npcat) cmd=("$npcat" "--$type" "--$side" "$url") ;;
        nanocat) cmd=(nanocat "--$type" "--$side" "$url") ;;
        nngcat)
            # nngcat dials once and gives up unless --async.
            if [ "$side" = bind ]; then
                cmd=(nngcat "--${type}0" --listen "$url")
            else
                cmd=(nngcat "--${type}0" --dial "$url" --async)
            fi
            ;;
    esac
    case $type in push | pub) ;; *) cmd+=(-Q) ;; esac
}

# Repeating senders: nngcat takes whole seconds only.
interval() { if [ "$1" = nngcat ]; then echo 1; else echo "$2"; fi; }

command_for "$send_prog" "$send_type" "$send_side"
case $send_type in
    push | pub | bus | pair) cmd+=(-D "$message" -i "$(interval "$send_prog" 0.05)") ;;
    req) cmd+=(-D "$message") ;;
    surveyor)
        cmd+=(-D "$message" -i "$(interval "$send_prog" 0.5)")
        [ "$send_prog" = npcat ] && cmd+=(--count 1)
        ;;
esac
send_cmd=("${cmd[@]}")

command_for "$recv_prog" "$recv_type" "$recv_side"
case $recv_type in
    pull | sub | bus | pair)
        [ "$recv_type" = sub ] && cmd+=(--subscribe topic)
        [ "$recv_prog" != nanocat ] && cmd+=(--count 1)
        ;;
    rep)
        cmd+=(-D "$reply")
        # Not with a nanocat REQ: nanomsg 1.1.5 can drop a reply it has read
        # when the connection closes right behind it, and its REQ resends only
        # after 60 s. The REP is stopped once the reply has been printed.
        [ "$recv_prog" = npcat ] && [ "$send_prog" != nanocat ] && cmd+=(--count 1)
        ;;
    respondent) cmd+=(-D "$reply") ;;
esac
recv_cmd=("${cmd[@]}")

echo "sender:   ${send_cmd[*]}"
echo "receiver: ${recv_cmd[*]}"
start receiver "${recv_cmd[@]}"
start sender "${send_cmd[@]}"

answered() { [ "$send_type" != req ] && [ "$send_type" != surveyor ] || has_line "$work/sender.out" "\"$reply\""; }
received() { has_line "$work/receiver.out" "\"$message\""; }
on_fail() { show sender; show receiver; }
wait_until "the receiver to print the message" received
wait_until "the sender to print the reply" answered

# Which sides end by themselves.
self_ending=()
[ "$recv_prog" = npcat ] && [ "$recv_type" != respondent ] &&
    ! { [ "$recv_type" = rep ] && [ "$send_prog" = nanocat ]; } && self_ending+=(receiver)
[ "$recv_prog" = nngcat ] && case $recv_type in pull | sub | bus | pair) self_ending+=(receiver) ;; esac
[ "$send_type" = req ] && self_ending+=(sender)
[ "$send_prog" = npcat ] && [ "$send_type" = surveyor ] && self_ending+=(sender)
for name in sender receiver; do
    case " ${self_ending[*]} " in
        *" $name "*)
            finish "$name"
            expect_status "$name" 0
            ;;
        *) stop "$name" ;;
    esac
done

# What each side printed: only the expected line (a peer that was stopped may
# have printed it more than once; an npcat that ended by --count, once).
check_output() {
    local name=$1 prog=$2 line=$3
    if [ "$prog" = npcat ] && case " ${self_ending[*]} " in *" $name "*) true ;; *) false ;; esac; then
        [ "$(cat "$work/$name.out")" = "$line" ] || fail "$name ($prog) printed other than $line once"
    else
        only_lines "$work/$name.out" "$line" || fail "$name ($prog) printed other than $line"
    fi
}
check_output receiver "$recv_prog" "\"$message\""
case $send_type in req | surveyor) check_output sender "$send_prog" "\"$reply\"" ;; esac
[ "$send_prog" = npcat ] && expect_quiet sender
[ "$recv_prog" = npcat ] && expect_quiet receiver
echo PASS
