/* scenario_common.c -- command line, the stopper thread and every role of
 * the interop scenario programs. See scenario.h for the roles and their
 * message formats; this file only talks to the library through sc_*. */
#define _POSIX_C_SOURCE 200809L

#include "scenario.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { MAX_URLS = 8, MAX_PEERS = 8, MAX_PREFIXES = 16, MAX_TEXT = 256, MAX_ATTEMPTS = 64 };

struct options {
    const char *role;
    const char *name;
    int timeout_ms;
    const char *ready_file;
    const char *bind_urls[MAX_URLS];
    int nbind;
    const char *connect_urls[MAX_URLS];
    int nconnect;
    const char *front, *back, *ack, *go;
    long count;
    int resend_ivl_ms; /* -1: not given */
    long hang_at;      /* -1: never */
    const char *hung_file;
    long corrupt_at;   /* -1: never */
    const char *peers;
    long subscribers, respondents, rounds;
    int deadline_ms;
    int library_deadline_ms; /* 0: deadline_ms */
    const char *subscribe[MAX_PREFIXES];
    int nsubscribe;
    const char *unsubscribe[MAX_PREFIXES];
    int nunsubscribe;
    const char *subscribe_hidden; /* self-test: subscribed, but not expected */
};

static struct options opt;
static int64_t deadline; /* the overall one, sc_now_ms() clock */

/* ---- small helpers ------------------------------------------------------ */

int64_t sc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s %s: ", sc_library, opt.name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Printable form of some bytes (for messages in error reports). */
static const char *printable(const void *data, size_t size)
{
    static char out[4][4 * 80 + 8];
    static int which;
    char *o = out[which++ % 4], *p = o;
    const unsigned char *d = data;
    for (size_t i = 0; i < size && i < 80; i++) {
        if (d[i] >= 0x20 && d[i] < 0x7f && d[i] != '\\') {
            *p++ = (char)d[i];
        } else {
            p += sprintf(p, "\\x%02x", d[i]);
        }
    }
    strcpy(p, size > 80 ? "..." : "");
    return o;
}

/* Copies a received text message into `buf` (NUL-terminated); 0 when it is
 * too long or holds a NUL byte. */
static int as_text(const struct sc_message *m, char *buf, size_t cap)
{
    if (m->size >= cap || (m->size > 0 && memchr(m->data, 0, m->size) != NULL)) {
        return 0;
    }
    memcpy(buf, m->data, m->size);
    buf[m->size] = '\0';
    return 1;
}

