#!/usr/bin/env bash
# run_scenario.sh -- runs one multi-party interop scenario (see scenario.h for
# what each role checks) and judges the exit codes of every process.
#
#   run_scenario.sh SCENARIO --transport tcp|ipc --np BIN --nanomsg BIN --nng BIN
#                   [--free-port BIN] [--timeout-ms MS] [options below]
#                   [--break MODE --expect-fail REGEX]
#
#   reqrep-restart --req LIB --rep LIB --rep-side bind|connect
#       A REQ (NN_REQ_RESEND_IVL 300 ms) sends 20 requests; its REP hangs on
#       the 5th request it gets, is killed (SIGKILL) with that request
#       outstanding and restarted on the same address, twice. Every request
#       must be answered.
#   bus --nodes LIB,LIB,LIB
#       Three BUS nodes; each binds its own address and connects to the next
#       one in the ring, so every two nodes share exactly one connection (a
#       node that also connected to the previous one would get every message
#       of it twice, once per connection). Each sends 40 messages; each must
#       receive exactly the 80 of the other two, no echo, no duplicate.
#   device --device LIB --reqs LIB[,LIB] --reps LIB[,LIB] [--order reps-first|reqs-first]
#       A raw REP (front) <-> raw REQ (back) device of library LIB; the REQs
#       (25 requests each, no resend) talk through it to the REPs. The REPs
#       are started first (default), or the REQs, so that their first
#       requests reach the device before any REP is connected.
#   pubsub --pub LIB --subs LIB:SET,LIB:SET,LIB:SET
#       One PUB, three SUBs with prefix subscription sets A, B or C (below);
#       each SUB must get every message matching its set and no other.
#   survey --surveyor LIB --holder LIB
#       A SURVEYOR (deadline 500 ms) and one RESPONDENT of each library; the
#       holder answers one survey late, after the next one began.
#   LIB is np (nanoport), nanomsg or nng.
#
# --break MODE makes the scenario fail on purpose (for the self-tests, with
# --expect-fail REGEX: then the run passes only when it fails and a log line
# matches REGEX): reqrep-restart "moved" (the last REP restarts elsewhere),
# bus "double" (one node connects twice to its neighbour), device "corrupt"
# (a REP garbles one reply), pubsub "extra" (a SUB has a subscription it does
# not expect), survey "early" (the surveyor's deadline is shorter than it
# checks).
#
# Every process runs under `timeout` and stops by itself (servers on SIGTERM
# from here, or at their own --timeout). TCP ports come from free_port and are
# reserved under ${TMPDIR:-/tmp}/nanoport-interop-ports as in ../run_case.sh;
# ipc sockets live in a private temp dir, removed on exit. When a first bind
# meets EADDRINUSE, the scenario starts again with new ports (3 attempts).
set -u

die() { echo "run_scenario: $*" >&2; exit 70; }

[ $# -ge 1 ] || die "usage: run_scenario.sh SCENARIO --transport tcp|ipc --np BIN ..."
scenario=$1
shift
transport= np_bin= nanomsg_bin= nng_bin= free_port= timeout_ms=20000
req= rep= rep_side=bind nodes= device= reqs= reps= order=reps-first pub= subs= surveyor= holder=
break_mode= expect_fail=
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || die "missing value for $1"
  case $1 in
    --transport) transport=$2 ;;
    --np) np_bin=$2 ;;
    --nanomsg) nanomsg_bin=$2 ;;
    --nng) nng_bin=$2 ;;
    --free-port) free_port=$2 ;;
    --timeout-ms) timeout_ms=$2 ;;
    --req) req=$2 ;;
    --rep) rep=$2 ;;
    --rep-side) rep_side=$2 ;;
    --nodes) nodes=$2 ;;
    --device) device=$2 ;;
    --reqs) reqs=$2 ;;
    --reps) reps=$2 ;;
    --order) order=$2 ;;
    --pub) pub=$2 ;;
    --subs) subs=$2 ;;
    --surveyor) surveyor=$2 ;;
    --holder) holder=$2 ;;
    --break) break_mode=$2 ;;
    --expect-fail) expect_fail=$2 ;;
    *) die "unknown option $1" ;;
  esac
  shift 2
done
case $transport in tcp | ipc) ;; *) die "--transport must be tcp or ipc" ;; esac
if [ "$transport" = tcp ]; then
  [ -x "$free_port" ] || die "tcp needs --free-port BINARY"
fi

