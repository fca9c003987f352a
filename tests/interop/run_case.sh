#!/usr/bin/env bash
# run_case.sh -- runs one interop case: a sending peer and a receiving peer
# (each built against some SP library) over one transport, and checks both
# exit codes. CMake registers one CTest test per case (see CMakeLists.txt);
# it can also be run by hand:
#
#   run_case.sh --proto pair|pipeline|reqrep|pubsub|survey|bus
#               --transport tcp|ipc|ws|tls+tcp|wss
#               --sender PEER_BINARY --receiver PEER_BINARY
#               --sender-side bind|connect --order bind-first|connect-first
#               --count N --size S[,S2...] [--maxsize BYTES]
#               [--timeout-ms MS] [--free-port FREE_PORT_BINARY]
#               [--expect-sender RC] [--expect-receiver RC]
#               [--receiver-size S[,S2...]]   (self-test: receiver expects other sizes)
#               [--bind-path yes|no]          (ws, wss: whether the binder's address has
#                                              the path; nanomsg's ws nn_bind takes none)
#               [--certs-script TLS_CERTS_SH] (tls+tcp, wss: tests/support/tls_certs.sh)
#               [--server-cert server|stranger]
#
# Roles: pair sender/receiver, pipeline push -> pull, reqrep req -> rep,
# pubsub pub -> sub, survey surveyor -> respondent, bus sender/receiver. "bind-first" starts the binding peer and waits until it
# has bound before starting the other; "connect-first" does the opposite, so
# the connecting library must retry until the listener appears.
#
# Each case gets a private temp dir (ipc sockets, logs, certificates; removed
# on exit) and, for tcp, ws, tls+tcp and wss, ports picked at run time by
# free_port and reserved (mkdir) under
# ${TMPDIR:-/tmp}/nanoport-interop-ports so parallel cases never share one; if
# the binder still meets EADDRINUSE (exit 3), the case retries with new ports.
# Peers stop by themselves (--timeout) and are killed by `timeout` otherwise.
#
# ws and wss addresses carry a path (ws://127.0.0.1:PORT/interop/data; the
# pipeline and pubsub ack socket's is /interop/ack on a port of its own);
# with --bind-path no the binder binds ws://127.0.0.1:PORT and the connector
# still asks for the path. For tls+tcp and wss the case makes fresh
# certificates with --certs-script: the binder shows server.pem (signed by
# the test CA) or, with --server-cert stranger, stranger.pem (signed by a CA
# nobody was given); the connector trusts ca.pem and checks the name.
set -u

proto= transport= sender= receiver= sender_side= order=bind-first
count= sizes= receiver_sizes= maxsize= timeout_ms=20000 free_port=
expect_sender=0 expect_receiver=0 bind_path=yes certs_script= server_cert=server

die() { echo "run_case: $*" >&2; exit 70; }

while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || die "missing value for $1"
  case $1 in
    --proto) proto=$2 ;;
    --transport) transport=$2 ;;
    --sender) sender=$2 ;;
    --receiver) receiver=$2 ;;
    --sender-side) sender_side=$2 ;;
    --order) order=$2 ;;
    --count) count=$2 ;;
    --size) sizes=$2 ;;
    --receiver-size) receiver_sizes=$2 ;;
    --maxsize) maxsize=$2 ;;
    --timeout-ms) timeout_ms=$2 ;;
    --free-port) free_port=$2 ;;
    --expect-sender) expect_sender=$2 ;;
    --expect-receiver) expect_receiver=$2 ;;
    --bind-path) bind_path=$2 ;;
    --certs-script) certs_script=$2 ;;
    --server-cert) server_cert=$2 ;;
    *) die "unknown option $1" ;;
  esac
  shift 2
done