static int64_t earliest(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static enum sc_status send_text(struct sc_socket *s, const char *text, int64_t until)
{
    return sc_send(s, text, strlen(text), until);
}

/* ---- stopping: SIGTERM/SIGINT, or the overall deadline -------------------- */

enum stop_reason { NOT_STOPPED, STOPPED_BY_SIGNAL, STOPPED_AT_DEADLINE };
static atomic_int stop_reason;
static sigset_t stop_signals;

int sc_stopping(void)
{
    return atomic_load(&stop_reason) != NOT_STOPPED;
}

static void *stopper(void *arg)
{
    (void)arg;
    enum stop_reason why = STOPPED_AT_DEADLINE;
    for (;;) {
        int64_t left = deadline - sc_now_ms();
        if (left <= 0) {
            break;
        }
        struct timespec wait = {(time_t)(left / 1000), (long)(left % 1000) * 1000000L};
        if (sigtimedwait(&stop_signals, NULL, &wait) > 0) {
            why = STOPPED_BY_SIGNAL;
            break;
        }
    }
    atomic_store(&stop_reason, why);
    sc_stop_all();
    return NULL;
}

/* The exit code of a server role (stopped from outside) that saw `failures`. */
static int server_exit(long failures)
{
    if (failures > 0) {
        return SC_EXIT_FAIL;
    }
    return atomic_load(&stop_reason) == STOPPED_BY_SIGNAL ? SC_EXIT_OK : SC_EXIT_TIMEOUT;
}

/* The exit code of a client role after a call returned `st` (not SC_OK). */
static int client_exit(enum sc_status st, const char *what)
{
    switch (st) {
    case SC_TIMEDOUT:
    case SC_STOPPED:
        say("%s: %s", what, st == SC_TIMEDOUT || atomic_load(&stop_reason) == STOPPED_AT_DEADLINE
                                ? "deadline passed"
                                : "stopped by a signal");
        return SC_EXIT_TIMEOUT;
    case SC_ADDRINUSE:
        say("%s: address in use", what);
        return SC_EXIT_ADDRINUSE;
    case SC_OK:
    case SC_FAILED:
        break;
    }
    say("%s: failed", what);
    return SC_EXIT_FAIL;
}

/* ---- setting up ------------------------------------------------------------ */

static enum sc_status open_socket(enum sc_proto proto, int raw, struct sc_socket **out)
{
    enum sc_status st = sc_open(proto, raw, out);
    if (st != SC_OK) {
        say("cannot open a socket");
    }
    return st;
}

/* Binds the --bind URLs, then connects the --connect URLs. */
static enum sc_status attach(struct sc_socket *s)
{
    for (int i = 0; i < opt.nbind; i++) {
        enum sc_status st = sc_bind(s, opt.bind_urls[i]);
        if (st != SC_OK) {
            return st;
        }
    }
    for (int i = 0; i < opt.nconnect; i++) {
        enum sc_status st = sc_connect(s, opt.connect_urls[i]);
        if (st != SC_OK) {
            return st;
        }
    }
    return SC_OK;
}

/* Tells the driver that every bind/connect has returned. */
static void announce_ready(void)
{
    if (opt.ready_file == NULL) {
        return;
    }
    FILE *f = fopen(opt.ready_file, "w");
    if (f != NULL) {
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
    }
}

/* Turns "\xHH" escapes into bytes (for prefixes with NUL or 0xff). */
static size_t unescape(const char *in, unsigned char *out, size_t cap)
{
    size_t n = 0;
    while (*in != '\0' && n < cap) {
        unsigned value;
        if (in[0] == '\\' && in[1] == 'x' && sscanf(in + 2, "%2x", &value) == 1) {
            out[n++] = (unsigned char)value;
            in += 4;
        } else {
            out[n++] = (unsigned char)*in++;
        }
    }
    return n;
}

/* ---- req / rep ------------------------------------------------------------- */

struct tally {
    char name[64];
    long count;
};

static void tally_add(struct tally *t, int *n, int cap, const char *name)
{
    for (int i = 0; i < *n; i++) {
        if (strcmp(t[i].name, name) == 0) {
            t[i].count++;
            return;
        }
    }
    if (*n < cap) {
        snprintf(t[*n].name, sizeof t[*n].name, "%s", name);
        t[(*n)++].count = 1;
    }
}

static int role_req(void)
{
    struct sc_socket *s;
    if (open_socket(SC_REQ, 0, &s) != SC_OK) {
        return SC_EXIT_FAIL;
    }
    /* No resend unless asked: a request lost on the way is then a failure. */
    int ivl = opt.resend_ivl_ms > 0 ? opt.resend_ivl_ms : opt.timeout_ms + 60000;
    enum sc_status st = sc_set_ms(s, SC_OPT_RESEND_IVL, ivl);
    if (st == SC_OK) {
        st = attach(s);
    }
    if (st != SC_OK) {
        return client_exit(st, "setting up");
    }
    announce_ready();

    unsigned nonce = (unsigned)(sc_now_ms() * 2654435761u) ^ ((unsigned)getpid() << 12);
    struct tally by[MAX_PEERS];
    int nby = 0;
    for (long k = 0; k < opt.count; k++) {
        char request[MAX_TEXT];
        int len = snprintf(request, sizeof request, "req %s %ld %08x", opt.name, k, nonce);
        int64_t sent_at = sc_now_ms();
        st = send_text(s, request, deadline);
        if (st != SC_OK) {
            say("request %ld of %ld not sent", k, opt.count);
            return client_exit(st, "sending");
        }
        struct sc_message m;
        st = sc_recv(s, &m, deadline);
        if (st != SC_OK) {
            say("request %ld of %ld (%s) not answered", k, opt.count, request);
            return client_exit(st, "receiving");
        }
        char reply[MAX_TEXT];
        if (!as_text(&m, reply, sizeof reply) || strncmp(reply, request, (size_t)len) != 0 ||
            reply[len] != '|' || reply[len + 1] == '\0') {
            say("FAIL: the reply to request %ld is '%s', expected '%s|<replier>'", k,
                printable(m.data, m.size), request);
            return SC_EXIT_FAIL;
        }
        tally_add(by, &nby, MAX_PEERS, reply + len + 1);
        sc_release(&m);
        int64_t took = sc_now_ms() - sent_at;
        if (took > 200) {
            say("request %ld answered after %lld ms", k, (long long)took);
        }
    }
    char summary[MAX_PEERS * 96] = "";
    for (int i = 0; i < nby; i++) {
        size_t used = strlen(summary);
        snprintf(summary + used, sizeof summary - used, "%s %s x%ld", i > 0 ? "," : "",
                 by[i].name, by[i].count);
    }
    say("ok: %ld requests answered, by%s", opt.count, summary);
    return SC_EXIT_OK;
}

static int role_rep(void)
{
    struct sc_socket *s;
    if (open_socket(SC_REP, 0, &s) != SC_OK) {
        return SC_EXIT_FAIL;
    }
    enum sc_status st = attach(s);
    if (st != SC_OK) {
        return client_exit(st, "setting up");
    }
    announce_ready();

    long received = 0, answered = 0, failures = 0;
    int hung = 0;
    for (;;) {
        struct sc_message m;
        st = sc_recv(s, &m, deadline);
        if (st == SC_STOPPED || st == SC_TIMEDOUT) {
            break;
        }
        if (st != SC_OK) {
            failures++;
            break;
        }
        char text[MAX_TEXT];
        if (!as_text(&m, text, sizeof text - 70) || strncmp(text, "req ", 4) != 0) {
            say("FAIL: malformed request '%s'", printable(m.data, m.size));
            failures++;
            sc_release(&m);
            continue;
        }
        sc_release(&m);
        if (!hung && received == opt.hang_at) {
            hung = 1;
            say("hanging on request '%s' (number %ld), waiting to be killed", text, received);
            FILE *f = fopen(opt.hung_file, "w");
            if (f != NULL) {
                fprintf(f, "%ld\n", (long)getpid());
                fclose(f);
            }
        }
        received++;
        if (hung) {
            continue;
        }
        size_t len = strlen(text);
        if (answered == opt.corrupt_at) {
            text[len - 1] ^= 1; /* self-test: a reply that does not fit its request */
        }
        snprintf(text + len, sizeof text - len, "|%s", opt.name);
        st = send_text(s, text, deadline);
        if (st == SC_STOPPED) {
            break;
        }
        if (st != SC_OK) {
            say("could not send a reply");
            failures++;
            continue;
        }
        answered++;
    }
    say("%s: %ld requests received, %ld answered", failures ? "FAILED" : "stopped", received,
        answered);
    return server_exit(failures);
}

static int role_device(void)
{
    struct sc_socket *front, *back;
    if (open_socket(SC_REP, 1, &front) != SC_OK || open_socket(SC_REQ, 1, &back) != SC_OK) {
        return SC_EXIT_FAIL;
    }
    enum sc_status st = sc_bind(front, opt.front);
    if (st == SC_OK) {
        st = sc_bind(back, opt.back);
    }
    if (st != SC_OK) {
        return client_exit(st, "setting up");
    }
    announce_ready();
    st = sc_device(front, back);
    if (st != SC_STOPPED) {
        say("FAIL: the device returned before it was stopped");
        return SC_EXIT_FAIL;
    }
    say("stopped");
    return server_exit(0);
}

/* ---- bus ------------------------------------------------------------------- */

struct bus_peer {
    char name[32];
    uint64_t *attempts; /* per sequence number: bit a = transmission a seen */
    long distinct;      /* distinct sequence numbers received */
    int acked;          /* has acknowledged the message in flight */
    int finished;       /* has said F */
};

struct bus_node {
    struct sc_socket *s;
    struct bus_peer peers[MAX_PEERS];
    int npeers;
    long next_seq; /* of our own messages: the one in flight, or count when all sent */
    int attempt;   /* of the message in flight: the next transmission's number */
    int64_t resend_at, period;
    long failures;
};

static struct bus_peer *bus_find(struct bus_node *n, const char *name)
{
    for (int i = 0; i < n->npeers; i++) {
        if (strcmp(n->peers[i].name, name) == 0) {
            return &n->peers[i];
        }
    }
    return NULL;
}

static int bus_complete(const struct bus_node *n)
{
    if (n->next_seq < opt.count) {
        return 0;
    }
    for (int i = 0; i < n->npeers; i++) {
        if (n->peers[i].distinct < opt.count) {
            return 0;
        }
    }
    return 1;
}

static int bus_all_finished(const struct bus_node *n)
{
    for (int i = 0; i < n->npeers; i++) {
        if (!n->peers[i].finished) {
            return 0;
        }
    }
    return 1;
}

static void bus_fail(struct bus_node *n, const char *fmt, const char *text)
{
    say(fmt, text);
    n->failures++;
}

/* Handles one received message; the caller stops at the first failure. */
static void bus_handle(struct bus_node *n, const struct sc_message *m)
{
    char text[MAX_TEXT], a[40], b[40];
    long seq;
    int attempt;
    if (!as_text(m, text, sizeof text)) {
        bus_fail(n, "FAIL: garbage '%s'", printable(m->data, m->size));
        return;
    }
    if (sscanf(text, "D %39s %ld %d", a, &seq, &attempt) == 3) {
        struct bus_peer *p = bus_find(n, a);
        if (strcmp(a, opt.name) == 0) {
            bus_fail(n, "FAIL: my own message came back (echo): '%s'", text);
        } else if (p == NULL || seq < 0 || seq >= opt.count || attempt < 0 ||
                   attempt >= MAX_ATTEMPTS) {
            bus_fail(n, "FAIL: unexpected data message '%s'", text);
        } else if (p->attempts[seq] & (UINT64_C(1) << attempt)) {
            bus_fail(n, "FAIL: the same transmission arrived twice (duplicate): '%s'", text);
        } else {
            if (p->attempts[seq] == 0) {
                p->distinct++;
            }
            p->attempts[seq] |= UINT64_C(1) << attempt;
            char ack[MAX_TEXT];
            snprintf(ack, sizeof ack, "A %s %s %ld", opt.name, a, seq);
            if (send_text(n->s, ack, deadline) != SC_OK && !sc_stopping()) {
                bus_fail(n, "FAIL: could not send '%s'", ack);
            }
        }
    } else if (sscanf(text, "A %39s %39s %ld", a, b, &seq) == 3) {
        struct bus_peer *p = bus_find(n, a);
        if (strcmp(a, opt.name) == 0) {
            bus_fail(n, "FAIL: my own acknowledgement came back (echo): '%s'", text);
        } else if (p == NULL) {
            bus_fail(n, "FAIL: acknowledgement from a stranger: '%s'", text);
        } else if (strcmp(b, opt.name) == 0 && seq == n->next_seq) {
            p->acked = 1;
            int all = 1;
            for (int i = 0; i < n->npeers; i++) {
                all = all && n->peers[i].acked;
            }
            if (all) { /* next message, at once */
                n->next_seq++;
                n->attempt = 0;
                n->period = 100;
                n->resend_at = sc_now_ms();
                for (int i = 0; i < n->npeers; i++) {
                    n->peers[i].acked = 0;
                }
            }
        }
    } else if (sscanf(text, "F %39s", a) == 1) {
        struct bus_peer *p = bus_find(n, a);
        if (strcmp(a, opt.name) == 0) {
            bus_fail(n, "FAIL: my own F came back (echo): '%s'", text);
        } else if (p == NULL) {
            bus_fail(n, "FAIL: F from a stranger: '%s'", text);
        } else {
            p->finished = 1;
        }
    } else {
        bus_fail(n, "FAIL: garbage '%s'", text);
    }
}

static int role_bus(void)
{
    static struct bus_node node;
    struct bus_node *n = &node;
    char list[MAX_TEXT];
    snprintf(list, sizeof list, "%s", opt.peers);
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        if (n->npeers == MAX_PEERS) {
            say("too many peers");
            return SC_EXIT_USAGE;
        }
        struct bus_peer *p = &n->peers[n->npeers++];
        snprintf(p->name, sizeof p->name, "%s", tok);
        p->attempts = calloc((size_t)opt.count + 1, sizeof *p->attempts);
        if (p->attempts == NULL) {
            return SC_EXIT_FAIL;
        }
    }
    if (open_socket(SC_BUS, 0, &n->s) != SC_OK) {
        return SC_EXIT_FAIL;
    }
    enum sc_status st = attach(n->s);
    if (st != SC_OK) {
        return client_exit(st, "setting up");
    }
    announce_ready();

    long transmissions = 0;
    int64_t fin_at = -1, linger_until = -1;
    n->period = 100;
    n->resend_at = sc_now_ms();
    for (;;) {
        int64_t now = sc_now_ms();
        if (n->next_seq < opt.count && now >= n->resend_at) {
            char data[MAX_TEXT];
            if (n->attempt >= MAX_ATTEMPTS) {
                say("FAIL: message %ld still not acknowledged by everyone after %d tries",
                    n->next_seq, MAX_ATTEMPTS);
                return SC_EXIT_FAIL;
            }
            snprintf(data, sizeof data, "D %s %ld %d", opt.name, n->next_seq, n->attempt++);
            st = send_text(n->s, data, deadline);
            if (st != SC_OK) {
                return client_exit(st, "sending");
            }
            transmissions++;
            n->resend_at = now + n->period;
            n->period = n->period * 2 > 1000 ? 1000 : n->period * 2;
        }
        int complete = bus_complete(n);
        if (complete && fin_at < 0) {
            fin_at = now;
        }
        if (complete && now >= fin_at) {
            char fin[64];
            snprintf(fin, sizeof fin, "F %s", opt.name);
            st = send_text(n->s, fin, deadline);
            if (st != SC_OK) {
                return client_exit(st, "sending F");
            }
            fin_at = now + 200;
        }
        if (complete && bus_all_finished(n)) {
            /* Done; stay until the peers have closed, so that they get our F. */
            if (linger_until < 0) {
                linger_until = now + 2000;
                say("ok: sent %ld messages (%ld transmissions), received %ld from each of "
                    "%d peers; lingering",
                    opt.count, transmissions, opt.count, n->npeers);
            }
            if (now >= linger_until || sc_connections(n->s) == 0) {
                break;
            }
        }
        int64_t until = deadline;
        if (n->next_seq < opt.count) {
            until = earliest(until, n->resend_at);
        }
        if (fin_at >= 0) {
            until = earliest(until, fin_at);
        }
        if (linger_until >= 0) {
            until = earliest(until, earliest(linger_until, now + 20));
        }
        struct sc_message m;
        st = sc_recv(n->s, &m, until);
        if (st == SC_TIMEDOUT && sc_now_ms() < deadline) {
            continue;
        }
        if (st != SC_OK) {
            say("at the end: my next message %ld of %ld, attempt %d", n->next_seq, opt.count,
                n->attempt);
            for (int i = 0; i < n->npeers; i++) {
                say("  from %s: %ld of %ld distinct messages, acked mine: %d, said F: %d",
                    n->peers[i].name, n->peers[i].distinct, opt.count, n->peers[i].acked,
                    n->peers[i].finished);
            }
            if (linger_until >= 0) {
                break; /* our verdict is in */
            }
            return client_exit(st, "receiving");
        }
        bus_handle(n, &m);
        sc_release(&m);
        if (n->failures > 0) {
            return SC_EXIT_FAIL;
        }
    }
    return SC_EXIT_OK;
}