# The scenario program built against library $1.
lib_bin() {
  local bin
  case $1 in
    np) bin=$np_bin ;;
    nanomsg) bin=$nanomsg_bin ;;
    nng) bin=$nng_bin ;;
    *) die "unknown library '$1' (np, nanomsg or nng)" ;;
  esac
  [ -x "$bin" ] || die "no scenario program for library '$1' (got '$bin')"
  echo "$bin"
}

# Short base path: ipc paths must fit in sun_path (108 bytes).
base=${TMPDIR:-/tmp}
[ ${#base} -le 40 ] || base=/tmp
workdir=$(mktemp -d "$base/nps.XXXXXX") || die "mktemp failed"
port_dir=$base/nanoport-interop-ports
reserved=()
declare -A pid=() rc=() what=()
names=()      # every process started, in order
problems=()   # what went wrong, one line each

kill_all() {
  local name
  for name in "${names[@]}"; do
    # `timeout` leads its own process group: this ends it and its child.
    [ -n "${pid[$name]:-}" ] && kill -KILL -- "-${pid[$name]}" 2>/dev/null
  done
}
cleanup() {
  kill_all
  for port in "${reserved[@]}"; do
    rmdir "$port_dir/$port" 2>/dev/null
  done
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 71' INT TERM

# Picks a free port, reserves it for this run and stores it in variable $1.
reserve_port() {
  mkdir -p "$port_dir" 2>/dev/null
  # Reservations left by a killed run expire after an hour.
  find "$port_dir" -mindepth 1 -maxdepth 1 -mmin +60 -exec rmdir {} + 2>/dev/null
  local port tries
  for tries in $(seq 50); do
    port=$("$free_port") || continue
    if mkdir "$port_dir/$port" 2>/dev/null; then
      reserved+=("$port")
      printf -v "$1" %s "$port"
      return 0
    fi
  done
  die "could not reserve a free tcp port"
}

# Stores a fresh address in variable $1 (tag $2 names the ipc path).
new_url() {
  if [ "$transport" = tcp ]; then
    local new_port # not "port": reserve_port has a local of that name
    reserve_port new_port
    printf -v "$1" %s "tcp://127.0.0.1:$new_port"
  else
    printf -v "$1" %s "ipc://$workdir/$2.$attempt.ipc"
  fi
}

# start NAME LIB ARGS...: runs the scenario program of LIB as process NAME
# in the background under `timeout` (its own --timeout, plus 5 s, then KILL).
start() {
  local name=$1 lib=$2 bin
  shift 2
  bin=$(lib_bin "$lib") || exit 70
  rm -f "$workdir/$name.ready"
  timeout -k 2 $((timeout_ms / 1000 + 5)) "$bin" --name "$name" --timeout "$timeout_ms" \
    --ready "$workdir/$name.ready" "$@" >"$workdir/$name.log" 2>&1 &
  pid[$name]=$!
  what[$name]="$lib $*"
  names+=("$name")
}

# wait_file FILE NAME: waits until FILE exists while process NAME runs, at
# most timeout_ms. Fails when NAME has exited (then its exit code is in rc).
wait_file() {
  local file=$1 name=$2 waited=0
  while [ ! -e "$file" ]; do
    if ! kill -0 "${pid[$name]}" 2>/dev/null; then
      [ -e "$file" ] && return 0
      finish "$name"
      return 1
    fi
    sleep 0.01
    waited=$((waited + 10))
    [ $waited -lt "$timeout_ms" ] || return 1
  done
}

# wait_ready NAME: waits until NAME has bound/connected. Returns 75 when it
# could not bind (EADDRINUSE: the caller starts over with new ports).
wait_ready() {
  wait_file "$workdir/$1.ready" "$1" && return 0
  [ "${rc[$1]:-}" = 3 ] && return 75
  problems+=("$1 did not get ready (exit ${rc[$1]:-none})")
  return 1
}

# finish NAME: waits for NAME to exit, records its exit code.
finish() {
  [ -n "${rc[$1]:-}" ] && return
  wait "${pid[$1]}" 2>/dev/null
  rc[$1]=$?
}

# stop NAME: asks a server to stop (SIGTERM through `timeout`) and waits.
stop() {
  [ -z "${rc[$1]:-}" ] && kill -TERM "${pid[$1]}" 2>/dev/null
  finish "$1"
}

# expect NAME RC [WHY]: records a problem unless NAME exited with RC.
expect() {
  finish "$1"
  if [ "${rc[$1]}" != "$2" ]; then
    problems+=("$1 exited ${rc[$1]}, expected $2${3:+ ($3)}")
  fi
}

other_libs() { # the libraries other than $1
  local lib
  for lib in np nanomsg nng; do [ "$lib" = "$1" ] || echo "$lib"; done
}

# ---- the scenarios ------------------------------------------------------------------
# Each returns 0 when it ran to its verdict (problems, if any, are recorded),
# 75 to be started again with new ports.

scenario_reqrep_restart() {
  local url req_mode rep_mode restarts=2 gen child next_url
  [ -n "$req" ] && [ -n "$rep" ] || die "reqrep-restart needs --req and --rep"
  new_url url data
  local req_args=(--role req --count 20 --resend-ivl 300)
  if [ "$rep_side" = bind ]; then
    rep_mode=--bind req_mode=--connect
  else
    rep_mode=--connect req_mode=--bind
    start req "$req" "${req_args[@]}" --bind "$url"
    wait_ready req || return
  fi
  start rep0 "$rep" --role rep "$rep_mode" "$url" --hang-at 5 --hung-file "$workdir/rep0.hung"
  if [ "$rep_side" = bind ]; then
    wait_ready rep0 || return
    start req "$req" "${req_args[@]}" --connect "$url"
  fi
  for gen in $(seq 0 $((restarts - 1))); do
    if ! wait_file "$workdir/rep$gen.hung" "rep$gen"; then
      problems+=("rep$gen never got its 6th request")
      return 0
    fi
    child=$(cat "$workdir/rep$gen.hung")
    kill -KILL "$child" 2>/dev/null
    echo "killed rep$gen (pid $child) with a request outstanding"
    expect "rep$gen" 137 "killed"
    next_url=$url
    if [ "$break_mode" = moved ] && [ $gen = $((restarts - 1)) ]; then
      new_url next_url moved
    fi
    local hang=()
    [ $((gen + 1)) -lt $restarts ] && hang=(--hang-at 5 --hung-file "$workdir/rep$((gen + 1)).hung")
    start "rep$((gen + 1))" "$rep" --role rep "$rep_mode" "$next_url" "${hang[@]}"
    # A restarted binder must get its address back: no retry with new ports.
    if ! wait_ready "rep$((gen + 1))"; then
      [ "${rc[rep$((gen + 1))]:-}" = 3 ] &&
        problems+=("rep$((gen + 1)) could not bind the address of rep$gen again (EADDRINUSE)")
      return 0
    fi
  done
  expect req 0 "every request answered"
  stop "rep$restarts"
  expect "rep$restarts" 0
}

scenario_bus() {
  local -a libs urls
  IFS=, read -r -a libs <<<"$nodes"
  [ ${#libs[@]} = 3 ] || die "bus needs --nodes LIB,LIB,LIB"
  local i next prev
  for i in 0 1 2; do
    new_url "urls[$i]" "bus$i"
  done
  for i in 0 1 2; do
    next=$(((i + 1) % 3)) prev=$(((i + 2) % 3))
    local extra=()
    [ "$break_mode" = double ] && [ $i = 0 ] && extra=(--connect "${urls[$next]}")
    start "${libs[$i]}" "${libs[$i]}" --role bus --count 40 --bind "${urls[$i]}" \
      --connect "${urls[$next]}" "${extra[@]}" --peers "${libs[$next]},${libs[$prev]}"
  done
  local st=0
  for i in 0 1 2; do
    wait_ready "${libs[$i]}" || st=$?
  done
  [ $st = 75 ] && return 75
  for i in 0 1 2; do
    expect "${libs[$i]}" 0
  done
}

scenario_device() {
  local front back lib
  [ -n "$device" ] && [ -n "$reqs" ] && [ -n "$reps" ] || die "device needs --device, --reqs, --reps"
  new_url front front
  new_url back back
  start device "$device" --role device --front "$front" --back "$back"
  wait_ready device || return
  local corrupt=() side
  [ "$break_mode" = corrupt ] && corrupt=(--corrupt-at 7)
  local first=reps
  [ "$order" = reqs-first ] && first=reqs
  for side in $first $([ $first = reps ] && echo reqs || echo reps); do
    if [ $side = reps ]; then
      for lib in ${reps//,/ }; do
        start "rep-$lib" "$lib" --role rep --connect "$back" "${corrupt[@]}"
        wait_ready "rep-$lib" || return
      done
    else
      for lib in ${reqs//,/ }; do
        start "req-$lib" "$lib" --role req --connect "$front" --count 25
        wait_ready "req-$lib" || return
      done
    fi
  done
  for lib in ${reqs//,/ }; do
    expect "req-$lib" 0 "every request answered with its own reply"
  done
  for lib in ${reps//,/ }; do
    stop "rep-$lib"
    expect "rep-$lib" 0
  done
  stop device
  expect device 0
}

# sub_set SET ARRAY: the subscription options of SET (A: nested prefixes,
# a NUL byte, 0xff, one subscription taken back; B: others, case; C: the empty
# prefix, everything) into ARRAY. \xHH escapes are decoded by the program.
sub_set() {
  local -n out=$2
  case $1 in
    A) out=(--subscribe a --subscribe ab --subscribe '\x00x' --subscribe z --unsubscribe z
            --subscribe '\xff') ;;
    B) out=(--subscribe ab --subscribe ba --subscribe x --subscribe A) ;;
    C) out=(--subscribe "") ;;
    *) die "unknown subscription set '$1'" ;;
  esac
}

scenario_pubsub() {
  local data ack entry lib set count=32
  [ -n "$pub" ] && [ -n "$subs" ] || die "pubsub needs --pub and --subs"
  new_url data data
  new_url ack ack
  start pub "$pub" --role pub --bind "$data" --ack "$ack" --count $count \
    --subscribers "$(echo "$subs" | tr , '\n' | wc -l)"
  wait_ready pub || return
  local sub_names=()
  for entry in ${subs//,/ }; do
    lib=${entry%%:*} set=${entry#*:}
    local args=()
    sub_set "$set" args
    [ "$break_mode" = extra ] && [ ${#sub_names[@]} = 0 ] && args+=(--subscribe-hidden b)
    start "sub-$lib-$set" "$lib" --role sub --connect "$data" --ack "$ack" --count $count "${args[@]}"
    sub_names+=("sub-$lib-$set")
  done
  expect pub 0 "every subscriber confirmed its messages"
  for entry in "${sub_names[@]}"; do
    stop "$entry"
    expect "$entry" 0
  done
}

scenario_survey() {
  local data go lib deadline=500 lib_deadline=()
  [ -n "$surveyor" ] && [ -n "$holder" ] || die "survey needs --surveyor and --holder"
  new_url data data
  new_url go go
  [ "$break_mode" = early ] && lib_deadline=(--library-deadline 150)
  start surveyor "$surveyor" --role surveyor --bind "$data" --go "$go" --respondents 3 \
    --deadline $deadline "${lib_deadline[@]}" --rounds 2
  wait_ready surveyor || return
  for lib in np nanomsg nng; do
    local hold=()
    [ "$lib" = "$holder" ] && hold=(--go "$go")
    start "resp-$lib" "$lib" --role respondent --connect "$data" "${hold[@]}"
  done
  expect surveyor 0 "surveys answered, deadlines kept, stale answers dropped"
  for lib in np nanomsg nng; do
    stop "resp-$lib"
    expect "resp-$lib" 0
  done
}

# ---- run ------------------------------------------------------------------------------

case $scenario in
  reqrep-restart | bus | device | pubsub | survey) ;;
  *) die "unknown scenario '$scenario'" ;;
esac
for attempt in 1 2 3; do
  "scenario_${scenario//-/_}"
  status=$?
  [ $status = 75 ] || break
  echo "attempt $attempt: address in use, starting over with new addresses"
  kill_all
  for name in "${names[@]}"; do finish "$name"; done
  names=() problems=()
  pid=() rc=() what=()
done
[ $status = 75 ] && problems+=("address in use three times")
kill_all # anything still running has had its chance

echo "scenario: $scenario over $transport${break_mode:+ (broken on purpose: $break_mode)}"
for name in "${names[@]}"; do
  finish "$name"
  echo "--- $name (${what[$name]}), exit ${rc[$name]}:"
  sed 's/^/    /' "$workdir/$name.log"
done
if [ -n "$expect_fail" ]; then
  if [ ${#problems[@]} = 0 ]; then
    echo "FAIL: the scenario was broken on purpose ($break_mode) but passed"
    exit 1
  fi
  if ! cat "$workdir"/*.log | grep -Eq -- "$expect_fail"; then
    echo "FAIL: the scenario failed, but no log line matches '$expect_fail':"
    printf '  %s\n' "${problems[@]}"
    exit 1
  fi
  echo "PASS: failed as it should: ${problems[0]}"
  exit 0
fi
if [ ${#problems[@]} -gt 0 ]; then
  echo "FAIL:"
  printf '  %s\n' "${problems[@]}"
  exit 1
fi
echo "PASS"
exit 0
