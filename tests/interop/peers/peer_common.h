/* peer_common.h -- the library-independent half of the interop peers.
 *
 * An interop peer is a small program that opens one SP socket, binds or
 * connects it, and then either sends or receives a numbered stream of
 * messages whose every byte is known in advance, so the other side can check
 * them byte for byte. The same protocol logic (this header + peer_common.c)
 * is linked into one executable per library:
 *
 *   nn_peer.c   the public nanomsg C API (built against Debian's libnanomsg,
 *               and, unchanged, against nanoport: that is the proof that a
 *               nanomsg program recompiles against nanoport without edits);
 *   nng_peer.c  the native NNG API.
 *
 * A backend implements the `backend_*` functions declared below; peer_main()
 * does everything else. Everything runs on the main thread; a backend may
 * use library threads internally (NNG pipe callbacks).
 *
 * ---------------------------------------------------------------------------
 * Command line (identical for every backend)
 *
 *   peer --proto P (--bind URL | --connect URL)
 *        (--send N | --recv N) --size S[,S2,...]
 *        [--ack URL] [--maxsize BYTES] [--timeout MS] [--linger MS]
 *        [--ready FILE] [--ca FILE] [--cert FILE [--key FILE]]
 *
 *   --proto    pair | push | pull | req | rep | pub | sub | surveyor |
 *              respondent | bus
 *   --bind / --connect
 *              the data socket's address (tcp://127.0.0.1:PORT, ipc:///path,
 *              ws://127.0.0.1:PORT/path, tls+tcp://127.0.0.1:PORT,
 *              wss://127.0.0.1:PORT/path). Connecting never fails because
 *              the binder is not up yet: it retries in the background (NNG:
 *              a dialer started with NNG_FLAG_NONBLOCK).
 *   --send N   the sending role: pair, bus, push, req, pub, surveyor.
 *   --recv N   the receiving role: pair, bus, pull, rep, sub, respondent.
 *   --size     message k has size sizes[k % count]; 0 is allowed.
 *   --ack URL  the second (PAIR) socket for the acknowledgement; required for
 *              push/pull and pub/sub, rejected otherwise. The peer that binds
 *              its data socket also binds the ack socket; the other connects.
 *   --maxsize  receive size limit in bytes on every socket (NN_RCVMAXSIZE /
 *              NNG_OPT_RECVMAXSZ); -1 = unlimited. Default: library default
 *              (1 MiB in both; note it counts the SP header too, so a 1 MiB
 *              request body does not fit).
 *   --timeout  overall deadline in ms (default 20000); every blocking call
 *              gets the time that is left; running out is exit 2.
 *   --linger   how long (ms, default 2000, capped by --timeout) the closing
 *              handshake may take; see below. Never affects the exit code.
 *   --ready    create FILE once every bind/connect call has returned (the
 *              driver uses it to order the start of the two peers).
 *   --ca, --cert, --key
 *              TLS (tls+tcp://, wss://), for every socket of the peer: the
 *              PEM file of CAs a dialer trusts (it verifies the server's
 *              certificate, and the name in it: the host of the address,
 *              or "localhost" for the NNG peer, see nng_peer.c); the
 *              listener's certificate chain (PEM); its private key (PEM;
 *              without --key it is read from the --cert file). nanomsg has
 *              no TLS: a backend without it rejects these as a usage error.
 *
 * Exit codes: 0 all N messages sent and acknowledged / received and verified;
 * 1 failure (mismatch, unexpected message, library error); 2 deadline
 * passed; 3 bind failed with EADDRINUSE (the driver retries with another
 * port); 64 usage error. One summary line is printed on stderr.
 *
 * ---------------------------------------------------------------------------
 * Payload (peer_payload_byte)
 *
 *   size of message k:   sizes[k % nsizes]
 *   byte i of message k: if size >= 8 and i < 8: byte i of k, little-endian
 *                        otherwise:               (k*131 + i*7 + 1) & 0xff
 *
 * So every message of 8 bytes or more carries its index, and two consecutive
 * messages of the same non-zero size always differ in byte 0 (131 is odd),
 * which lets a receiver tell a retransmitted message from the next one.
 *
 * ---------------------------------------------------------------------------
 * Acknowledgement and linger scheme
 *
 * SP has no acknowledgements and neither nanomsg 1.x nor NNG 1.x guarantees
 * that a message accepted by send() survives an immediate close(). So the
 * sender's exit status never rests on "send returned": it waits for the
 * receiver to say it has verified everything.
 *
 *   1. The sender sends the N messages.
 *   2. The receiver verifies N messages, then sends ACK = "ACK!" + N as a
 *      64-bit little-endian count (12 bytes). A sender exits 0 only after it
 *      received ACK with count N: at that point every message is verified.
 *   3. The sender answers with FIN = "FIN!" (4 bytes), then keeps its socket
 *      open until the receiver has closed the connection (NNG: pipe-removed
 *      event; nanomsg API: NN_STAT_CURRENT_CONNECTIONS drops to 0), at most
 *      --linger ms, and exits.
 *   4. The receiver keeps its socket open until FIN arrives (at most --linger
 *      ms), so its ACK cannot be lost by an early close, then exits 0.
 *
 * The receiver's success depends only on step 2 and the sender's only on
 * receiving ACK; a lost FIN (the one message nobody confirms) merely costs
 * the receiver up to --linger ms and prints a note. So no run can fail
 * because of close timing.
 *
 * Where the acknowledgements travel:
 *   pair      on the data socket itself (pair is bidirectional);
 *   req/rep   REP echoes every request as its reply, REQ checks the echo:
 *             the reply to request N-1 is the ACK; FIN is a last request
 *             that REP does not answer;
 *   push/pull on the --ack PAIR socket (pull -> push: ACK, push -> pull: FIN);
 *   pub/sub, surveyor/respondent, bus: in lock step, below.
 *
 * Lock step. PUB, SURVEYOR and BUS drop messages while no peer is connected
 * (nanomsg's PUB also while the pipe is still busy with the previous one), so
 * these run one message at a time:
 *   - the sender sends PROBE = "\xffPROBE\xff\xff" (8 bytes; never equal to a
 *     payload, whose byte 7 is 0 from 8 bytes up), again after 20 ms, and
 *     so on, until the receiver answers one;
 *   - then it sends message k and waits for its confirmation, sending it again
 *     after 1000 ms until it comes; then FIN and linger as above.
 *   Every wait that runs out doubles its period (up to 4 s), so a round trip
 *   slower than the period cannot livelock a surveyor (a new survey discards
 *   the answers to the previous one).
 * The receiver answers every probe, every new message and every copy of the
 * message it accepted last (a copy sent again before the answer arrived):
 *   pub/sub   SUB answers with ACK(messages accepted so far) on the --ack
 *             PAIR socket; PUB waits for ACK(k+1); FIN goes on --ack;
 *   bus       the same, ACK and FIN on the bus socket itself;
 *   survey    each message is a survey (the surveyor deadline is set to
 *             --timeout so only the peer's own re-send timer matters); the
 *             RESPONDENT echoes it and the SURVEYOR checks the echo; FIN is
 *             a last survey nobody answers.
 * Two consecutive empty messages are indistinguishable; that only lets the
 * receiver count a re-sent empty message early, which cannot change what it
 * verifies.
 */
