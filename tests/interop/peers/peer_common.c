/* peer_common.c -- command line, payloads and the send/receive/acknowledge
 * flows shared by every interop peer. See peer_common.h for the contract;
 * this file only talks to the library through the backend_* functions. */
#define _POSIX_C_SOURCE 200809L

#include "peer_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Control messages (see peer_common.h). */
static const unsigned char ack_tag[4] = {'A', 'C', 'K', '!'};
static const unsigned char fin_msg[4] = {'F', 'I', 'N', '!'};
static const unsigned char probe_msg[8] = {0xff, 'P', 'R', 'O', 'B', 'E', 0xff, 0xff};
enum { ACK_SIZE = 12 };

/* Lock step: first probe period while waiting for the receiver, and first
 * re-send period for a message whose confirmation has not come back. Each
 * wait that runs out doubles the period (up to the cap), so a round trip
 * slower than the period cannot make a surveyor re-survey forever (a new
 * survey discards the answers to the previous one). Building with
 * -DPEER_RESEND_INTERVAL_MS=1 makes many messages re-sent copies, which
 * exercises the receivers' duplicate handling. */
#ifndef PEER_RESEND_INTERVAL_MS
#define PEER_RESEND_INTERVAL_MS 1000
#endif
enum {
    PROBE_INTERVAL_MS = 20,
    RESEND_INTERVAL_MS = PEER_RESEND_INTERVAL_MS,
    MAX_INTERVAL_MS = 4000
};

int64_t peer_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

unsigned char peer_payload_byte(uint64_t k, size_t i, size_t size)
{
    if (size >= 8 && i < 8) {
        return (unsigned char)(k >> (8 * i));
    }
    return (unsigned char)((k * 131u + (uint64_t)i * 7u + 1u) & 0xffu);
}

/* ---- command line -------------------------------------------------------- */

static const char *const proto_names[] = {"pair", "push", "pull",       "req", "rep",
                                          "pub",  "sub",  "surveyor", "respondent", "bus"};

static void usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s peer: ", peer_backend_name);
    fprintf(stderr, fmt, arg);
    fprintf(stderr,
            "\nusage: peer --proto pair|push|pull|req|rep|pub|sub|surveyor|respondent|bus\n"
            "            (--bind URL | --connect URL)\n"
            "            (--send N | --recv N) --size S[,S2,...] [--ack URL]\n"
            "            [--maxsize BYTES] [--timeout MS] [--linger MS] [--ready FILE]\n"
            "            [--ca FILE] [--cert FILE [--key FILE]]\n");
}

static int parse_number(const char *text, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
        return 0;
    }
    *out = value;
    return 1;
}

static int parse_sizes(const char *text, struct peer_options *o)
{
    char buf[256];
    if (strlen(text) >= sizeof buf) {
        return 0;
    }
    strcpy(buf, text);
    o->nsizes = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        long long size;
        if (o->nsizes == PEER_MAX_SIZES || !parse_number(tok, 0, 1LL << 30, &size)) {
            return 0;
        }
        o->sizes[o->nsizes++] = (size_t)size;
    }
    return o->nsizes > 0;
}

