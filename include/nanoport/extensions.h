/*
    nanoport/extensions.h: what nanoport adds to the nanomsg C API - options
    and statistics that nanomsg does not have. Use it beside the nanomsg
    headers:

        #include <nanomsg/nn.h>
        #include <nanomsg/ipc.h>
        #include <nanoport/extensions.h>

        int mode = 0600;
        nn_setsockopt(s, NN_IPC, NANOPORT_IPC_PERMISSIONS, &mode, sizeof mode);

    The names carry a NANOPORT_ prefix and the numbers start at 1000, far
    from nanomsg's (its options are below 100 at every level, its statistics
    101..401), so that they can never meet a name or number nanomsg defines,
    now or later. include/nanomsg/ stays nanomsg's headers, name for name.
    nn_symbol and nn_symbol_info list these after nanomsg's own symbols.

    Plain C; the values never change once released.
*/

#ifndef NANOPORT_EXTENSIONS_H_INCLUDED
#define NANOPORT_EXTENSIONS_H_INCLUDED

/*  Option at level NN_SOL_SOCKET (int): the most connections each listener
    (nn_bind on tcp or ipc) holds whose SP handshake has not completed yet.
    A connection accepted beyond it is closed at once and counted in
    NANOPORT_STAT_REFUSED_CONNECTIONS. Read at each accept, so a change
    applies to listeners made before it too. Default 1024; 1 .. INT_MAX. */
#define NANOPORT_MAX_PENDING_CONNECTIONS 1001

/*  Option at level NN_SOL_SOCKET (int, milliseconds): how long a new
    connection (accepted or dialed) has to complete its SP handshake before
    it is closed and counted in NANOPORT_STAT_HANDSHAKE_TIMEOUTS. Read when
    the connection is made. Default 1000 (nanomsg's fixed value); 1 ..
    INT_MAX. */
#define NANOPORT_HANDSHAKE_TIMEOUT 1002

/*  Option at level NN_IPC (int): the permission bits (0 .. 0777) given to
    the socket file of every later nn_bind on ipc://, before the listener
    accepts anybody (connecting to a Unix socket needs write permission on
    its file). Default -1: the mode the process's umask leaves,
    0777 & ~umask, as with nanomsg. Setting -1 restores the default. Has no
    meaning for an nn_connect. NNG calls this NNG_OPT_IPC_PERMISSIONS. */
#define NANOPORT_IPC_PERMISSIONS 1001

/*  Statistics (nn_get_statistic). Counters unless said otherwise. They
    record what a peer did wrong; each such peer loses its connection (or,
    for NANOPORT_STAT_DROPPED_MESSAGES, its message), and nobody else
    notices. */

/*  Connections that ended before their SP handshake completed: greeting
    refused, deadline passed, or the peer closed or reset the connection. A
    connection our own nn_shutdown or nn_close ends is not counted. */
#define NANOPORT_STAT_FAILED_HANDSHAKES 1001
/*  Of those, the ones whose greeting was malformed (magic, version, reserved
    bytes) or named a protocol that is not our peer. */
#define NANOPORT_STAT_REJECTED_GREETINGS 1002
/*  Of those, the ones whose greeting had not arrived when the handshake
    deadline passed (NANOPORT_HANDSHAKE_TIMEOUT). */
#define NANOPORT_STAT_HANDSHAKE_TIMEOUTS 1003
/*  Connections closed because the peer announced a message longer than
    NN_RCVMAXSIZE (or than any message can be). */
#define NANOPORT_STAT_OVERSIZED_MESSAGES 1004
/*  Connections closed because of a framing error other than the length: on
    ipc, a message type byte other than 1. */
#define NANOPORT_STAT_MALFORMED_FRAMES 1005
/*  Connections a listener accepted and closed at once because it already
    held NANOPORT_MAX_PENDING_CONNECTIONS unfinished handshakes. They are not
    counted in NN_STAT_ACCEPTED_CONNECTIONS. */
#define NANOPORT_STAT_REFUSED_CONNECTIONS 1006
/*  Not a counter: connections the socket's listeners accepted whose
    handshake has not completed yet (until they complete it or are freed). */
