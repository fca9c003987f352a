#!/usr/bin/env bash
# npcat_tls.sh -- npcat's TLS and WebSocket options end to end: a REQ asks,
# a REP answers "pong", over tls+tcp://, ws:// and wss://, with certificates
# made for the run by the openssl command (a throwaway CA and a server
# certificate for 127.0.0.1 and npcat.test, EC P-256, in the work directory
# that is removed at exit).
#
#   npcat_tls.sh --npcat NPCAT --json-field NPCAT_JSON_FIELD --free-port FREE_PORT --case CASE
#
# CASE:
#   tls.cacert      the REQ verifies the REP's certificate against --cacert;
#                   the REP gives --cert and --key
#   tls.insecure    the REQ gives -k and no --cacert; the REP's --cert file
#                   holds the key too (no --key)
#   tls.unverified  the REQ gives neither: the system's CAs do not know the
#                   throwaway one, so the request goes unanswered (--stats
#                   counts a TLS failure, and the timeout says TLS
#                   handshakes failed); a REQ with --cacert then gets its
#                   answer from the same REP, which saw that request only
#   tls.server-name --server-name: the name the certificate carries
#                   (npcat.test) is answered; another name goes unanswered
#   wss.cacert      tls.cacert over wss://
#   ws.reqrep       ws://, binary frames (the default)
#   ws.text         ws:// PUSH to PULL with --ws-text: UTF-8 lines as text frames
#   tls.nngcat-rep  npcat REQ --cacert -> nngcat REP over tls+tcp://
#   tls.nngcat-req  nngcat REQ -k -> npcat REP over tls+tcp:// (nngcat's
#                   mbed TLS 2 cannot match an IP address to a certificate)
#
# The ws.* cases need no openssl command.
set -u
here=$(cd "$(dirname "$0")" && pwd)
npcat='' json_field='' free_port='' case_name=''
while [ $# -gt 0 ]; do
    case $1 in
        --npcat) npcat=$2 ;;
        --json-field) json_field=$2 ;;
        --free-port) free_port=$2 ;;
        --case) case_name=$2 ;;
        *) echo "npcat_tls.sh: unknown option $1" >&2; exit 70 ;;
    esac
    shift 2
done
source "$here/lib.sh"
[ -x "$npcat" ] || fail "--npcat '$npcat' is not executable"
on_fail() { local n; for n in server client client2; do show "$n"; done; }

# make_certificates: $pki/ca.pem (the CA), $pki/server.pem and
# $pki/server.key (127.0.0.1 and npcat.test, signed by the CA) and $pki/server-and-key.pem
# (both in one file).
pki=$work/pki
make_certificates() {
    command -v openssl >/dev/null || fail "no openssl command"
    mkdir "$pki" || fail "mkdir $pki"
    printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:npcat.test' 'basicConstraints=critical,CA:FALSE' \
        'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth' >"$pki/server.ext"
    {
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$pki/ca.key" &&
            openssl req -x509 -new -key "$pki/ca.key" -subj "/CN=npcat test CA" -days 1 \
                -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign' \
                -out "$pki/ca.pem" &&
            openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 \
                -out "$pki/server.key" &&
            openssl req -new -key "$pki/server.key" -subj "/CN=127.0.0.1" -out "$pki/server.csr" &&
            openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
                -set_serial 2 -days 1 -extfile "$pki/server.ext" -out "$pki/server.pem" &&
            openssl verify -CAfile "$pki/ca.pem" "$pki/server.pem"
    } >"$work/openssl.log" 2>&1 || { cat "$work/openssl.log" >&2; fail "openssl could not make the certificates"; }
    cat "$pki/server.pem" "$pki/server.key" >"$pki/server-and-key.pem"
}

# await_bind NAME URL: npcat NAME, started with -v, has bound URL; fails at
# once if it ended instead (a transport it lacks, a certificate it refused).
await_bind() {
    local pid_var="pid_$1"
    local deadline=$((SECONDS + TOOLS_DEADLINE))
    until has_line "$work/$1.err" "npcat: bound to $2"; do
        kill -0 "${!pid_var}" 2>/dev/null || fail "$1 ended before binding $2"
        [ $SECONDS -lt $deadline ] || fail "timed out waiting for $1 to bind $2"
        sleep 0.02
    done
}

# same NAME TEXT: what NAME printed on stdout is exactly TEXT (printf's escapes).
same() {
    printf "$2" >"$work/expected"
    cmp -s "$work/$1.out" "$work/expected" || fail "$1 printed other than '$2'"
}