/* ---- pub / sub ------------------------------------------------------------- */

/* The topics: messages are TOPIC "|" INDEX "|" ATTEMPT. Chosen for prefix
 * corner cases: nested prefixes, empty, case, NUL and 0xff bytes. */
static const struct {
    const char *bytes;
    size_t size;
} topics[] = {
    {"a", 1},   {"ab", 2}, {"abc", 3},  {"b", 1},      {"ba", 2},  {"", 0},
    {"A", 1},   {"x", 1},  {"xa", 2},   {"\0x", 2},    {"\0", 1},  {"z", 1},
    {"za", 2},  {"\xffz", 2}, {"aab", 3}, {"\xff", 1},
};
enum { NTOPICS = sizeof topics / sizeof topics[0] };
static const char probe_msg[] = "\xff#probe";
static const char internal_prefix[] = "\xff#"; /* every sub subscribes to it */

struct prefix {
    unsigned char bytes[64];
    size_t size;
};

static int has_prefix(const void *data, size_t size, const struct prefix *p)
{
    return size >= p->size && memcmp(data, p->bytes, p->size) == 0;
}

static int role_pub(void)
{
    struct sc_socket *s, *acks;
    if (open_socket(SC_PUB, 0, &s) != SC_OK || open_socket(SC_PULL, 0, &acks) != SC_OK) {
        return SC_EXIT_FAIL;
    }
    enum sc_status st = attach(s);
    if (st == SC_OK) {
        st = sc_bind(acks, opt.ack);
    }
    if (st != SC_OK) {
        return client_exit(st, "setting up");
    }
    announce_ready();

    struct {
        char name[40];
        char mask[NTOPICS + 1];
        int got;
    } subs[MAX_PEERS];
    long nsubs = 0, resent = 0, probes = 0;
    int64_t next = sc_now_ms(), period = 20;
    while (nsubs < opt.subscribers) {
        if (sc_now_ms() >= next) {
            st = sc_send(s, probe_msg, sizeof probe_msg - 1, deadline);
            if (st != SC_OK) {
                return client_exit(st, "probing");
            }
            probes++;
            next = sc_now_ms() + period;
            period = period * 2 > 500 ? 500 : period * 2;
        }
        struct sc_message m;
        st = sc_recv(acks, &m, earliest(next, deadline));
        if (st == SC_TIMEDOUT && sc_now_ms() < deadline) {
            continue;
        }
        if (st != SC_OK) {
            say("only %ld of %ld subscribers answered the probe", nsubs, opt.subscribers);
            return client_exit(st, "probing");
        }
        char text[MAX_TEXT], name[40], mask[40];
        if (!as_text(&m, text, sizeof text)) {
            say("FAIL: garbage on the ack channel: '%s'", printable(m.data, m.size));
            return SC_EXIT_FAIL;
        }
        sc_release(&m);
        if (strncmp(text, "BAD ", 4) == 0) {
            say("FAIL: a subscriber reports: %s", text);
            return SC_EXIT_FAIL;
        }
        if (sscanf(text, "HELLO %39s %39s", name, mask) != 2 || strlen(mask) != NTOPICS) {
            say("FAIL: unexpected '%s' on the ack channel", text);
            return SC_EXIT_FAIL;
        }
        int known = 0;
        for (long i = 0; i < nsubs; i++) {
            known = known || strcmp(subs[i].name, name) == 0;
        }
        if (!known && nsubs < MAX_PEERS) {
            snprintf(subs[nsubs].name, sizeof subs[nsubs].name, "%s", name);
            memcpy(subs[nsubs].mask, mask, NTOPICS + 1);
            say("subscriber %s: topic mask %s", name, mask);
            nsubs++;
        }
    }

    for (long i = 0; i < opt.count; i++) {
        size_t t = (size_t)i % NTOPICS;
        int waiting = 0;
        for (long j = 0; j < nsubs; j++) {
            subs[j].got = subs[j].mask[t] != '1';
            waiting += !subs[j].got;
        }
        int attempt = 0;
        next = sc_now_ms();
        period = 200;
        do {
            if (sc_now_ms() >= next) {
                if (attempt >= MAX_ATTEMPTS) {
                    say("FAIL: message %ld never confirmed", i);
                    return SC_EXIT_FAIL;
                }
                unsigned char data[MAX_TEXT];
                memcpy(data, topics[t].bytes, topics[t].size);
                int len = snprintf((char *)data + topics[t].size, sizeof data - topics[t].size,
                                   "|%ld|%d", i, attempt);
                st = sc_send(s, data, topics[t].size + (size_t)len, deadline);
                if (st != SC_OK) {
                    return client_exit(st, "publishing");
                }
                resent += attempt > 0;
                attempt++;
                next = sc_now_ms() + period;
                period = period * 2 > 2000 ? 2000 : period * 2;
            }
            if (waiting == 0) {
                break; /* nobody subscribes to this one */
            }
            struct sc_message m;
            st = sc_recv(acks, &m, earliest(next, deadline));
            if (st == SC_TIMEDOUT && sc_now_ms() < deadline) {
                continue;
            }
            if (st != SC_OK) {
                for (long j = 0; j < nsubs; j++) {
                    if (!subs[j].got) {
                        say("subscriber %s has not confirmed message %ld (topic '%s')",
                            subs[j].name, i, printable(topics[t].bytes, topics[t].size));
                    }
                }
                return client_exit(st, "waiting for confirmations");
            }
            char text[MAX_TEXT], name[40];
            long index;
            int att;
            if (!as_text(&m, text, sizeof text)) {
                say("FAIL: garbage on the ack channel: '%s'", printable(m.data, m.size));
                return SC_EXIT_FAIL;
            }
            sc_release(&m);
            if (strncmp(text, "BAD ", 4) == 0) {
                say("FAIL: a subscriber reports: %s", text);
                return SC_EXIT_FAIL;
            }
            if (sscanf(text, "GOT %39s %ld %d", name, &index, &att) == 3) {
                for (long j = 0; j < nsubs; j++) {
                    if (index == i && !subs[j].got && strcmp(subs[j].name, name) == 0) {
                        subs[j].got = 1;
                        waiting--;
                    }
                }
            } else if (strncmp(text, "HELLO ", 6) != 0) { /* late probe answers are fine */
                say("FAIL: unexpected '%s' on the ack channel", text);
                return SC_EXIT_FAIL;
            }
        } while (waiting > 0);
    }
    say("ok: %ld messages published and confirmed by every subscriber that wants them "
        "(%ld probes, %ld re-sent)",
        opt.count, probes, resent);
    return SC_EXIT_OK;
}