case $proto in
  pair) send_proto=pair recv_proto=pair uses_ack=0 ;;
  pipeline) send_proto=push recv_proto=pull uses_ack=1 ;;
  reqrep) send_proto=req recv_proto=rep uses_ack=0 ;;
  pubsub) send_proto=pub recv_proto=sub uses_ack=1 ;;
  survey) send_proto=surveyor recv_proto=respondent uses_ack=0 ;;
  bus) send_proto=bus recv_proto=bus uses_ack=0 ;;
  *) die "--proto must be pair, pipeline, reqrep, pubsub, survey or bus" ;;
esac
case $transport in
  tcp | ipc | ws) tls=0 ;;
  tls+tcp | wss) tls=1 ;;
  *) die "--transport must be tcp, ipc, ws, tls+tcp or wss" ;;
esac
case $bind_path in yes | no) ;; *) die "--bind-path must be yes or no" ;; esac
case $server_cert in server | stranger) ;; *) die "--server-cert must be server or stranger" ;; esac
case $sender_side in bind | connect) ;; *) die "--sender-side must be bind or connect" ;; esac
case $order in bind-first | connect-first) ;; *) die "--order must be bind-first or connect-first" ;; esac
[ -x "$sender" ] || die "sender peer '$sender' is not executable"
[ -x "$receiver" ] || die "receiver peer '$receiver' is not executable"
[ -n "$count" ] && [ -n "$sizes" ] || die "--count and --size are required"
if [ "$transport" != ipc ]; then
  [ -x "$free_port" ] || die "$transport needs --free-port BINARY"
fi
if [ "$tls" = 1 ]; then
  [ -f "$certs_script" ] || die "$transport needs --certs-script TLS_CERTS_SH"
fi

