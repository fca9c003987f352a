#!/usr/bin/env bash
# netns_faults.sh -- network faults between two "hosts": network namespaces
# A (10.77.0.1) and B (10.77.0.2) made for this run, joined by a veth pair,
# the peers started inside them with `ip netns exec`.
#
#   netns_faults.sh CASE --peer FAULT_PEER [--link DELAY_LINK]
#
#   loss-reqrep      10% of the packets into each namespace dropped; a REQ in
#                    A sends 100 requests to a REP in B: every one answered.
#   loss-pipeline    the same loss plus a slow link (tbf, 20 Mbit/s, out of
#                    A); a PUSH in A sends 2000 messages of 1 KiB to a PULL
#                    in B, which checks that none is lost, repeated or
#                    reordered.
#   partition-pubsub a PUB in B publishes every 10 ms to a SUB in A; all
#                    traffic is dropped for 3 s, then let through again. The
#                    TCP connection survives; the SUB must receive messages
#                    published after the heal (and none out of order).
#   partition-reset  the same, but during the partition the SUB's TCP
#                    connection is destroyed in A with `ss -K` (as if A's
#                    kernel had given up on it). The SUB must reconnect after
#                    the heal (a new connection, seen with ss) and receive.
#   delay-reqrep     a link with 50 ms of delay each way, give or take 20 ms
#                    per packet; a REQ in A sends 40 requests to a REP in B:
#                    every one answered, none faster than the delay allows.
#   delay-pipeline   the same link (its jitter reorders packets); a PUSH in A
#                    sends 2000 messages of 1 KiB to a PULL in B, which checks
#                    that none is lost, repeated or reordered.
#
# Loss uses `tc netem` where the kernel has it, else an nftables rule
# (numgen random mod 10 == 0 drop) whose counter proves packets were dropped.
# Partitions are an nftables drop-all rule in both namespaces. Delay uses
# `tc netem delay` where the kernel has it, else delay_link (--link): a
# second link between the namespaces, a TUN device in each, that holds every
# packet for the delay and its jitter (tests/faults/delay_link.c).
#
# Needs root, ip (iproute2), nft and tc; without them, or where namespaces
# cannot be made (a container), it reports SKIPPED (exit 77). The namespaces
# carry the pid in their names and are deleted on exit, failure included.
# Exit 0 on success, 1 on failure, 70 on a harness error.
source "$(dirname "$0")/fault_lib.sh"

[ $# -ge 1 ] || { echo "usage: netns_faults.sh CASE --peer BIN" >&2; exit 70; }
case_name=$1
shift
peer=
delay_link=
while [ $# -gt 0 ]; do
  case $1 in
    --peer) peer=$2 ;;
    --link) delay_link=$2 ;;
    *) echo "netns_faults: unknown option $1" >&2; exit 70 ;;
  esac
  shift 2
done
[ -x "$peer" ] || { echo "netns_faults: no peer binary" >&2; exit 70; }
fault_name="netns_faults $case_name"

[ "$(id -u)" = 0 ] || skip "needs root for ip netns"
for tool in ip nft tc ss; do
  command -v $tool >/dev/null || skip "$tool is not installed (scripts/deps.sh installs it)"
done

ns_a=nanoport-faults-$$-a
ns_b=nanoport-faults-$$-b
made_namespaces=0
cleanup_extra() {
  if [ "$made_namespaces" = 1 ]; then
    timeout 20 ip netns del "$ns_a" 2>/dev/null
    timeout 20 ip netns del "$ns_b" 2>/dev/null
  fi
}
describe_extra() {
  echo "--- TCP in A:"
  in_a ss -tnio
  echo "--- TCP in B:"
  in_b ss -tnio
}
timeout 20 ip netns add "$ns_a" 2>/dev/null || skip "cannot create a network namespace here"
made_namespaces=1
timeout 20 ip netns add "$ns_b" || fail "cannot create a second network namespace"
timeout 20 ip -n "$ns_a" link add veth-a type veth peer name veth-b netns "$ns_b" || fail "veth pair"
timeout 20 ip -n "$ns_a" addr add 10.77.0.1/24 dev veth-a || fail "address in A"
timeout 20 ip -n "$ns_b" addr add 10.77.0.2/24 dev veth-b || fail "address in B"
for ns in "$ns_a" "$ns_b"; do
  timeout 20 ip -n "$ns" link set lo up || fail "lo up"