/* Parses a published message TOPIC "|" INDEX "|" ATTEMPT; 1 when it is
 * well-formed and TOPIC is the one of message INDEX. */
static int parse_published(const struct sc_message *m, long *index, int *attempt)
{
    const unsigned char *bar = memchr(m->data, '|', m->size);
    char tail[64];
    if (bar == NULL) {
        return 0;
    }
    size_t topic_size = (size_t)(bar - m->data), tail_size = m->size - topic_size;
    if (tail_size >= sizeof tail) {
        return 0;
    }
    memcpy(tail, bar, tail_size);
    tail[tail_size] = '\0';
    char extra;
    if (sscanf(tail, "|%ld|%d%c", index, attempt, &extra) != 2 || *index < 0 ||
        *index >= opt.count || *attempt < 0 || *attempt >= MAX_ATTEMPTS) {
        return 0;
    }
    size_t t = (size_t)*index % NTOPICS;
    return topic_size == topics[t].size && memcmp(m->data, topics[t].bytes, topic_size) == 0;
}

static int role_sub(void)
{
    struct prefix subscribed[MAX_PREFIXES + 1];
    int nsubscribed = 0;
    for (int i = 0; i < opt.nsubscribe; i++) {
        struct prefix *p = &subscribed[nsubscribed++];
        p->size = unescape(opt.subscribe[i], p->bytes, sizeof p->bytes);
        if (memchr(p->bytes, '|', p->size) != NULL) {
            say("a subscription must not contain '|'");
            return SC_EXIT_USAGE;
        }
    }
    struct sc_socket *s, *acks;
    if (open_socket(SC_SUB, 0, &s) != SC_OK || open_socket(SC_PUSH, 0, &acks) != SC_OK) {
        return SC_EXIT_FAIL;
    }
    enum sc_status st = sc_subscribe(s, internal_prefix, sizeof internal_prefix - 1, 0);
    for (int i = 0; i < nsubscribed && st == SC_OK; i++) {
        st = sc_subscribe(s, subscribed[i].bytes, subscribed[i].size, 0);
    }
    /* Unsubscribing removes the subscription from what we expect as well. */
    for (int i = 0; i < opt.nunsubscribe && st == SC_OK; i++) {
        struct prefix u;
        u.size = unescape(opt.unsubscribe[i], u.bytes, sizeof u.bytes);
        st = sc_subscribe(s, u.bytes, u.size, 1);
        for (int j = 0; j < nsubscribed; j++) {
            if (subscribed[j].size == u.size && memcmp(subscribed[j].bytes, u.bytes, u.size) == 0) {
                subscribed[j] = subscribed[--nsubscribed];
                break;
            }
        }
    }
    if (st == SC_OK && opt.subscribe_hidden != NULL) {
        struct prefix h;
        h.size = unescape(opt.subscribe_hidden, h.bytes, sizeof h.bytes);
        st = sc_subscribe(s, h.bytes, h.size, 0);
    }
    if (st != SC_OK) {
        return client_exit(st, "subscribing");
    }
    char mask[NTOPICS + 1];
    for (size_t t = 0; t < NTOPICS; t++) {
        mask[t] = '0';
        for (int j = 0; j < nsubscribed; j++) {
            if (has_prefix(topics[t].bytes, topics[t].size, &subscribed[j])) {
                mask[t] = '1';
            }
        }
    }
    mask[NTOPICS] = '\0';
    st = attach(s);
    if (st == SC_OK) {
        st = sc_connect(acks, opt.ack);
    }
    if (st != SC_OK) {
        return client_exit(st, "setting up");
    }
    announce_ready();

    uint64_t *seen = calloc((size_t)opt.count + 1, sizeof *seen); /* bit a: attempt a */
    long failures = 0, received = 0;
    char report[MAX_TEXT] = "";
    while (failures == 0) {
        struct sc_message m;
        st = sc_recv(s, &m, deadline);
        if (st != SC_OK) {
            break;
        }
        char reply[MAX_TEXT];
        long index;
        int attempt;
        if (m.size == sizeof probe_msg - 1 && memcmp(m.data, probe_msg, m.size) == 0) {
            snprintf(reply, sizeof reply, "HELLO %s %s", opt.name, mask);
        } else if (!parse_published(&m, &index, &attempt)) {
            snprintf(report, sizeof report, "garbage '%s'", printable(m.data, m.size));
        } else if (mask[index % NTOPICS] != '1') {
            snprintf(report, sizeof report,
                     "received '%s', which matches none of my subscriptions",
                     printable(m.data, m.size));
        } else if (seen[index] & (UINT64_C(1) << attempt)) {
            snprintf(report, sizeof report, "received transmission '%s' twice",
                     printable(m.data, m.size));
        } else {
            received += seen[index] == 0;
            seen[index] |= UINT64_C(1) << attempt;
            snprintf(reply, sizeof reply, "GOT %s %ld %d", opt.name, index, attempt);
        }
        sc_release(&m);
        if (report[0] != '\0') {
            say("FAIL: %s", report);
            snprintf(reply, sizeof reply, "BAD %s %s", opt.name, report);
            failures++;
        }
        st = send_text(acks, reply, deadline);
        if (st != SC_OK) {
            break;
        }
    }
    if (failures > 0) {
        /* The PUB gets BAD and stops; we wait for our stop signal. */
        struct sc_message m;
        while (sc_recv(s, &m, deadline) == SC_OK) {
            sc_release(&m);
        }
        return SC_EXIT_FAIL;
    }
    long expected = 0, missing = 0;
    for (long i = 0; i < opt.count; i++) {
        if (mask[i % NTOPICS] == '1') {
            expected++;
            if (seen[i] == 0) {
                if (missing++ < 5) {
                    say("message %ld (topic '%s') never arrived", i,
                        printable(topics[i % NTOPICS].bytes, topics[i % NTOPICS].size));
                }
            }
        }
    }
    say("%s: %ld of the %ld messages I subscribed to received (mask %s)",
        missing ? "FAILED" : "stopped", received, expected, mask);
    return server_exit(missing);
}