#define NANOPORT_STAT_PENDING_CONNECTIONS 1007
/*  Messages the protocol received or was given and discarded: requests and
    responses with a malformed backtrace or more hops than NN_MAXTTL (REP,
    RESPONDENT, and replies at REQ, SURVEYOR), replies to a peer that is
    gone, stale survey responses, messages PUB or BUS could not queue to a
    full peer. Counted when the protocol meets them, i.e. as messages are
    received. */
#define NANOPORT_STAT_DROPPED_MESSAGES 1008

/*  TLS: the tls+tcp:// and wss:// transports. Options at level NANOPORT_TLS,
    read when nn_bind or nn_connect makes the endpoint (so set them first);
    a file that cannot be read or parsed makes that nn_bind / nn_connect fail
    (ENOENT, EACCES: the file; EINVAL: not PEM, or a key that does not match
    the certificate). Only TLS 1.2 and 1.3 are spoken.

        nn_setsockopt(s, NANOPORT_TLS, NANOPORT_TLS_CA_FILE, "ca.pem", 6);
        nn_connect(s, "tls+tcp://server.example:5555");

    A dialer verifies the server's certificate by default: against
    NANOPORT_TLS_CA_FILE, or the system's trusted CAs when it is not set,
    and checks that it names the host of the address (or
    NANOPORT_TLS_SERVER_NAME). A connection that fails that check is
    closed, counted in NANOPORT_STAT_TLS_FAILURES and logged with OpenSSL's
    reason (NANOPORT_LOG=1), and the dialer tries again later, as for any
    failed connection. A listener needs NANOPORT_TLS_CERT_FILE (nn_bind
    fails with EINVAL without it) and asks for no client certificate unless
    NANOPORT_TLS_AUTH_MODE says so. */
#define NANOPORT_TLS -1000

/*  Strings (the bytes given, no terminator needed; an empty string unsets):
    a PEM file of trusted CA certificates; our certificate chain (PEM, ours
    first); our private key (PEM; when unset, it is read from the
    certificate file, so one file may hold both, as NNG's
    tls-cert-key-file); the name the server's certificate must carry and
    that is sent as SNI (a dialer's; default: the host of the address). */
#define NANOPORT_TLS_CA_FILE 1001
#define NANOPORT_TLS_CERT_FILE 1002
#define NANOPORT_TLS_KEY_FILE 1003
#define NANOPORT_TLS_SERVER_NAME 1004

/*  Int: whether the peer must show a certificate that NANOPORT_TLS_CA_FILE
    (or the system's CAs) trusts. NANOPORT_TLS_AUTH_NONE: no check at all
    (npcat --insecure); NANOPORT_TLS_AUTH_OPTIONAL: a certificate is checked
    if the peer sends one; NANOPORT_TLS_AUTH_REQUIRED: it must send one that
    passes. The default, -1, is REQUIRED for a dialer and NONE for a
    listener. The values are NNG's. */
#define NANOPORT_TLS_AUTH_MODE 1005
#define NANOPORT_TLS_AUTH_NONE 0
#define NANOPORT_TLS_AUTH_OPTIONAL 1
#define NANOPORT_TLS_AUTH_REQUIRED 2

/*  Connections whose TLS handshake failed: the peer's certificate was not
    trusted, had expired or named another host, the peer refused ours, or
    it did not speak TLS 1.2+ at all. Also counted in
    NANOPORT_STAT_FAILED_HANDSHAKES. */
#define NANOPORT_STAT_TLS_FAILURES 1009

/*  Connections closed because a WebSocket peer broke RFC 6455 or the SP
    mapping: a bad HTTP upgrade, headers over the limit, an unmasked client
    frame (or a masked server frame), a bad opcode or control frame, invalid
    UTF-8 in a text message (NN_WS_MSG_TYPE text). Oversized messages count
    in NANOPORT_STAT_OVERSIZED_MESSAGES instead. */
#define NANOPORT_STAT_WS_PROTOCOL_ERRORS 1010

#endif /* NANOPORT_EXTENSIONS_H_INCLUDED */