#ifndef NANOPORT_INTEROP_PEER_COMMON_H
#define NANOPORT_INTEROP_PEER_COMMON_H

#include <stddef.h>
#include <stdint.h>

enum peer_proto {
    PEER_PAIR,
    PEER_PUSH,
    PEER_PULL,
    PEER_REQ,
    PEER_REP,
    PEER_PUB,
    PEER_SUB,
    PEER_SURVEYOR,
    PEER_RESPONDENT,
    PEER_BUS
};

enum peer_exit {
    PEER_EXIT_OK = 0,
    PEER_EXIT_FAIL = 1,
    PEER_EXIT_TIMEOUT = 2,
    PEER_EXIT_ADDRINUSE = 3,
    PEER_EXIT_USAGE = 64
};

/* Result of a backend call. Backends print their own error messages. */
enum peer_status { PEER_OK, PEER_TIMEDOUT, PEER_FAILED, PEER_ADDRINUSE };

/* A received message. `owner` is the backend's handle for the buffer
 * (nanomsg: the NN_MSG chunk; NNG: the nng_msg), released by
 * backend_release(). */
struct peer_message {
    const unsigned char *data;
    size_t size;
    void *owner;
};

enum { PEER_MAX_SIZES = 16 };

struct peer_options {
    enum peer_proto proto;
    const char *url;
    int bind;            /* 1: --bind, 0: --connect */
    const char *ack_url; /* NULL unless --ack */
    int sending;         /* 1: --send, 0: --recv */
    uint64_t count;
    size_t sizes[PEER_MAX_SIZES];
    int nsizes;
    long long maxsize; /* -2: not given (library default), -1: unlimited */
    int timeout_ms;
    int linger_ms;
    const char *ready_file;
    /* TLS files, NULL when not given (see --ca, --cert, --key). */
    const char *tls_ca_file;
    const char *tls_cert_file;
    const char *tls_key_file;
};

/* ---- implemented by each backend ------------------------------------- */

struct peer_socket; /* the backend's socket wrapper */

/* Short library name for messages, e.g. "nanomsg". */
extern const char peer_backend_name[];
/* 1 when the backend can apply the TLS options (--ca, --cert, --key). */
extern const int peer_backend_tls;

/* Opens a socket of the given protocol, applies opts->maxsize, and
 * subscribes to everything for PEER_SUB. `opts` outlives the socket; the
 * TLS files in it apply to every later bind and connect of the socket. */
enum peer_status backend_open(enum peer_proto proto, const struct peer_options *opts,
                              struct peer_socket **out);
enum peer_status backend_bind(struct peer_socket *sock, const char *url);
enum peer_status backend_connect(struct peer_socket *sock, const char *url);
/* Blocking send/receive until `deadline` (peer_now_ms() clock). */
enum peer_status backend_send(struct peer_socket *sock, const unsigned char *data, size_t size,
                              int64_t deadline);
enum peer_status backend_recv(struct peer_socket *sock, struct peer_message *msg,
                              int64_t deadline);
void backend_release(struct peer_message *msg);
/* Returns once the socket has no connection left (the peer closed it), or at
 * `deadline`; returns 1 in the first case, 0 in the second. */
int backend_wait_disconnected(struct peer_socket *sock, int64_t deadline);
void backend_close(struct peer_socket *sock);

/* ---- provided by peer_common.c ----------------------------------------- */

/* Monotonic clock in milliseconds. */
int64_t peer_now_ms(void);
/* Byte `i` of message `k` of size `size` (see the payload rules above). */
unsigned char peer_payload_byte(uint64_t k, size_t i, size_t size);
/* Parses argv, runs the role, returns the process exit code. */
int peer_main(int argc, char **argv);

#endif