/* ---- surveyor / respondent ------------------------------------------------- */

/* One survey: sends `body`, collects answers until the deadline ends it.
 * Exactly `expected` answers "BODY|NAME" from distinct names must come, and
 * the ETIMEDOUT no sooner than the deadline. With `exact` 0 (probing) fewer
 * answers are no failure; the count is returned in *answered. */
static int survey(struct sc_socket *s, struct sc_socket *go, const char *body, long expected,
                  int exact, long *answered)
{
    char names[MAX_PEERS][40];
    long n = 0;
    int64_t sent_at = sc_now_ms();
    enum sc_status st = send_text(s, body, deadline);
    if (st != SC_OK) {
        return client_exit(st, "surveying");
    }
    if (go != NULL) {
        char signal_text[MAX_TEXT];
        snprintf(signal_text, sizeof signal_text, "go %s", body);
        st = send_text(go, signal_text, deadline);
        if (st != SC_OK) {
            return client_exit(st, "sending go");
        }
    }
    size_t len = strlen(body);
    for (;;) {
        struct sc_message m;
        st = sc_recv(s, &m, deadline);
        int64_t elapsed = sc_now_ms() - sent_at;
        if (st == SC_TIMEDOUT && sc_now_ms() < deadline) {
            /* The survey's deadline, not ours. */
            if (elapsed < opt.deadline_ms - 15) {
                say("FAIL: survey '%s' ended (ETIMEDOUT) after %lld ms, before its %d ms "
                    "deadline",
                    body, (long long)elapsed, opt.deadline_ms);
                return SC_EXIT_FAIL;
            }
            if (elapsed > opt.deadline_ms + 2000) {
                say("FAIL: survey '%s' ended (ETIMEDOUT) only after %lld ms; deadline %d ms",
                    body, (long long)elapsed, opt.deadline_ms);
                return SC_EXIT_FAIL;
            }
            break;
        }
        if (st != SC_OK) {
            say("survey '%s': %ld answers so far", body, n);
            return client_exit(st, "collecting answers");
        }
        char text[MAX_TEXT];
        if (!as_text(&m, text, sizeof text) || strncmp(text, body, len) != 0 || text[len] != '|' ||
            strlen(text + len + 1) >= sizeof names[0] || text[len + 1] == '\0') {
            say("FAIL: survey '%s' got the answer '%s'%s", body, printable(m.data, m.size),
                m.size >= 4 && memcmp(m.data, "hold", 4) == 0
                    ? " (a stale response to an old survey, not discarded)"
                    : "");
            return SC_EXIT_FAIL;
        }
        sc_release(&m);
        for (long i = 0; i < n; i++) {
            if (strcmp(names[i], text + len + 1) == 0) {
                say("FAIL: survey '%s': %s answered twice", body, names[i]);
                return SC_EXIT_FAIL;
            }
        }
        if (n == MAX_PEERS || n >= expected) {
            say("FAIL: survey '%s': more answers than the %ld expected ('%s')", body, expected,
                text);
            return SC_EXIT_FAIL;
        }
        snprintf(names[n++], sizeof names[0], "%s", text + len + 1);
    }
    *answered = n;
    if (exact && n != expected) {
        say("FAIL: survey '%s': %ld answers before the deadline, expected %ld", body, n,
            expected);
        return SC_EXIT_FAIL;
    }
    return SC_EXIT_OK;
}

