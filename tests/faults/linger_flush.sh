#!/usr/bin/env bash
# linger_flush.sh -- NN_LINGER flushes across processes: a PUSH process sends
# COUNT messages of SIZE bytes as fast as it can, calls nn_close at once and
# exits (exit(0) right after nn_close returns). A live PULL in another
# process must receive all COUNT, in order, byte for byte.
#
#   linger_flush.sh --peer FAULT_PEER --transport tcp|ipc --count N --size BYTES
#                   [--linger MS]
#
# NN_LINGER is set explicitly (default 5000 ms) so that a busy machine does
# not turn a slow flush into a loss; the time nn_close took is printed.
# Exit 0 on success, 1 on failure, 70 on a harness error.
source "$(dirname "$0")/fault_lib.sh"

peer= transport= count= size= linger=5000
while [ $# -gt 0 ]; do
  case $1 in
    --peer) peer=$2 ;;
    --transport) transport=$2 ;;
    --count) count=$2 ;;
    --size) size=$2 ;;
    --linger) linger=$2 ;;
    *) echo "linger_flush: unknown option $1" >&2; exit 70 ;;
  esac
  shift 2
done
[ -x "$peer" ] && [ -n "$count" ] && [ -n "$size" ] || { echo "linger_flush: usage" >&2; exit 70; }
fault_name="linger_flush $transport ${count}x${size}"
url=$(address "$transport" "$peer" linger)
started_ms=$(ms_now)

start_peer pull 60 "$peer" pull --bind "$url" --count "$count" --size "$size" --timeout 55000
pull_pid=$last_pid
start_peer push 60 "$peer" push --connect "$url" --count "$count" --size "$size" \
  --linger "$linger" --timeout 50000
push_pid=$last_pid

finish_peer "$push_pid"
[ "$peer_rc" = 0 ] || fail "the PUSH exited $peer_rc: $(cat "$fault_dir/push.err")"
grep -q "sent=$count " "$fault_dir/push.out" || fail "the PUSH did not send $count"
finish_peer "$pull_pid"
[ "$peer_rc" = 0 ] || fail "the PULL exited $peer_rc (received $(cat "$fault_dir/pull.out"))"
grep -q "received=$count " "$fault_dir/pull.out" || fail "the PULL did not receive $count"
say "$(cat "$fault_dir/push.out"); $(cat "$fault_dir/pull.out"); $(($(ms_now) - started_ms)) ms"
exit 0
