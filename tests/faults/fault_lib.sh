# fault_lib.sh -- helpers shared by the fault drivers (sourced, not run).
#
# Every process a driver starts goes through start_peer, which runs it under
# `timeout --foreground` (so it stops by itself even if the driver dies) and
# remembers its pid; the EXIT trap kills whatever is still running, removes
# the private work directory (logs, ipc sockets) and runs the driver's own
# cleanup_extra (network namespaces). Waits poll a condition with a deadline;
# nothing here sleeps to let things settle.

set -u

# ctest's SKIP_RETURN_CODE for these tests.
readonly SKIP=77

# The library logs each pipe's start, handshake and end on stderr: a failed
# run then shows what the connections did (fail prints the peers' stderr).
export NANOPORT_LOG=1

fault_name=${0##*/}
fault_pids=()
fault_dir=$(mktemp -d "${TMPDIR:-/tmp}/nanoport-faults.XXXXXX") || exit 70

cleanup_extra() { :; }
describe_extra() { :; }

fault_cleanup() {
  local pid
  for pid in "${fault_pids[@]}"; do
    pkill -KILL -P "$pid" 2>/dev/null
    kill -KILL "$pid" 2>/dev/null
  done
  for pid in "${fault_pids[@]}"; do
    wait "$pid" 2>/dev/null
  done
  cleanup_extra
  rm -rf "$fault_dir"
}
trap fault_cleanup EXIT
trap 'exit 70' INT TERM

say() { echo "$fault_name: $*"; }
fail() {
  echo "$fault_name: FAILED: $*" >&2
  local f
  for f in "$fault_dir"/*.out "$fault_dir"/*.err; do
    [ -s "$f" ] && { echo "--- ${f##*/}" >&2; tail -n 5 "$f" >&2; }
  done
  describe_extra >&2
  exit 1
}
skip() {
  echo "$fault_name: SKIPPED: $*"
  exit $SKIP
}

# fail prints the tail of every peer's output and then describe_extra (a
# driver's own state, such as its TCP connections).

# start_peer NAME SECONDS CMD...: runs CMD in the background for at most
# SECONDS (then SIGTERM, 2 s later SIGKILL); a SIGTERM sent to the pid is
# relayed to CMD by `timeout`. CMD must exec the peer (no shell function,
# `ip netns exec` is fine) so that the peer is timeout's child. Output goes to
# $fault_dir/NAME.out and .err. The pid is left in $last_pid.
start_peer() {
  local name=$1 seconds=$2
  shift 2
  timeout --foreground -k 2 "$seconds" "$@" >"$fault_dir/$name.out" 2>"$fault_dir/$name.err" &
  last_pid=$!
  fault_pids+=("$last_pid")
}

# forget_peer PID: a reaped peer leaves the cleanup list, so that cleanup
# never signals a pid the system may have handed to someone else since.
forget_peer() {
  local pid kept=()
  for pid in "${fault_pids[@]}"; do
    [ "$pid" = "$1" ] || kept+=("$pid")
  done
  fault_pids=("${kept[@]}")
}

# finish_peer PID: waits for it; its exit status goes to $peer_rc. (Not
# meant for $(...): a subshell cannot wait for this shell's children.)
finish_peer() {
  peer_rc=0
  wait "$1" 2>/dev/null || peer_rc=$?
  forget_peer "$1"
}

# kill_peer PID: SIGKILL to the peer under `timeout` PID (SIGKILL cannot be
# relayed), then reap it. This is the fault itself, not cleanup.
kill_peer() {
  pkill -KILL -P "$1" || fail "no peer process under pid $1 to kill"
  wait "$1" 2>/dev/null
  forget_peer "$1"
}

# wait_until SECONDS CMD...: true as soon as CMD succeeds, false once
# SECONDS have passed. Polls every 10 ms.
wait_until() {
  local seconds=$1
  shift
  local until=$((SECONDS + seconds))
  while ! "$@"; do
    [ "$SECONDS" -lt "$until" ] || return 1
    sleep 0.01
  done
}

# lines FILE: number of lines in FILE (0 if it does not exist yet).
lines() {
  if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi
}
log_has_at_least() { [ "$(lines "$1")" -ge "$2" ]; }

# gen_lines FILE GEN: lines of generation GEN in a peer's log.
gen_lines() {
  if [ -f "$1" ]; then awk -v g="$2" '$1 == g' "$1" | wc -l; else echo 0; fi
}
gen_has_at_least() { [ "$(gen_lines "$1" "$2")" -ge "$3" ]; }

# free_tcp_port PEER_BIN: a loopback port that was free a moment ago.
free_tcp_port() { "$1" port; }

# address TRANSPORT PEER_BIN STEM: a fresh tcp or ipc address for this run.
address() {
  case $1 in
    tcp) echo "tcp://127.0.0.1:$(free_tcp_port "$2")" ;;
    ipc) echo "ipc://$fault_dir/$3.ipc" ;;
    *) echo "$fault_name: unknown transport $1" >&2; exit 70 ;;
  esac
}

# ms_now: milliseconds on a monotonic-enough clock, for reported durations.
ms_now() { echo $(($(date +%s%N) / 1000000)); }