static int role_surveyor(void)
{
    struct sc_socket *s, *go;
    if (open_socket(SC_SURVEYOR, 0, &s) != SC_OK || open_socket(SC_PAIR, 0, &go) != SC_OK) {
        return SC_EXIT_FAIL;
    }
    enum sc_status st = sc_set_ms(s, SC_OPT_SURVEY_DEADLINE,
                                  opt.library_deadline_ms > 0 ? opt.library_deadline_ms
                                                              : opt.deadline_ms);
    if (st == SC_OK) {
        st = attach(s);
    }
    if (st == SC_OK) {
        st = sc_bind(go, opt.go);
    }
    if (st != SC_OK) {
        return client_exit(st, "setting up");
    }
    announce_ready();

    char body[MAX_TEXT];
    long answered = 0;
    int rc;
    for (long k = 0; answered < opt.respondents; k++) {
        snprintf(body, sizeof body, "probe %ld", k);
        if ((rc = survey(s, NULL, body, opt.respondents, 0, &answered)) != SC_EXIT_OK) {
            return rc;
        }
    }
    for (long n = 0; n < opt.rounds; n++) {
        snprintf(body, sizeof body, "s %ld", n);
        if ((rc = survey(s, NULL, body, opt.respondents, 1, &answered)) != SC_EXIT_OK) {
            return rc;
        }
        snprintf(body, sizeof body, "hold %ld", n);
        if ((rc = survey(s, NULL, body, opt.respondents - 1, 1, &answered)) != SC_EXIT_OK) {
            return rc;
        }
        snprintf(body, sizeof body, "after %ld", n);
        if ((rc = survey(s, go, body, opt.respondents, 1, &answered)) != SC_EXIT_OK) {
            return rc;
        }
    }
    say("ok: %ld rounds; every survey answered by all %ld respondents (the held one by all "
        "but one), ended by ETIMEDOUT at its %d ms deadline, stale answers discarded",
        opt.rounds, opt.respondents, opt.deadline_ms);
    return SC_EXIT_OK;
}