/* Returns 0 when the options are usable, PEER_EXIT_USAGE otherwise. */
static int parse_options(int argc, char **argv, struct peer_options *o)
{
    int have_proto = 0, have_role = 0;
    long long n;

    memset(o, 0, sizeof *o);
    o->maxsize = -2;
    o->timeout_ms = 20000;
    o->linger_ms = 2000;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--help") == 0) {
            usage("%s", "help");
            return PEER_EXIT_USAGE;
        }
        if (i + 1 >= argc) {
            usage("missing value for %s", opt);
            return PEER_EXIT_USAGE;
        }
        const char *val = argv[++i];
        if (strcmp(opt, "--proto") == 0) {
            size_t p = 0;
            while (p < sizeof proto_names / sizeof proto_names[0] && strcmp(val, proto_names[p]) != 0) {
                p++;
            }
            if (p == sizeof proto_names / sizeof proto_names[0]) {
                usage("unknown protocol '%s'", val);
                return PEER_EXIT_USAGE;
            }
            o->proto = (enum peer_proto)p;
            have_proto = 1;
        } else if (strcmp(opt, "--bind") == 0 || strcmp(opt, "--connect") == 0) {
            if (o->url != NULL) {
                usage("%s", "give exactly one of --bind / --connect");
                return PEER_EXIT_USAGE;
            }
            o->url = val;
            o->bind = opt[2] == 'b';
        } else if (strcmp(opt, "--send") == 0 || strcmp(opt, "--recv") == 0) {
            if (have_role || !parse_number(val, 0, 1LL << 40, &n)) {
                usage("give exactly one of --send N / --recv N (got '%s')", val);
                return PEER_EXIT_USAGE;
            }
            o->sending = opt[2] == 's';
            o->count = (uint64_t)n;
            have_role = 1;
        } else if (strcmp(opt, "--size") == 0) {
            if (!parse_sizes(val, o)) {
                usage("bad --size list '%s' (at most 16 sizes, each <= 1 GiB)", val);
                return PEER_EXIT_USAGE;
            }
        } else if (strcmp(opt, "--ack") == 0) {
            o->ack_url = val;
        } else if (strcmp(opt, "--maxsize") == 0) {
            if (!parse_number(val, -1, 1LL << 31, &n)) {
                usage("bad --maxsize '%s'", val);
                return PEER_EXIT_USAGE;
            }
            o->maxsize = n;
        } else if (strcmp(opt, "--timeout") == 0 || strcmp(opt, "--linger") == 0) {
            if (!parse_number(val, 1, 3600 * 1000, &n)) {
                usage("bad duration '%s'", val);
                return PEER_EXIT_USAGE;
            }
            *(opt[2] == 't' ? &o->timeout_ms : &o->linger_ms) = (int)n;
        } else if (strcmp(opt, "--ready") == 0) {
            o->ready_file = val;
        } else if (strcmp(opt, "--ca") == 0) {
            o->tls_ca_file = val;
        } else if (strcmp(opt, "--cert") == 0) {
            o->tls_cert_file = val;
        } else if (strcmp(opt, "--key") == 0) {
            o->tls_key_file = val;
        } else {
            usage("unknown option '%s'", opt);
            return PEER_EXIT_USAGE;
        }
    }
    int wants_tls = o->tls_ca_file != NULL || o->tls_cert_file != NULL || o->tls_key_file != NULL;
    if (wants_tls && !peer_backend_tls) {
        usage("%s", "--ca, --cert and --key need TLS, which this library does not have");
        return PEER_EXIT_USAGE;
    }
    if (o->tls_key_file != NULL && o->tls_cert_file == NULL) {
        usage("%s", "--key needs --cert");
        return PEER_EXIT_USAGE;
    }
    if (!have_proto || o->url == NULL || !have_role || o->nsizes == 0) {
        usage("%s", "--proto, --bind/--connect, --send/--recv and --size are required");
        return PEER_EXIT_USAGE;
    }
    switch (o->proto) {
    case PEER_PAIR:
    case PEER_BUS:
        break;
    case PEER_PUSH:
    case PEER_REQ:
    case PEER_PUB:
    case PEER_SURVEYOR:
        if (!o->sending) {
            usage("--proto %s only sends (use --send)", proto_names[o->proto]);
            return PEER_EXIT_USAGE;
        }
        break;
    case PEER_PULL:
    case PEER_REP:
    case PEER_SUB:
    case PEER_RESPONDENT:
        if (o->sending) {
            usage("--proto %s only receives (use --recv)", proto_names[o->proto]);
            return PEER_EXIT_USAGE;
        }
        break;
    }
    int wants_ack = o->proto == PEER_PUSH || o->proto == PEER_PULL || o->proto == PEER_PUB ||
                    o->proto == PEER_SUB;
    if (wants_ack != (o->ack_url != NULL)) {
        usage("--ack URL is %s for this protocol", wants_ack ? "required" : "not allowed");
        return PEER_EXIT_USAGE;
    }
    return 0;
}

