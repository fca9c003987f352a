/* scenario.h -- the library-independent half of the interop scenario programs.
 *
 * A scenario program plays one role of a multi-party interop scenario (issue
 * #4): a REQ whose REP gets killed and restarted, one node of a three-library
 * BUS, a raw REQ/REP device, a PUB and its filtering SUBs, a SURVEYOR whose
 * deadline expires. run_scenario.sh starts several of them, built against
 * different libraries, and judges their exit codes. The roles (this header +
 * scenario_common.c) are linked into one executable per library:
 *
 *   sc_nn.c   the public nanomsg C API: built against Debian's libnanomsg
 *             (interop_sc_nn) and, unchanged, against nanoport (interop_sc_np);
 *   sc_nng.c  NNG's native API (interop_sc_nng).
 *
 * A backend implements the sc_* functions declared below; scenario_main()
 * does everything else, on the main thread, plus one "stopper" thread that
 * waits for SIGTERM/SIGINT or the --timeout deadline and then calls
 * sc_stop_all(), which must wake every blocked call of the backend.
 *
 * ---------------------------------------------------------------------------
 * Command line:  scenario --role ROLE [options], options below per role.
 * Common: --name NAME (in messages and logs; default: the library),
 *         --timeout MS (overall deadline, default 20000), --ready FILE
 *         (created, holding the process id, once every bind/connect returned).
 *
 *   req         --connect|--bind URL --count N [--resend-ivl MS]
 *       Sends N requests one after the other, "req NAME K NONCE" (NONCE is
 *       random per process), and checks that the reply to each is the request
 *       followed by "|" and the replier's name. Exit 0 when all N are
 *       answered, 1 on a wrong reply, 2 at the deadline. --resend-ivl sets
 *       NN_REQ_RESEND_IVL / NNG_OPT_REQ_RESENDTIME; default: longer than
 *       --timeout, so that nothing is re-sent and a lost request is a failure.
 *   rep         --bind|--connect URL [--hang-at K --hung-file FILE] [--corrupt-at K]
 *       Answers every request until SIGTERM (exit 0) or the deadline (2); a
 *       malformed request is exit 1. With --hang-at, the K-th request it
 *       receives (counting from 0) is never answered: it writes FILE (holding
 *       its pid) and from then on receives and drops everything, waiting to be
 *       killed. --corrupt-at (self-test) garbles the K-th reply.
 *   device      --front URL --back URL
 *       nn_device / nng_device between a raw REP socket bound to --front
 *       (facing requesters) and a raw REQ socket bound to --back (facing
 *       repliers), until SIGTERM (exit 0).
 *   bus         --bind URL [--connect URL]... --count K --peers NAME,NAME...
 *       One node of a BUS mesh; see "BUS" below.
 *   pub         --bind URL --ack URL --count N --subscribers S
 *   sub         --connect URL --ack URL --count N [--subscribe P]...
 *               [--unsubscribe P]... [--subscribe-hidden P]
 *       (P may contain \xHH escapes; --subscribe-hidden, for the self-test,
 *       subscribes without expecting the messages)
 *       See "PUB/SUB" below. sub runs until SIGTERM, then exits 0 only when
 *       it received every message that matches its subscriptions.
 *   surveyor    --bind URL --go URL --respondents R --deadline MS --rounds N
 *               [--library-deadline MS]  (self-test: set this one on the socket)
 *   respondent  --connect URL [--go URL]
 *       See "SURVEYOR/RESPONDENT" below. respondent runs until SIGTERM.
 *
 * Sockets are never closed: a role ends with _exit() once its verdict is in
 * and has been confirmed to whoever needs it, and the OS closes the
 * connections (a library's graceful close can take longer than the driver
 * waits). Exit codes: 0 success, 1 failure, 2 deadline passed (or a client stopped
 * by a signal), 3 bind failed with EADDRINUSE, 64 usage error.
 *
 * ---------------------------------------------------------------------------
 * BUS. Each node sends K data messages "D FROM SEQ ATTEMPT" one at a time and
 * waits until every peer has acknowledged it with "A ACKER FROM SEQ"; it
 * sends the message again (ATTEMPT + 1) when the acknowledgements are slow
 * (BUS drops while no pipe is up). Each receiver checks: no message of its
 * own comes back (echo), no transmission (FROM, SEQ, ATTEMPT) arrives twice
 * (duplicate), FROM is a known peer; it counts the distinct (FROM, SEQ).
 * A node is done when its K messages are acknowledged by every peer and it
 * holds all K x peers messages; it then sends "F NAME" (again every 200 ms)
 * and exits 0 once every peer has said F, after lingering until the peers
 * have closed (at most 2 s) so that its own F gets through.
 *
 * PUB/SUB. Messages are TOPIC "|" INDEX with TOPIC = sc_topics[INDEX %
 * nTOPICS]. The PUB first sends the probe "\xff#probe" until S subscribers
 * have answered on the --ack PUSH -> PULL channel with "HELLO NAME MASK"
 * (MASK: one '0'/'1' per topic, whether it matches that subscriber). Then it
 * sends message i and waits for "GOT NAME i ATTEMPT" from every subscriber
 * whose MASK has the topic, sending it again when they are slow. A subscriber
 * (which also subscribes to "\xff#" for the probe) answers "BAD NAME ..." and
 * fails when it receives a message that matches none of its subscriptions,
 * the same transmission twice, or garbage; the PUB fails on BAD.
 *
 * SURVEYOR/RESPONDENT. NN_SURVEYOR_DEADLINE (NNG_OPT_SURVEYOR_SURVEYTIME) is
 * --deadline. Probes until one survey is answered by all R respondents. Then,
 * per round n: survey "s N" must be answered by all R ("s N|NAME") and then
 * end in ETIMEDOUT no sooner than the deadline (and not much later);
 * survey "hold N": the respondent started with --go (the holder) does not
 * answer, the others do, then ETIMEDOUT; survey "after N", then "go" on the
 * --go PAIR channel: the holder first answers the held survey "hold N" (a
 * stale response to an old survey, which the surveyor must discard), then
 * "after N"; all R answers to "after N" must arrive, nothing else.
 */