static int role_respondent(void)
{
    struct sc_socket *s, *go = NULL;
    if (open_socket(SC_RESPONDENT, 0, &s) != SC_OK ||
        (opt.go != NULL && open_socket(SC_PAIR, 0, &go) != SC_OK)) {
        return SC_EXIT_FAIL;
    }
    enum sc_status st = attach(s);
    if (st == SC_OK && go != NULL) {
        st = sc_connect(go, opt.go);
    }
    if (st != SC_OK) {
        return client_exit(st, "setting up");
    }
    announce_ready();

    long answered = 0, held = 0, failures = 0;
    for (;;) {
        struct sc_message m;
        st = sc_recv(s, &m, deadline);
        if (st != SC_OK) {
            break;
        }
        char text[MAX_TEXT];
        if (!as_text(&m, text, sizeof text - 64)) {
            say("FAIL: garbage survey '%s'", printable(m.data, m.size));
            failures++;
            sc_release(&m);
            continue;
        }
        sc_release(&m);
        if (go != NULL && strncmp(text, "hold ", 5) == 0) {
            /* Hold the answer until the surveyor has moved on to a new survey. */
            st = sc_recv(go, &m, deadline);
            if (st != SC_OK) {
                break;
            }
            sc_release(&m);
            held++;
        }
        size_t len = strlen(text);
        snprintf(text + len, sizeof text - len, "|%s", opt.name);
        st = send_text(s, text, deadline);
        if (st != SC_OK) {
            break;
        }
        answered++;
    }
    say("%s: %ld surveys answered (%ld of them late, on purpose)",
        failures ? "FAILED" : "stopped", answered, held);
    return server_exit(failures);
}

/* ---- command line ------------------------------------------------------------ */

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s scenario: ", sc_library);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nusage: see tests/interop/scenarios/scenario.h\n");
    return SC_EXIT_USAGE;
}

static int parse_long(const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
        return 0;
    }
    *out = v;
    return 1;
}