/* ---- one run --------------------------------------------------------------- */

struct run {
    const struct peer_options *o;
    struct peer_socket *data;
    struct peer_socket *ack; /* where ACK/FIN travel: data itself, or the --ack socket */
    int64_t deadline;
    uint64_t done;  /* messages sent and acknowledged, or received and verified */
    uint64_t bytes; /* payload bytes of those */
    uint64_t resent;
    int resend_ms; /* lock step: current re-send period, only grows */
    const char *note; /* optional remark for the summary line */
};

static size_t size_of(const struct run *r, uint64_t k)
{
    return r->o->sizes[k % (uint64_t)r->o->nsizes];
}

static int64_t linger_deadline(const struct run *r)
{
    int64_t t = peer_now_ms() + r->o->linger_ms;
    return t < r->deadline ? t : r->deadline;
}

static int64_t min_deadline(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int fail_status(struct run *r, enum peer_status st, const char *what)
{
    if (st == PEER_TIMEDOUT) {
        fprintf(stderr, "%s peer: timed out %s (after %llu of %llu messages)\n", peer_backend_name,
                what, (unsigned long long)r->done, (unsigned long long)r->o->count);
        return PEER_EXIT_TIMEOUT;
    }
    fprintf(stderr, "%s peer: failed %s (after %llu of %llu messages)\n", peer_backend_name, what,
            (unsigned long long)r->done, (unsigned long long)r->o->count);
    return st == PEER_ADDRINUSE ? PEER_EXIT_ADDRINUSE : PEER_EXIT_FAIL;
}

static unsigned char *make_payload(uint64_t k, size_t size)
{
    unsigned char *buf = malloc(size > 0 ? size : 1);
    if (buf == NULL) {
        fprintf(stderr, "%s peer: out of memory\n", peer_backend_name);
        exit(PEER_EXIT_FAIL);
    }
    for (size_t i = 0; i < size; i++) {
        buf[i] = peer_payload_byte(k, i, size);
    }
    return buf;
}

/* 1 when `msg` is exactly message k. With `report`, prints the first
 * difference. */
static int payload_matches(const struct run *r, uint64_t k, const struct peer_message *msg,
                           int report)
{
    size_t size = size_of(r, k);
    if (msg->size != size) {
        if (report) {
            fprintf(stderr, "%s peer: message %llu: size %zu, expected %zu\n", peer_backend_name,
                    (unsigned long long)k, msg->size, size);
        }
        return 0;
    }
    for (size_t i = 0; i < size; i++) {
        unsigned char want = peer_payload_byte(k, i, size);
        if (msg->data[i] != want) {
            if (report) {
                fprintf(stderr,
                        "%s peer: message %llu (size %zu): byte %zu is 0x%02x, expected 0x%02x\n",
                        peer_backend_name, (unsigned long long)k, size, i, msg->data[i], want);
            }
            return 0;
        }
    }
    return 1;
}

static int is_message(const struct peer_message *msg, const unsigned char *bytes, size_t size)
{
    return msg->size == size && (size == 0 || memcmp(msg->data, bytes, size) == 0);
}

/* Returns 1 and the count when `msg` is an ACK. */
static int parse_ack(const struct peer_message *msg, uint64_t *count)
{
    if (msg->size != ACK_SIZE || memcmp(msg->data, ack_tag, sizeof ack_tag) != 0) {
        return 0;
    }
    *count = 0;
    for (int i = 7; i >= 0; i--) {
        *count = (*count << 8) | msg->data[4 + i];
    }
    return 1;
}

static enum peer_status send_ack(struct run *r, uint64_t count)
{
    unsigned char buf[ACK_SIZE];
    memcpy(buf, ack_tag, sizeof ack_tag);
    for (int i = 0; i < 8; i++) {
        buf[4 + i] = (unsigned char)(count >> (8 * i));
    }
    return backend_send(r->ack, buf, sizeof buf, r->deadline);
}

static void describe_unexpected(const struct peer_message *msg, const char *while_doing)
{
    fprintf(stderr, "%s peer: unexpected %zu-byte message while %s\n", peer_backend_name,
            msg->size, while_doing);
}

/* Sender side, last step: FIN, then keep the socket open until the receiver
 * has closed the connection (at most --linger ms). */
static int send_fin_and_linger(struct run *r, struct peer_socket *sock)
{
    int64_t until = linger_deadline(r);
    if (backend_send(sock, fin_msg, sizeof fin_msg, until) != PEER_OK) {
        r->note = "could not send FIN (receiver gone?)";
    } else if (!backend_wait_disconnected(sock, until)) {
        r->note = "receiver did not close within linger";
    }
    return PEER_EXIT_OK;
}

/* pair / push sender, after the data: wait for ACK(N), then FIN. */
static int sender_finish(struct run *r)
{
    struct peer_message msg;
    uint64_t count = 0;
    enum peer_status st = backend_recv(r->ack, &msg, r->deadline);
    if (st != PEER_OK) {
        return fail_status(r, st, "waiting for the receiver's ACK");
    }
    int ok = parse_ack(&msg, &count);
    if (!ok) {
        describe_unexpected(&msg, "waiting for ACK");
    }
    backend_release(&msg);
    if (!ok) {
        return PEER_EXIT_FAIL;
    }
    if (count != r->o->count) {
        fprintf(stderr, "%s peer: ACK counts %llu messages, sent %llu\n", peer_backend_name,
                (unsigned long long)count, (unsigned long long)r->o->count);
        return PEER_EXIT_FAIL;
    }
    return send_fin_and_linger(r, r->ack);
}

/* Receiver side, after verifying everything: ACK(N), then wait for FIN. */
static int receiver_finish(struct run *r, int send_the_ack)
{
    if (send_the_ack) {
        enum peer_status st = send_ack(r, r->o->count);
        if (st != PEER_OK) {
            return fail_status(r, st, "sending ACK");
        }
    }
    struct peer_message msg;
    enum peer_status st = backend_recv(r->ack, &msg, linger_deadline(r));
    if (st == PEER_TIMEDOUT) {
        r->note = "no FIN within linger (sender closed early?)";
        return PEER_EXIT_OK;
    }
    if (st != PEER_OK) {
        return fail_status(r, st, "waiting for FIN");
    }
    int fin = is_message(&msg, fin_msg, sizeof fin_msg);
    if (!fin) {
        describe_unexpected(&msg, "waiting for FIN after the last message");
    }
    backend_release(&msg);
    return fin ? PEER_EXIT_OK : PEER_EXIT_FAIL;
}

/* pair / push sender, and req (which checks each echoed reply). */
static int run_sender(struct run *r)
{
    for (uint64_t k = 0; k < r->o->count; k++) {
        size_t size = size_of(r, k);
        unsigned char *buf = make_payload(k, size);
        enum peer_status st = backend_send(r->data, buf, size, r->deadline);
        free(buf);
        if (st != PEER_OK) {
            return fail_status(r, st, "sending");
        }
        if (r->o->proto == PEER_REQ) {
            struct peer_message reply;
            st = backend_recv(r->data, &reply, r->deadline);
            if (st != PEER_OK) {
                return fail_status(r, st, "waiting for a reply");
            }
            int ok = payload_matches(r, k, &reply, 1);
            backend_release(&reply);
            if (!ok) {
                return PEER_EXIT_FAIL;
            }
        }
        r->done++;
        r->bytes += size;
    }
    if (r->o->proto != PEER_REQ) {
        return sender_finish(r);
    }
    /* The reply to the last request was the ACK; FIN is a request REP does
     * not answer. */
    return send_fin_and_linger(r, r->data);
}

/* pair / pull receiver, and rep (which echoes each request). */
static int run_receiver(struct run *r)
{
    for (uint64_t k = 0; k < r->o->count; k++) {
        struct peer_message msg;
        enum peer_status st = backend_recv(r->data, &msg, r->deadline);
        if (st != PEER_OK) {
            return fail_status(r, st, "receiving");
        }
        int ok = payload_matches(r, k, &msg, 1);
        if (ok && r->o->proto == PEER_REP) {
            st = backend_send(r->data, msg.data, msg.size, r->deadline);
        }
        backend_release(&msg);
        if (!ok) {
            return PEER_EXIT_FAIL;
        }
        if (st != PEER_OK) {
            return fail_status(r, st, "sending a reply");
        }
        r->done++;
        r->bytes += size_of(r, k);
    }
    return receiver_finish(r, r->o->proto != PEER_REP);
}

/* ---- lock step: pub -> sub, surveyor -> respondent, bus -> bus ------------
 *
 * These sockets drop messages while no peer is connected (and nanomsg's PUB
 * also while the pipe is busy), so the sender probes until the receiver
 * answers, then sends one message at a time and re-sends it until it is
 * confirmed. A confirmation is ACK(count) on r->ack (sub, bus), or, for the
 * surveyor, the respondent's echo of the survey. */

/* Receives one confirmation until `until`. `*confirmed` becomes 1 when it
 * confirms the probe (k == UINT64_MAX) or message k. `*acked` keeps the
 * highest ACK count seen: answers to earlier probes or copies arrive late. */
static enum peer_status lockstep_wait(struct run *r, int64_t until, uint64_t k, uint64_t *acked,
                                      int *confirmed)
{
    struct peer_message msg;
    uint64_t count;
    enum peer_status st = backend_recv(r->ack, &msg, until);
    if (st != PEER_OK) {
        return st;
    }
    int probing = k == UINT64_MAX;
    if (r->o->proto == PEER_SURVEYOR) {
        /* The surveyor itself drops answers to earlier surveys. */
        *confirmed = probing ? is_message(&msg, probe_msg, sizeof probe_msg)
                             : payload_matches(r, k, &msg, 1);
        if (!*confirmed && probing) {
            describe_unexpected(&msg, "waiting for the answer to a probe");
        }
        st = *confirmed ? PEER_OK : PEER_FAILED;
    } else if (parse_ack(&msg, &count)) {
        if (count > *acked) {
            *acked = count;
        }
        *confirmed = probing || *acked >= k + 1;
    } else {
        describe_unexpected(&msg, "waiting for a lock-step ACK");
        st = PEER_FAILED;
    }
    backend_release(&msg);
    return st;
}

/* Sends `data` until lockstep_wait() confirms it (k as there). */
static int lockstep_send(struct run *r, const unsigned char *data, size_t size, uint64_t k,
                         uint64_t *acked)
{
    int probing = k == UINT64_MAX;
    int probe_ms = PROBE_INTERVAL_MS;
    int *interval = probing ? &probe_ms : &r->resend_ms;
    int confirmed = !probing && *acked >= k + 1;
    for (int first = 1; !confirmed; first = 0) {
        if (!first) {
            r->resent += !probing;
            *interval = *interval * 2 < MAX_INTERVAL_MS ? *interval * 2 : MAX_INTERVAL_MS;
        }
        enum peer_status st = backend_send(r->data, data, size, r->deadline);
        int64_t until = min_deadline(r->deadline, peer_now_ms() + *interval);
        while (st == PEER_OK && !confirmed) {
            st = lockstep_wait(r, until, k, acked, &confirmed);
        }
        if (st == PEER_TIMEDOUT && peer_now_ms() < r->deadline) {
            continue; /* no answer in time: send again */
        }
        if (st != PEER_OK) {
            return fail_status(r, st, probing ? "waiting for the receiver to answer a probe"
                                              : "sending in lock step");
        }
    }
    return PEER_EXIT_OK;
}

static int run_lockstep_sender(struct run *r)
{
    uint64_t acked = 0;
    int rc = lockstep_send(r, probe_msg, sizeof probe_msg, UINT64_MAX, &acked);
    for (uint64_t k = 0; rc == PEER_EXIT_OK && k < r->o->count; k++) {
        size_t size = size_of(r, k);
        unsigned char *buf = make_payload(k, size);
        rc = lockstep_send(r, buf, size, k, &acked);
        free(buf);
        if (rc == PEER_EXIT_OK) {
            r->done++;
            r->bytes += size;
        }
    }
    if (rc != PEER_EXIT_OK) {
        return rc;
    }
    if (acked > r->o->count) {
        fprintf(stderr, "%s peer: receiver acknowledged %llu messages, sent %llu\n",
                peer_backend_name, (unsigned long long)acked, (unsigned long long)r->o->count);
        return PEER_EXIT_FAIL;
    }
    return send_fin_and_linger(r, r->ack);
}

/* Answers a probe, a new message or a copy of the last one: the respondent
 * echoes it, sub and bus send ACK(count so far). */
static enum peer_status lockstep_answer(struct run *r, const struct peer_message *msg)
{
    if (r->o->proto == PEER_RESPONDENT) {
        return backend_send(r->data, msg->data, msg->size, r->deadline);
    }
    return send_ack(r, r->done);
}

/* Classifies a message seen by a lock-step receiver: 1 = message r->done,
 * 0 = a probe or a copy of message r->done - 1 (answer it again),
 * -1 = anything else (mismatch reported). */
static int lockstep_classify(struct run *r, const struct peer_message *msg)
{
    if (r->done < r->o->count && payload_matches(r, r->done, msg, 0)) {
        return 1;
    }
    if (is_message(msg, probe_msg, sizeof probe_msg) ||
        (r->done > 0 && payload_matches(r, r->done - 1, msg, 0))) {
        return 0;
    }
    if (r->done < r->o->count) {
        payload_matches(r, r->done, msg, 1);
    }
    return -1;
}

static int run_lockstep_receiver(struct run *r)
{
    while (r->done < r->o->count) {
        struct peer_message msg;
        enum peer_status st = backend_recv(r->data, &msg, r->deadline);
        if (st != PEER_OK) {
            return fail_status(r, st, "receiving");
        }
        int kind = lockstep_classify(r, &msg);
        if (kind == 1) {
            r->bytes += size_of(r, r->done);
            r->done++;
        }
        if (kind >= 0) {
            st = lockstep_answer(r, &msg);
        }
        backend_release(&msg);
        if (kind < 0) {
            return PEER_EXIT_FAIL;
        }
        if (st != PEER_OK) {
            return fail_status(r, st, "answering in lock step");
        }
    }
    /* Wait for FIN; copies of the last message may still come first (sent
     * again before our answer arrived) and are answered again. */
    int64_t until = linger_deadline(r);
    for (;;) {
        struct peer_message msg;
        enum peer_status st = backend_recv(r->ack, &msg, until);
        if (st == PEER_TIMEDOUT) {
            r->note = "no FIN within linger (sender closed early?)";
            return PEER_EXIT_OK;
        }
        if (st != PEER_OK) {
            return fail_status(r, st, "waiting for FIN");
        }
        int fin = is_message(&msg, fin_msg, sizeof fin_msg);
        int kind = fin ? 1 : lockstep_classify(r, &msg);
        if (!fin && kind == 0) {
            st = lockstep_answer(r, &msg);
        } else if (!fin) {
            describe_unexpected(&msg, "waiting for FIN after the last message");
        }
        backend_release(&msg);
        if (fin || kind < 0) {
            return fin ? PEER_EXIT_OK : PEER_EXIT_FAIL;
        }
        if (st != PEER_OK) {
            return fail_status(r, st, "answering in lock step");
        }
    }
}

static enum peer_status attach(struct peer_socket *sock, const char *url, int bind)
{
    return bind ? backend_bind(sock, url) : backend_connect(sock, url);
}

int peer_main(int argc, char **argv)
{
    struct peer_options o;
    int rc = parse_options(argc, argv, &o);
    if (rc != 0) {
        return rc;
    }
    struct run r = {.o = &o, .deadline = peer_now_ms() + o.timeout_ms,
                    .resend_ms = RESEND_INTERVAL_MS};
    int64_t start = peer_now_ms();
    enum peer_status st = backend_open(o.proto, &o, &r.data);
    if (st != PEER_OK) {
        return fail_status(&r, st, "opening the socket");
    }
    r.ack = r.data;
    if (o.ack_url != NULL) {
        st = backend_open(PEER_PAIR, &o, &r.ack);
        if (st != PEER_OK) {
            backend_close(r.data);
            return fail_status(&r, st, "opening the ack socket");
        }
    }
    st = attach(r.data, o.url, o.bind);
    if (st == PEER_OK && o.ack_url != NULL) {
        st = attach(r.ack, o.ack_url, o.bind);
    }
    if (st != PEER_OK) {
        rc = fail_status(&r, st, o.bind ? "binding" : "connecting");
    } else {
        if (o.ready_file != NULL) {
            FILE *f = fopen(o.ready_file, "w");
            if (f != NULL) {
                fclose(f);
            }
        }
        switch (o.proto) {
        case PEER_PUB:
        case PEER_SUB:
        case PEER_SURVEYOR:
        case PEER_RESPONDENT:
        case PEER_BUS:
            rc = o.sending ? run_lockstep_sender(&r) : run_lockstep_receiver(&r);
            break;
        case PEER_PAIR:
        case PEER_PUSH:
        case PEER_PULL:
        case PEER_REQ:
        case PEER_REP:
            rc = o.sending ? run_sender(&r) : run_receiver(&r);
            break;
        }
    }
    /* A peer that failed has its verdict: it exits without closing its
     * sockets (the OS does that), since a library's graceful close can take
     * longer than the driver waits (NNG's close has been seen to hang after a
     * mismatch), and the case must report the mismatch, not a timeout. */
    if (rc == 0) {
        if (r.ack != r.data) {
            backend_close(r.ack);
        }
        backend_close(r.data);
    }

    static const char *const results[] = {"ok", "FAILED", "TIMED OUT", "ADDRESS IN USE"};
    fprintf(stderr, "%s peer: %s %s %s %s: %s, %llu/%llu messages, %llu bytes, %.3f s", peer_backend_name,
            proto_names[o.proto], o.sending ? "send" : "recv", o.bind ? "bind" : "connect", o.url,
            rc <= PEER_EXIT_ADDRINUSE ? results[rc] : "?", (unsigned long long)r.done,
            (unsigned long long)o.count, (unsigned long long)r.bytes,
            (double)(peer_now_ms() - start) / 1000.0);
    if (r.resent > 0) {
        fprintf(stderr, ", %llu re-sent", (unsigned long long)r.resent);
    }
    fprintf(stderr, "%s%s\n", r.note != NULL ? "; note: " : "", r.note != NULL ? r.note : "");
    if (rc != 0) {
        /* The sockets left open on purpose are the OS's to reclaim; _Exit
         * skips exit-time hooks such as LeakSanitizer's report of them. */
        fflush(NULL);
        _Exit(rc);
    }
    return rc;
}