#ifndef NANOPORT_INTEROP_SCENARIO_H
#define NANOPORT_INTEROP_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

enum sc_proto {
    SC_PAIR,
    SC_PUSH,
    SC_PULL,
    SC_REQ,
    SC_REP,
    SC_PUB,
    SC_SUB,
    SC_SURVEYOR,
    SC_RESPONDENT,
    SC_BUS
};

enum sc_exit {
    SC_EXIT_OK = 0,
    SC_EXIT_FAIL = 1,
    SC_EXIT_TIMEOUT = 2,
    SC_EXIT_ADDRINUSE = 3,
    SC_EXIT_USAGE = 64
};

/* Result of a backend call. Backends print their own error messages, except
 * for SC_TIMEDOUT and SC_STOPPED, which are normal. */
enum sc_status {
    SC_OK,
    SC_TIMEDOUT, /* the deadline given to the call passed (ETIMEDOUT/EAGAIN) */
    SC_STOPPED,  /* sc_stop_all() was called (signal or overall deadline) */
    SC_FAILED,
    SC_ADDRINUSE
};

/* Socket options the roles set. */
enum sc_option {
    SC_OPT_RESEND_IVL,      /* REQ: NN_REQ_RESEND_IVL, ms */
    SC_OPT_SURVEY_DEADLINE  /* SURVEYOR: NN_SURVEYOR_DEADLINE, ms */
};

/* A received message; `owner` is the backend's handle, freed by sc_release. */
struct sc_message {
    const unsigned char *data;
    size_t size;
    void *owner;
};

/* ---- implemented by each backend ------------------------------------- */

struct sc_socket;

/* Short library name for messages, e.g. "nanomsg". */
extern const char sc_library[];

/* Opens a cooked socket, or with `raw` a raw one (AF_SP_RAW). */
enum sc_status sc_open(enum sc_proto proto, int raw, struct sc_socket **out);
enum sc_status sc_bind(struct sc_socket *s, const char *url);
/* Never fails because nobody listens yet: retries in the background. */
enum sc_status sc_connect(struct sc_socket *s, const char *url);
enum sc_status sc_set_ms(struct sc_socket *s, enum sc_option option, int ms);
/* SUB: subscribes to (or with `remove`, unsubscribes from) a prefix. */
enum sc_status sc_subscribe(struct sc_socket *s, const void *prefix, size_t size, int remove);
/* Blocking send/receive until `deadline` (sc_now_ms() clock). */
enum sc_status sc_send(struct sc_socket *s, const void *data, size_t size, int64_t deadline);
enum sc_status sc_recv(struct sc_socket *s, struct sc_message *msg, int64_t deadline);
void sc_release(struct sc_message *msg);
/* Connections the socket has now; -1 when the library cannot tell. */
int sc_connections(struct sc_socket *s);
/* Forwards between two raw sockets until stopped (returns SC_STOPPED). */
enum sc_status sc_device(struct sc_socket *a, struct sc_socket *b);
/* Called once, from the stopper thread: every blocked or later call of this
 * backend must return SC_STOPPED soon. */
void sc_stop_all(void);

/* ---- provided by scenario_common.c -------------------------------------- */

/* 1 once sc_stop_all() has been called (for the backends). */
int sc_stopping(void);
/* Monotonic clock in milliseconds. */
int64_t sc_now_ms(void);
/* Parses argv, runs the role, returns the process exit code. */
int scenario_main(int argc, char **argv);

#endif