# ask NAME URL OPTIONS...: npcat REQ NAME sends "ping" to URL and must print
# the answer "pong", then end by itself, quietly.
ask() {
    local name=$1 url=$2
    shift 2
    start "$name" "$npcat" --req --connect "$url" -D ping -A --count 1 "$@"
    finish "$name"
    expect_status "$name" 0
    same "$name" 'pong\n'
    expect_quiet "$name"
}

# answer URL OPTIONS...: npcat REP "server" answers every request to URL
# with "pong", printing the requests; bound when this returns.
answer() {
    local url=$1
    shift
    start server "$npcat" --rep --bind "$url" -D pong -A -v "$@"
    await_bind server "$url"
}

reserve_port port
echo "case $case_name, port $port"
case $case_name in tls.* | wss.*) make_certificates ;; esac
case $case_name in
    tls.cacert | wss.cacert)
        url="tls+tcp://127.0.0.1:$port"
        [ "$case_name" = wss.cacert ] && url="wss://127.0.0.1:$port/npcat"
        answer "$url" --cert "$pki/server.pem" --key "$pki/server.key"
        ask client "$url" --cacert "$pki/ca.pem"
        stop server
        same server 'ping\n'
        ;;
    tls.insecure)
        url="tls+tcp://127.0.0.1:$port"
        answer "$url" -E "$pki/server-and-key.pem"
        ask client "$url" -k
        stop server
        same server 'ping\n'
        ;;
    tls.unverified)
        url="tls+tcp://127.0.0.1:$port"
        answer "$url" --cert "$pki/server.pem" --key "$pki/server.key"
        start client "$npcat" --req --connect "$url" -D ping -A --recv-timeout 2 --stats
        finish client
        expect_status client 0
        [ ! -s "$work/client.out" ] || fail "the unverified client got an answer"
        failures=$(grep '^{' "$work/client.err" | "$json_field" tls_failures) ||
            fail "no tls_failures in the client's --stats"
        if [ "$failures" = null ] || [ "$failures" -lt 1 ]; then
            fail "the client counted $failures TLS failures, expected at least 1"
        fi
        grep -q 'TLS handshake(s) failed' "$work/client.err" ||
            fail "the client's timeout did not say that TLS handshakes failed"
        echo "unverified client: no answer, tls_failures $failures, and said why"
        ask client2 "$url" --cacert "$pki/ca.pem"
        stop server
        same server 'ping\n'
        ;;
    tls.server-name)
        url="tls+tcp://127.0.0.1:$port"
        answer "$url" --cert "$pki/server.pem" --key "$pki/server.key"
        start client "$npcat" --req --connect "$url" --cacert "$pki/ca.pem" \
            --server-name other.test -D ping -A --recv-timeout 1
        finish client
        expect_status client 0
        [ ! -s "$work/client.out" ] || fail "a client expecting other.test got an answer"
        ask client2 "$url" --cacert "$pki/ca.pem" --server-name npcat.test
        stop server
        same server 'ping\n'
        ;;
    ws.reqrep)
        url="ws://127.0.0.1:$port/npcat"
        answer "$url"
        ask client "$url"
        stop server
        same server 'ping\n'
        ;;
    ws.text)
        url="ws://127.0.0.1:$port/npcat"
        printf 'one\nh\xc3\xa9llo\n\xe2\x9c\x93\n' >"$work/lines"
        start server "$npcat" --pull --bind "$url" -A --count 3 -v
        await_bind server "$url"
        START_STDIN=$work/lines start client "$npcat" --push --connect "$url" --ws-text
        finish client
        expect_status client 0
        expect_quiet client
        finish server
        expect_status server 0
        same server 'one\nh..llo\n...\n'  # -A prints each non-ASCII byte as a dot
        ;;
    tls.nngcat-rep)
        command -v nngcat >/dev/null || fail "no nngcat"
        url="tls+tcp://127.0.0.1:$port"
        start server nngcat --rep0 --listen "$url" --cert "$pki/server.pem" --key "$pki/server.key" \
            -D pong -A
        ask client "$url" --cacert "$pki/ca.pem"
        stop server
        ;;
    tls.nngcat-req)
        command -v nngcat >/dev/null || fail "no nngcat"
        url="tls+tcp://127.0.0.1:$port"
        answer "$url" --cert "$pki/server.pem" --key "$pki/server.key"
        start client nngcat --req0 --dial "$url" -k -D ping -Q
        finish client
        expect_status client 0
        same client '"pong"\n'
        stop server
        same server 'ping\n'
        ;;
    *) fail "unknown --case '$case_name'" ;;
esac
echo PASS