static int parse_options(int argc, char **argv)
{
    opt.timeout_ms = 20000;
    opt.resend_ivl_ms = -1;
    opt.hang_at = -1;
    opt.corrupt_at = -1;
    opt.count = -1;
    for (int i = 1; i < argc; i += 2) {
        const char *o = argv[i], *v = argv[i + 1];
        long n = 0;
        if (v == NULL) {
            return usage("missing value for %s", o);
        }
        if (strcmp(o, "--role") == 0) {
            opt.role = v;
        } else if (strcmp(o, "--name") == 0) {
            opt.name = v;
        } else if (strcmp(o, "--ready") == 0) {
            opt.ready_file = v;
        } else if (strcmp(o, "--bind") == 0 || strcmp(o, "--connect") == 0) {
            int *count = o[2] == 'b' ? &opt.nbind : &opt.nconnect;
            const char **urls = o[2] == 'b' ? opt.bind_urls : opt.connect_urls;
            if (*count == MAX_URLS) {
                return usage("too many %s", o);
            }
            urls[(*count)++] = v;
        } else if (strcmp(o, "--front") == 0) {
            opt.front = v;
        } else if (strcmp(o, "--back") == 0) {
            opt.back = v;
        } else if (strcmp(o, "--ack") == 0) {
            opt.ack = v;
        } else if (strcmp(o, "--go") == 0) {
            opt.go = v;
        } else if (strcmp(o, "--hung-file") == 0) {
            opt.hung_file = v;
        } else if (strcmp(o, "--subscribe-hidden") == 0) {
            opt.subscribe_hidden = v;
        } else if (strcmp(o, "--peers") == 0) {
            opt.peers = v;
        } else if (strcmp(o, "--subscribe") == 0 || strcmp(o, "--unsubscribe") == 0) {
            int *count = o[2] == 's' ? &opt.nsubscribe : &opt.nunsubscribe;
            const char **list = o[2] == 's' ? opt.subscribe : opt.unsubscribe;
            if (*count == MAX_PREFIXES) {
                return usage("too many %s", o);
            }
            list[(*count)++] = v;
        } else if (parse_long(v, 0, 3600 * 1000, &n)) {
            if (strcmp(o, "--timeout") == 0 && n > 0) {
                opt.timeout_ms = (int)n;
            } else if (strcmp(o, "--count") == 0) {
                opt.count = n;
            } else if (strcmp(o, "--resend-ivl") == 0 && n > 0) {
                opt.resend_ivl_ms = (int)n;
            } else if (strcmp(o, "--hang-at") == 0) {
                opt.hang_at = n;
            } else if (strcmp(o, "--corrupt-at") == 0) {
                opt.corrupt_at = n;
            } else if (strcmp(o, "--library-deadline") == 0 && n > 0) {
                opt.library_deadline_ms = (int)n;
            } else if (strcmp(o, "--subscribers") == 0 && n > 0 && n <= MAX_PEERS) {
                opt.subscribers = n;
            } else if (strcmp(o, "--respondents") == 0 && n > 1 && n <= MAX_PEERS) {
                opt.respondents = n;
            } else if (strcmp(o, "--deadline") == 0 && n > 0) {
                opt.deadline_ms = (int)n;
            } else if (strcmp(o, "--rounds") == 0) {
                opt.rounds = n;
            } else {
                return usage("unknown option or bad value: %s", o);
            }
        } else {
            return usage("unknown option or bad value: %s", o);
        }
    }
    if (opt.role == NULL) {
        return usage("%s", "--role is required");
    }
    if (opt.name == NULL) {
        opt.name = sc_library;
    }
    int one_url = opt.nbind + opt.nconnect == 1;
    const char *role = opt.role;
    if ((strcmp(role, "req") == 0 && (!one_url || opt.count < 0)) ||
        (strcmp(role, "rep") == 0 &&
         (!one_url || (opt.hang_at >= 0) != (opt.hung_file != NULL))) ||
        (strcmp(role, "device") == 0 && (opt.front == NULL || opt.back == NULL)) ||
        (strcmp(role, "bus") == 0 && (opt.nbind + opt.nconnect == 0 || opt.count < 0 ||
                                      opt.peers == NULL)) ||
        (strcmp(role, "pub") == 0 &&
         (!one_url || opt.ack == NULL || opt.count < 0 || opt.subscribers == 0)) ||
        (strcmp(role, "sub") == 0 && (!one_url || opt.ack == NULL || opt.count < 0)) ||
        (strcmp(role, "surveyor") == 0 && (!one_url || opt.go == NULL ||
                                           opt.respondents == 0 || opt.deadline_ms == 0)) ||
        (strcmp(role, "respondent") == 0 && !one_url)) {
        return usage("missing or conflicting options for --role %s", role);
    }
    return 0;
}

int scenario_main(int argc, char **argv)
{
    /* Before any library thread exists, so that all of them inherit it: only
     * the stopper thread takes SIGTERM/SIGINT. */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    setvbuf(stderr, NULL, _IOLBF, 0);

    int rc = parse_options(argc, argv);
    if (rc != 0) {
        return rc;
    }
    deadline = sc_now_ms() + opt.timeout_ms;
    pthread_t thread;
    if (pthread_create(&thread, NULL, stopper, NULL) != 0) {
        say("cannot start the stopper thread");
        return SC_EXIT_FAIL;
    }
    static const struct {
        const char *name;
        int (*run)(void);
    } roles[] = {{"req", role_req},   {"rep", role_rep},           {"device", role_device},
                 {"bus", role_bus},   {"pub", role_pub},           {"sub", role_sub},
                 {"surveyor", role_surveyor}, {"respondent", role_respondent}};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        if (strcmp(roles[i].name, opt.role) == 0) {
            rc = roles[i].run();
            fflush(stderr);
            /* Without waiting for the stopper or the library's threads. */
            _exit(rc);
        }
    }
    return usage("unknown role '%s'", opt.role);
}