# Short base path: ipc paths must fit in sun_path (108 bytes).
base=${TMPDIR:-/tmp}
[ ${#base} -le 40 ] || base=/tmp
workdir=$(mktemp -d "$base/npi.XXXXXX") || die "mktemp failed"
port_dir=$base/nanoport-interop-ports
reserved=()
pids=()

cleanup() {
  for pid in "${pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null
  done
  for port in "${reserved[@]}"; do
    rmdir "$port_dir/$port" 2>/dev/null
  done
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 71' INT TERM

tls_binder_args=() tls_connector_args=()
if [ "$tls" = 1 ]; then
  certs=$workdir/certs
  bash "$certs_script" "$certs" >"$workdir/certs.log" 2>&1 ||
    die "$certs_script failed: $(cat "$workdir/certs.log")"
  tls_binder_args=(--cert "$certs/$server_cert.pem" --key "$certs/$server_cert.key")
  tls_connector_args=(--ca "$certs/ca.pem")
fi

# Picks a free port, reserves it for this case and stores it in variable $1.
reserve_port() {
  mkdir -p "$port_dir" 2>/dev/null
  # Reservations left by a killed case expire after an hour.
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

# Starts peer NAME in the background under `timeout`, with the command line
# held in the array named by $2. Sets $last_pid.
start_peer() {
  local name=$1
  local -n cmd=$2
  timeout -k 2 $((timeout_ms / 1000 + 5)) "${cmd[@]}" --ready "$workdir/$name.ready" \
    >"$workdir/$name.log" 2>&1 &
  last_pid=$!
  pids+=("$last_pid")
}

# Waits until peer NAME (pid PID) has bound/connected, or has exited.
wait_ready() {
  local name=$1 pid=$2 waited=0
  while [ ! -e "$workdir/$name.ready" ] && kill -0 "$pid" 2>/dev/null; do
    sleep 0.01
    waited=$((waited + 10))
    [ $waited -lt "$timeout_ms" ] || return
  done
}

show_log() {
  echo "--- $1 ($2), exit $3:"
  sed 's/^/    /' "$workdir/$1.log"
}

for attempt in 1 2 3; do
  rm -f "$workdir"/*.ready
  # The address each socket connects to, and the one it binds (they differ
  # only in the ws path, see --bind-path).
  if [ "$transport" = ipc ]; then
    data_url=ipc://$workdir/data$attempt.ipc
    ack_url=ipc://$workdir/ack$attempt.ipc
    data_bind_url=$data_url ack_bind_url=$ack_url
  else
    reserve_port data_port
    data_bind_url=$transport://127.0.0.1:$data_port
    if [ "$uses_ack" = 1 ]; then
      reserve_port ack_port
      ack_bind_url=$transport://127.0.0.1:$ack_port
    fi
    data_url=$data_bind_url ack_url=${ack_bind_url:-}
    case $transport in
      ws | wss)
        data_url+=/interop/data ack_url+=/interop/ack
        if [ "$bind_path" = yes ]; then
          data_bind_url=$data_url ack_bind_url=$ack_url
        fi
        ;;
    esac
  fi
  common=(--timeout "$timeout_ms")
  [ -n "$maxsize" ] && common+=(--maxsize "$maxsize")
  binder_args=(--bind "$data_bind_url" "${common[@]}" "${tls_binder_args[@]}")
  connector_args=(--connect "$data_url" "${common[@]}" "${tls_connector_args[@]}")
  if [ "$uses_ack" = 1 ]; then
    binder_args+=(--ack "$ack_bind_url")
    connector_args+=(--ack "$ack_url")
  fi
  if [ "$sender_side" = bind ]; then
    send_mode=--bind recv_mode=--connect binder=sender connector=receiver
    send_args=("${binder_args[@]}") recv_args=("${connector_args[@]}")
  else
    send_mode=--connect recv_mode=--bind binder=receiver connector=sender
    send_args=("${connector_args[@]}") recv_args=("${binder_args[@]}")
  fi
  sender_cmd=("$sender" --proto "$send_proto" --send "$count" --size "$sizes" "${send_args[@]}")
  receiver_cmd=("$receiver" --proto "$recv_proto" --recv "$count"
                --size "${receiver_sizes:-$sizes}" "${recv_args[@]}")

  first=$binder second=$connector
  [ "$order" = connect-first ] && first=$connector second=$binder
  declare -A pid=() rc=()
  start_peer "$first" "${first}_cmd"
  pid[$first]=$last_pid
  wait_ready "$first" "${pid[$first]}"
  if [ -e "$workdir/$first.ready" ]; then
    start_peer "$second" "${second}_cmd"
    pid[$second]=$last_pid
  else
    rc[$second]="(not started)"
    echo "not started: the $first exited before it was ready" >"$workdir/$second.log"
  fi
  # The binder first: when it cannot bind, stop the other peer and retry.
  for name in $binder $connector; do
    [ -n "${pid[$name]:-}" ] || continue
    wait "${pid[$name]}" 2>/dev/null # no "Killed" notice for a stopped peer
    rc[$name]=$?
    if [ $name = $binder ] && [ "${rc[$name]}" = 3 ] && [ -n "${pid[$connector]:-}" ]; then
      kill -KILL "${pid[$connector]}" 2>/dev/null
    fi
  done
  pids=()
  sender_rc=${rc[sender]} receiver_rc=${rc[receiver]}
  if [ "${rc[$binder]}" = 3 ] && [ $attempt -lt 3 ]; then
    echo "attempt $attempt: address in use, retrying with new ports"
    continue
  fi
  break
done

echo "case: $proto over $transport, $order, sender ${sender##*/} $send_mode, receiver ${receiver##*/} $recv_mode, $count x [$sizes]"
show_log sender "${sender_cmd[*]}" "$sender_rc"
show_log receiver "${receiver_cmd[*]}" "$receiver_rc"
if [ "$sender_rc" != "$expect_sender" ] || [ "$receiver_rc" != "$expect_receiver" ]; then
  echo "FAIL: sender exit $sender_rc (expected $expect_sender), receiver exit $receiver_rc (expected $expect_receiver)"
  exit 1
fi
echo "PASS"
exit 0
