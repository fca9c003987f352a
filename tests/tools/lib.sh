# shellcheck shell=bash
# lib.sh -- sourced by the tools tests (tests/tools/*.sh): a private work
# directory, background processes that always end, tcp ports no parallel
# test uses, and waiting for an event under a deadline instead of sleeping.
#
# Every process is started under `timeout` (TOOLS_DEADLINE seconds) and is
# stopped, if still running, when the script exits; the work directory
# (ipc sockets, outputs) is removed then too.

set -u

TOOLS_DEADLINE=${TOOLS_DEADLINE:-20}

# Short base path: ipc paths must fit in sun_path (108 bytes).
tools_base=${TMPDIR:-/tmp}
[ ${#tools_base} -le 40 ] || tools_base=/tmp
work=$(mktemp -d "$tools_base/npt.XXXXXX") || { echo "mktemp failed" >&2; exit 70; }
# Shared with tests/interop/run_case.sh, so that no two tests hold one port.
port_dir=$tools_base/nanoport-interop-ports
tools_pids=()
tools_ports=()

tools_cleanup() {
    local pid port
    # `timeout` passes TERM on to the program it runs.
    for pid in "${tools_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${tools_pids[@]}"; do wait "$pid" 2>/dev/null; done
    for port in "${tools_ports[@]}"; do rmdir "$port_dir/$port" 2>/dev/null; done
    rm -rf "$work"
}
trap tools_cleanup EXIT
trap 'exit 71' INT TERM

# fail MESSAGE: ends the test; a script's on_fail function, if it has one,
# first shows what the processes printed.
fail() {
    if declare -F on_fail >/dev/null; then on_fail; fi
    echo "FAIL: $*" >&2
    exit 1
}

# show NAME: what process NAME printed, for a failure report.
show() {
    local f
    for f in "$work/$1.out" "$work/$1.err"; do
        [ -e "$f" ] || continue
        echo "--- $f:" >&2
        od -c "$f" | head -20 >&2
    done
}

# reserve_port VAR: a tcp port on 127.0.0.1, free now and reserved for this
# test (by mkdir under $port_dir), stored in VAR. Needs $free_port (the
# free_port program's path), which the sourcing script sets.
reserve_port() {
    mkdir -p "$port_dir" 2>/dev/null
    find "$port_dir" -mindepth 1 -maxdepth 1 -mmin +60 -exec rmdir {} + 2>/dev/null
    local candidate _  # not "port": printf -v below would set the local
    for _ in $(seq 50); do
        candidate=$("$free_port") || continue
        if mkdir "$port_dir/$candidate" 2>/dev/null; then
            tools_ports+=("$candidate")
            printf -v "$1" %s "$candidate"
            return 0
        fi
    done
    fail "could not reserve a free tcp port"
}

# start NAME CMD...: runs CMD in the background under timeout; stdout goes
# to $work/NAME.out, stderr to $work/NAME.err, stdin comes from
# $START_STDIN (default /dev/null). The pid is in pid_NAME.
#
# --foreground: without it, timeout puts itself in a process group of its
# own and, when signalled, signals its whole group; a `stop` that comes
# before timeout has left the script's group then signals this script too.
start() {
    local name=$1
    shift
    timeout --foreground -k 2 "$TOOLS_DEADLINE" "$@" <"${START_STDIN:-/dev/null}" \
        >"$work/$name.out" 2>"$work/$name.err" &
    tools_pids+=("$!")
    printf -v "pid_$name" %s "$!"
}

# forget PID: PID has been waited for; cleanup must not signal it (the
# number may belong to another process by then).
forget() {
    local kept=() pid
    for pid in "${tools_pids[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
    tools_pids=("${kept[@]}")
}

# finish NAME: waits for process NAME to end by itself and sets rc_NAME to
# its exit status (124: it ran into the deadline).
finish() {
    local pid_var="pid_$1"
    wait "${!pid_var}" 2>/dev/null
    printf -v "rc_$1" %s "$?"
    forget "${!pid_var}"
}

# stop NAME: ends process NAME (TERM) if it still runs, and waits for it.
stop() {
    local pid_var="pid_$1"
    kill -TERM "${!pid_var}" 2>/dev/null
    wait "${!pid_var}" 2>/dev/null
    forget "${!pid_var}"
    return 0
}

# wait_until DESCRIPTION CMD...: runs CMD every 20 ms until it succeeds;
# fails the test after TOOLS_DEADLINE seconds.
wait_until() {
    local what=$1
    shift
    local deadline=$((SECONDS + TOOLS_DEADLINE))
    until "$@"; do
        [ $SECONDS -lt $deadline ] || fail "timed out waiting for $what"
        sleep 0.02
    done
}

# has_line FILE LINE: FILE contains LINE as a whole line.
has_line() { [ -e "$1" ] && grep -qxF -- "$2" "$1"; }

# only_lines FILE LINE: FILE is not empty and every line of it is LINE.
only_lines() {
    [ -s "$1" ] || return 1
    ! grep -vxF -- "$2" "$1" >/dev/null
}

# expect_status NAME RC: process NAME ended with status RC.
expect_status() {
    local rc_var="rc_$1"
    [ "${!rc_var}" = "$2" ] || { show "$1"; fail "$1 exited with ${!rc_var}, expected $2"; }
}

# expect_quiet NAME: process NAME wrote nothing to stderr.
expect_quiet() {
    [ ! -s "$work/$1.err" ] || { show "$1"; fail "$1 wrote to stderr"; }
}
