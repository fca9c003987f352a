#!/usr/bin/env bash
# kill_restart.sh -- peers killed with SIGKILL while messages flow, then
# restarted on the same address.
#
#   kill_restart.sh CASE --peer FAULT_PEER --transport tcp|ipc [--kills K]
#
#   reqrep    A REQ sends 300 numbered requests (one every 5 ms, resend
#             interval 200 ms) to a REP that binds. The REP dies by SIGKILL
#             K times (default 5), each time on receiving another sixth of
#             the requests and before answering it, and is restarted on the
#             same address. Every request must get its own answer; the REP
#             log shows which requests reached a REP more than once (SP
#             allows that: REQ resends), at least one per kill.
#   pipeline  A PULL binds; a PUSH sends one message every 2 ms and is
#             killed after the PULL got 20 of its messages, K times, each
#             restart with a new generation. The last PUSH sends 1000 and
#             exits by itself. The PULL must get all 1000 of the last one,
#             and from each killed one a gapless, ordered prefix.
#   pubsub    A SUB connects; a PUB binds and publishes every 5 ms; it is
#             killed after the SUB got 10 of its messages, K times. The SUB
#             must receive from every new PUB (50 from the last).
#
# Prints the numbers it saw (duplicates, per-generation counts, time).
# Exit 0 on success, 1 on failure, 70 on a harness error.
source "$(dirname "$0")/fault_lib.sh"

[ $# -ge 1 ] || { echo "usage: kill_restart.sh CASE --peer BIN --transport T [--kills K]" >&2; exit 70; }
case_name=$1
shift
peer= transport= kills=5
while [ $# -gt 0 ]; do
  case $1 in
    --peer) peer=$2 ;;
    --transport) transport=$2 ;;
    --kills) kills=$2 ;;
    *) echo "kill_restart: unknown option $1" >&2; exit 70 ;;
  esac
  shift 2
done
[ -x "$peer" ] || { echo "kill_restart: no peer binary" >&2; exit 70; }
fault_name="kill_restart $case_name $transport"
url=$(address "$transport" "$peer" "$case_name")
started_ms=$(ms_now)

run_reqrep() {
  local count=300 per_life=$((300 / (kills + 1))) k rep_pid req_pid
  # Each REP but the last kills itself (SIGKILL) on its per_life-th request,
  # before answering: the fault lands with a request in flight, however slow
  # the machine (a kill from here could come after the REQ had finished).
  start_peer rep0 60 "$peer" rep --bind "$url" --log "$fault_dir/rep.log" --timeout 55000 \
    --die-after $per_life
  rep_pid=$last_pid
  start_peer req 60 "$peer" req --connect "$url" --count $count --interval-ms 5 \
    --resend-ms 200 --log "$fault_dir/req.log" --timeout 50000
  req_pid=$last_pid
  for ((k = 1; k <= kills; ++k)); do
    finish_peer "$rep_pid"
    [ "$peer_rc" = 137 ] || fail "REP $((k - 1)) exited $peer_rc instead of dying by SIGKILL"
    if ((k < kills)); then
      start_peer rep$k 60 "$peer" rep --bind "$url" --log "$fault_dir/rep.log" --timeout 55000 \
        --die-after $per_life
    else
      start_peer rep$k 60 "$peer" rep --bind "$url" --log "$fault_dir/rep.log" --timeout 55000
    fi
    rep_pid=$last_pid
  done
  finish_peer "$req_pid"
  [ "$peer_rc" = 0 ] || fail "the REQ exited $peer_rc: $(cat "$fault_dir/req.err")"
  grep -q "answered=$count of $count" "$fault_dir/req.out" || fail "not every request answered"
  finish_peer "$rep_pid"
  [ "$peer_rc" = 0 ] || fail "the last REP exited $peer_rc (it should end on the stop request)"
  local seen unique
  seen=$(lines "$fault_dir/rep.log")
  unique=$(awk '{print $2}' "$fault_dir/rep.log" | sort -un | wc -l)
  [ "$unique" = "$count" ] || fail "only $unique distinct requests reached a REP"
  # Each REP that died took one unanswered request with it: the REQ must
  # have resent at least those.
  [ $((seen - unique)) -ge "$kills" ] || fail "$((seen - unique)) duplicates for $kills kills"
  say "$count requests, $kills REPs SIGKILLed with a request in flight: all answered;" \
      "REPs saw $seen requests, $((seen - unique)) of them duplicates (resends);" \
      "$(($(ms_now) - started_ms)) ms"
}

run_pipeline() {
  local final=1000 g pull_pid push_pid
  start_peer pull 60 "$peer" pull --bind "$url" --gen "$kills" --count $final \
    --log "$fault_dir/pull.log" --timeout 55000
  pull_pid=$last_pid
  for ((g = 0; g < kills; ++g)); do
    start_peer push$g 60 "$peer" push --connect "$url" --gen $g --count 0 --interval-ms 2 \
      --timeout 50000
    push_pid=$last_pid
    wait_until 30 gen_has_at_least "$fault_dir/pull.log" $g 20 ||
      fail "the PULL got no messages from PUSH generation $g"
    kill_peer "$push_pid"
  done
  start_peer push$kills 60 "$peer" push --connect "$url" --gen "$kills" --count $final \
    --timeout 50000
  push_pid=$last_pid
  finish_peer "$push_pid"
  [ "$peer_rc" = 0 ] || fail "the last PUSH exited $peer_rc"
  finish_peer "$pull_pid"
  [ "$peer_rc" = 0 ] || fail "the PULL exited $peer_rc: $(cat "$fault_dir/pull.err")"
  say "$kills PUSH kills: $(cat "$fault_dir/pull.out"); ordered, gapless prefixes;" \
      "$(($(ms_now) - started_ms)) ms"
}

run_pubsub() {
  local final=50 g sub_pid pub_pid
  start_peer sub 60 "$peer" sub --connect "$url" --gen "$kills" --count $final \
    --log "$fault_dir/sub.log" --timeout 55000
  sub_pid=$last_pid
  for ((g = 0; g < kills; ++g)); do
    start_peer pub$g 60 "$peer" pub --bind "$url" --gen $g --count 0 --interval-ms 5 \
      --timeout 50000
    pub_pid=$last_pid
    wait_until 30 gen_has_at_least "$fault_dir/sub.log" $g 10 ||
      fail "the SUB got nothing from PUB generation $g"
    kill_peer "$pub_pid"
  done
  start_peer pub$kills 60 "$peer" pub --bind "$url" --gen "$kills" --count 0 --interval-ms 5 \
    --timeout 50000
  pub_pid=$last_pid
  finish_peer "$sub_pid"
  [ "$peer_rc" = 0 ] || fail "the SUB exited $peer_rc: $(cat "$fault_dir/sub.err")"
  kill -TERM "$pub_pid"
  finish_peer "$pub_pid"
  [ "$peer_rc" = 0 ] || fail "the last PUB exited $peer_rc"
  say "$kills PUB kills: $(cat "$fault_dir/sub.out"); $(($(ms_now) - started_ms)) ms"
}

case $case_name in
  reqrep) run_reqrep ;;
  pipeline) run_pipeline ;;
  pubsub) run_pubsub ;;
  *) echo "kill_restart: unknown case $case_name" >&2; exit 70 ;;
esac
exit 0