done
timeout 20 ip -n "$ns_a" link set veth-a up || fail "veth-a up"
timeout 20 ip -n "$ns_b" link set veth-b up || fail "veth-b up"

# Commands run in a namespace get a deadline: on a loaded machine the
# kernel's namespace bookkeeping can stall netlink calls, and a stalled
# heal must fail the test, not hang it.
in_a() { timeout 20 ip netns exec "$ns_a" "$@"; }
in_b() { timeout 20 ip netns exec "$ns_b" "$@"; }
# The port is picked on the host's loopback; the namespaces are empty, so
# nothing there can have taken it.
url="tcp://10.77.0.2:$("$peer" port)"
port=${url##*:}

# 10% loss into both namespaces; echoes how.
loss_method=
add_loss() {
  if in_a tc qdisc add dev veth-a root netem loss 10% 2>/dev/null &&
    in_b tc qdisc add dev veth-b root netem loss 10% 2>/dev/null; then
    loss_method=netem
    return
  fi
  in_a tc qdisc del dev veth-a root 2>/dev/null
  loss_method=nftables
  local ns
  for ns in "$ns_a" "$ns_b"; do
    timeout 20 ip netns exec "$ns" nft -f - <<'EOF' || fail "nft loss rule"
table inet nanoport_loss {
  chain input {
    type filter hook input priority 0; policy accept;
    numgen random mod 10 == 0 counter drop
  }
}
EOF
  done
}

# Packets the loss dropped, both namespaces together.
dropped_packets() {
  local total=0 n ns
  if [ "$loss_method" = netem ]; then
    n=$(in_a tc -s qdisc show dev veth-a | awk '/dropped/ {sub(",", "", $7); print $7; exit}')
    total=$((total + ${n:-0}))
    n=$(in_b tc -s qdisc show dev veth-b | awk '/dropped/ {sub(",", "", $7); print $7; exit}')
    total=$((total + ${n:-0}))
  else
    for ns in "$ns_a" "$ns_b"; do
      n=$(timeout 20 ip netns exec "$ns" nft list table inet nanoport_loss |
        awk '{for (i = 1; i < NF; ++i) if ($i == "packets") {print $(i + 1); exit}}')
      total=$((total + ${n:-0}))
    done
  fi
  echo $total
}

partition() {
  local ns
  for ns in "$ns_a" "$ns_b"; do
    timeout 20 ip netns exec "$ns" nft -f - <<'EOF' || fail "nft partition rule"
table inet nanoport_partition {
  chain input {
    type filter hook input priority 0; policy drop;
  }
}
EOF
  done
}
heal() {
  in_a nft delete table inet nanoport_partition || fail "heal in A"
  in_b nft delete table inet nanoport_partition || fail "heal in B"
}

started_ms=$(ms_now)

# Delay of 50 ms each way, jitter 20 ms, between A and B; sets delay_url (the
# address of port $port in B across the delayed link) and delay_method.
delay_ms=50
jitter_ms=20
add_delay() {
  if in_a tc qdisc add dev veth-a root netem delay ${delay_ms}ms ${jitter_ms}ms 2>/dev/null &&
    in_b tc qdisc add dev veth-b root netem delay ${delay_ms}ms ${jitter_ms}ms 2>/dev/null; then
    delay_method=netem
    delay_url=$url
    return
  fi
  in_a tc qdisc del dev veth-a root 2>/dev/null
  [ -n "$delay_link" ] && [ -x "$delay_link" ] || skip "no netem and no delay_link program"
  [ -c /dev/net/tun ] || skip "no netem and no /dev/net/tun"
  delay_method=delay_link
  start_peer link 70 "$delay_link" --ns-a "$ns_a" --ns-b "$ns_b" --dev-a tun-a --dev-b tun-b \
    --delay-ms $delay_ms --jitter-ms $jitter_ms --seconds 65 --ready "$fault_dir/link.ready"
  link_pid=$last_pid
  wait_until 20 test -e "$fault_dir/link.ready" || fail "delay_link did not start: $(cat "$fault_dir/link.err")"
  timeout 20 ip -n "$ns_a" addr add 10.78.0.1 peer 10.78.0.2 dev tun-a || fail "address on tun-a"
  timeout 20 ip -n "$ns_b" addr add 10.78.0.2 peer 10.78.0.1 dev tun-b || fail "address on tun-b"
  timeout 20 ip -n "$ns_a" link set tun-a up || fail "tun-a up"
  timeout 20 ip -n "$ns_b" link set tun-b up || fail "tun-b up"
  delay_url="tcp://10.78.0.2:$port"
}

# Stops delay_link and checks what it says it did; the line goes to
# $delay_summary (netem: its settings).
delay_report() {
  if [ "$delay_method" = delay_link ]; then
    kill -TERM "$link_pid"
    finish_peer "$link_pid"
    [ "$peer_rc" = 0 ] || fail "delay_link exited $peer_rc: $(cat "$fault_dir/link.err")"
    local report min_us
    report=$(cat "$fault_dir/link.out")
    min_us=$(echo "$report" | sed -n 's/.*min_delay_us=\([0-9]*\).*/\1/p')
    [ -n "$min_us" ] && [ "$min_us" -ge $(((delay_ms - jitter_ms) * 1000)) ] ||
      fail "delay_link held packets less than $((delay_ms - jitter_ms)) ms: $report"
    delay_summary="delay_link $report"
  else
    delay_summary="netem delay ${delay_ms}ms ${jitter_ms}ms"
  fi
}

run_delay_reqrep() {
  local count=40 rep_pid req_pid began took
  add_delay
  start_peer rep 60 ip netns exec "$ns_b" "$peer" rep --bind "$delay_url" --log "$fault_dir/rep.log" \
    --timeout 55000
  rep_pid=$last_pid
  began=$(ms_now)
  start_peer req 60 ip netns exec "$ns_a" "$peer" req --connect "$delay_url" --count $count \
    --resend-ms 5000 --timeout 50000
  req_pid=$last_pid
  finish_peer "$req_pid"
  took=$(($(ms_now) - began))
  [ "$peer_rc" = 0 ] || fail "the REQ exited $peer_rc: $(cat "$fault_dir/req.err")"
  grep -q "answered=$count of $count" "$fault_dir/req.out" || fail "not every request answered"
  finish_peer "$rep_pid"
  [ "$peer_rc" = 0 ] || fail "the REP exited $peer_rc"
  # Each request waits at least one round trip: the delay happened.
  local least=$((count * 2 * (delay_ms - jitter_ms)))
  [ "$took" -ge "$least" ] || fail "$count requests took $took ms, less than the $least ms the delay allows"
  delay_report
  say "${delay_ms} ms ± ${jitter_ms} ms each way ($delay_summary): $(cat "$fault_dir/req.out");" \
      "$took ms for $count requests"
}

# push_pull URL: a PUSH in A sends 2000 messages of 1 KiB to a PULL in B at
# URL; the PULL checks that none is lost, repeated or reordered.
push_pull() {
  local url=$1 count=2000 size=1024 pull_pid push_pid
  start_peer pull 60 ip netns exec "$ns_b" "$peer" pull --bind "$url" --count $count --size $size \
    --timeout 55000
  pull_pid=$last_pid
  start_peer push 60 ip netns exec "$ns_a" "$peer" push --connect "$url" --count $count --size $size \
    --linger 30000 --timeout 50000
  push_pid=$last_pid
  finish_peer "$push_pid"
  [ "$peer_rc" = 0 ] || fail "the PUSH exited $peer_rc: $(cat "$fault_dir/push.err")"
  finish_peer "$pull_pid"
  [ "$peer_rc" = 0 ] || fail "the PULL exited $peer_rc: $(cat "$fault_dir/pull.err")"
  grep -q "received=$count " "$fault_dir/pull.out" || fail "the PULL did not get $count"
}

run_delay_pipeline() {
  add_delay
  push_pull "$delay_url"
  delay_report
  say "${delay_ms} ms ± ${jitter_ms} ms each way ($delay_summary): $(cat "$fault_dir/pull.out")"
}

run_loss_reqrep() {
  local count=100 rep_pid req_pid
  add_loss
  start_peer rep 60 ip netns exec "$ns_b" "$peer" rep --bind "$url" --log "$fault_dir/rep.log" --timeout 55000
  rep_pid=$last_pid
  start_peer req 60 ip netns exec "$ns_a" "$peer" req --connect "$url" --count $count --resend-ms 1000 \
    --timeout 50000
  req_pid=$last_pid
  finish_peer "$req_pid"
  [ "$peer_rc" = 0 ] || fail "the REQ exited $peer_rc: $(cat "$fault_dir/req.err")"
  grep -q "answered=$count of $count" "$fault_dir/req.out" || fail "not every request answered"
  finish_peer "$rep_pid"
  [ "$peer_rc" = 0 ] || fail "the REP exited $peer_rc"
  local dropped seen
  dropped=$(dropped_packets)
  [ "$dropped" -gt 0 ] || fail "the loss dropped no packet: the fault did not happen"
  seen=$(lines "$fault_dir/rep.log")
  say "10% loss ($loss_method, $dropped packets dropped): $(cat "$fault_dir/req.out");" \
      "REP saw $seen requests ($((seen - count)) resends)"
}

run_loss_pipeline() {
  add_loss
  in_a tc qdisc add dev veth-a root tbf rate 20mbit burst 32kbit latency 100ms ||
    [ "$loss_method" = netem ] || fail "tbf on veth-a"
  push_pull "$url"
  local dropped
  dropped=$(dropped_packets)
  [ "$dropped" -gt 0 ] || fail "the loss dropped no packet: the fault did not happen"
  say "10% loss ($loss_method, $dropped packets dropped), slow link: $(cat "$fault_dir/pull.out")"
}

# The SUB's established connections to the PUB, as local ports.
sub_ports() { in_a ss -Htn state established dst "10.77.0.2" dport = ":$port" | awk '{print $3}'; }
has_sub_connection() { [ -n "$(sub_ports)" ]; }

# The highest number the PUB has published so far.
last_published() { tail -n 1 "$fault_dir/pub.log" | awk '{print $2}'; }
# True once the SUB has a message numbered above $1.
sub_got_after() { [ -f "$fault_dir/sub.log" ] && awk -v s="$1" '$2 > s {found = 1} END {exit !found}' "$fault_dir/sub.log"; }

run_partition() {
  local reset=$1 pub_pid sub_pid before after healed_at
  start_peer pub 60 ip netns exec "$ns_b" "$peer" pub --bind "$url" --count 0 --interval-ms 10 \
    --log "$fault_dir/pub.log" --timeout 55000
  pub_pid=$last_pid
  start_peer sub 60 ip netns exec "$ns_a" "$peer" sub --connect "$url" --count 0 --log "$fault_dir/sub.log" \
    --timeout 55000
  sub_pid=$last_pid
  wait_until 20 log_has_at_least "$fault_dir/sub.log" 20 || fail "the SUB received nothing"
  before=$(sub_ports)
  partition
  local cut_at
  cut_at=$(last_published)
  if [ "$reset" = 1 ]; then
    in_a ss -K dst 10.77.0.2 dport = ":$port" >/dev/null || fail "ss -K"
    has_sub_connection && fail "ss -K did not destroy the SUB's connection (no INET_DIAG_DESTROY?)"
  fi
  sleep 3 # the fault: the partition lasts 3 s
  heal
  healed_at=$(last_published)
  [ "$healed_at" -gt "$cut_at" ] || fail "the PUB stopped publishing during the partition"
  wait_until 30 sub_got_after "$healed_at" ||
    fail "the SUB received nothing published after the heal (published up to $(last_published))"
  after=$(sub_ports)
  local heal_ms=$(($(ms_now) - started_ms))
  kill -TERM "$sub_pid" "$pub_pid"
  finish_peer "$sub_pid"
  [ "$peer_rc" = 0 ] || fail "the SUB exited $peer_rc: $(cat "$fault_dir/sub.err")"
  finish_peer "$pub_pid"
  [ "$peer_rc" = 0 ] || fail "the PUB exited $peer_rc"
  if [ "$reset" = 1 ]; then
    [ -n "$after" ] && [ "$after" != "$before" ] ||
      fail "the SUB did not reconnect (connection before: $before, after: $after)"
    say "3 s partition, SUB connection destroyed: reconnected (local port $before -> $after);"
  else
    [ "$after" = "$before" ] || say "note: the connection changed ($before -> $after)"
    say "3 s partition, connection kept (local port $before);"
  fi
  say "  $(cat "$fault_dir/sub.out"); published $(last_published), cut at $cut_at," \
      "healed at $healed_at; received again ${heal_ms} ms after start"
}

case $case_name in
  loss-reqrep) run_loss_reqrep ;;
  loss-pipeline) run_loss_pipeline ;;
  partition-pubsub) run_partition 0 ;;
  partition-reset) run_partition 1 ;;
  delay-reqrep) run_delay_reqrep ;;
  delay-pipeline) run_delay_pipeline ;;
  *) echo "netns_faults: unknown case $case_name" >&2; exit 70 ;;
esac
exit 0
