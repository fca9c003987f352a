/* fault_peer.c -- one SP peer for the fault tests (the drivers in tests/faults).
 *
 * The drivers start these programs, kill them with SIGKILL, restart them,
 * cut the network under them, and read what they logged. The program is
 * written against the unchanged nanomsg C API and linked against nanoport, so
 * what it shows is what a nanomsg application would see.
 *
 *   fault_peer ROLE (--bind URL | --connect URL) [options]
 *   fault_peer port              prints a free TCP port on 127.0.0.1
 *
 * Roles and what each proves on its own:
 *   req   sends --count numbered requests one after the other; each must come
 *         back with its own number (REQ resends across a dead REP). Then it
 *         sends a stop request, which makes the REP exit 0.
 *   rep   echoes every request; logs each request's number (duplicates are
 *         the resends that SP allows, the driver counts them). With
 *         --die-after N it SIGKILLs itself on receiving its Nth request,
 *         before answering it: the REQ is then sure to have one in flight.
 *   push  sends --count messages (0: until the deadline), then nn_close and
 *         exit(0) at once: what was queued must still reach the PULL.
 *   pull  receives until it has --count messages of generation --gen. Within
 *         each generation the numbers must run 0, 1, 2, ... with no gap, no
 *         repeat and no reordering (a killed sender loses its tail only).
 *   pub   publishes one message per --interval-ms until --count or the
 *         deadline; logs the number of each message it sent.
 *   sub   receives until it has --count messages of generation --gen, or
 *         until SIGTERM. Numbers must rise within a generation (a PUB may
 *         drop, never reorder or repeat).
 *
 * Options:
 *   --gen G          generation written into every body (a restarted sender
 *                    gets a new one, so the receiver tells them apart)
 *   --count N        see the roles; default 100
 *   --size BYTES     body size, at least 8; default 16
 *   --interval-ms M  pause between sends: it paces the traffic so that a
 *                    fault lands while messages are flowing
 *   --log FILE       append one line per message: "GEN SEQ" (one write(2)
 *                    each, O_APPEND, so a SIGKILL loses no whole line)
 *   --linger MS      NN_LINGER
 *   --resend-ms MS   NN_REQ_RESEND_IVL (req); default 300
 *   --die-after N    rep: see above
 *   --timeout MS     overall deadline; every blocking call gets what is left.
 *                    Default 30000.
 *
 * Body: bytes 0-3 the generation, 4-7 the sequence number (host order; both
 * ends are this program on one machine), byte i >= 8 is (seq + i) & 0xff.
 * The stop request of req carries generation STOP_GEN.
 *
 * Exit codes: 0 done; 1 wrong data (mismatch, gap, repeat, reordering);
 * 2 deadline passed; 3 a library call failed; 64 usage. One summary line on
 * stdout, the reason for a failure on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <nanomsg/nn.h>
#include <nanomsg/pipeline.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/reqrep.h>

#define STOP_GEN 0xffffffffu
#define MAX_GENS 64

/* A receive waits at most this long before checking for SIGTERM and the
 * deadline again, so that a stopping peer ends promptly. */
#define RECV_SLICE_MS 100

struct options {
    const char *role;
    const char *bind_url;
    const char *connect_url;
    const char *log_path;
    uint32_t gen;
    long count;
    size_t size;
    int interval_ms;
    int linger_ms;
    int resend_ms;
    int timeout_ms;
    long die_after;
};

static volatile sig_atomic_t stop_requested = 0;
static int log_fd = -1;
static struct timespec started;

static void on_sigterm(int sig) {
    (void)sig;
    stop_requested = 1;
}

static long elapsed_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - started.tv_sec) * 1000 + (now.tv_nsec - started.tv_nsec) / 1000000;
}

/* Time left before the deadline, in ms (0 once it has passed). */
static int left_ms(const struct options *o) {
    long left = o->timeout_ms - elapsed_ms();
    return left > 0 ? (int)left : 0;
}

static void pause_ms(int ms) {
    if (ms <= 0) return;
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !stop_requested) {
    }
}

static int fail_nn(const char *what) {
    fprintf(stderr, "fault_peer: %s: %s\n", what, nn_strerror(nn_errno()));
    return 3;
}

static void log_line(uint32_t gen, uint32_t seq) {
    if (log_fd < 0) return;
    char line[32];
    int n = snprintf(line, sizeof line, "%u %u\n", gen, seq);
    /* One write per line: the driver may read the file at any moment and
     * the process may die between two lines, never inside one. */
    if (write(log_fd, line, (size_t)n) != n) perror("fault_peer: log");
}

static void fill_body(unsigned char *body, size_t size, uint32_t gen, uint32_t seq) {
    memcpy(body, &gen, 4);
    memcpy(body + 4, &seq, 4);
    for (size_t i = 8; i < size; ++i) body[i] = (unsigned char)(seq + i);
}

/* True if body is a well-formed message; its generation and number go to
 * gen and seq. */
static int read_body(const unsigned char *body, size_t size, uint32_t *gen, uint32_t *seq) {
    if (size < 8) return 0;
    memcpy(gen, body, 4);
    memcpy(seq, body + 4, 4);
    for (size_t i = 8; i < size; ++i) {
        if (body[i] != (unsigned char)(*seq + i)) return 0;
    }
    return 1;
}

static int set_int(int s, int level, int option, int value) {
    return nn_setsockopt(s, level, option, &value, sizeof value);
}

/* Receives one message into a buffer the library allocates. Returns its
 * size, -1 with errno ETIMEDOUT once the deadline or a SIGTERM ends the
 * wait, or -1 with another errno on failure. */
static int recv_sliced(int s, const struct options *o, void **msg) {
    for (;;) {
        if (stop_requested || left_ms(o) == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        int slice = left_ms(o) < RECV_SLICE_MS ? left_ms(o) : RECV_SLICE_MS;
        if (set_int(s, NN_SOL_SOCKET, NN_RCVTIMEO, slice > 0 ? slice : 1) != 0) return -1;
        int n = nn_recv(s, msg, NN_MSG, 0);
        if (n >= 0) return n;
        if (nn_errno() != ETIMEDOUT && nn_errno() != EINTR) {
            errno = nn_errno();
            return -1;
        }
    }
}

static int send_timed(int s, const struct options *o, const void *body, size_t size) {
    if (set_int(s, NN_SOL_SOCKET, NN_SNDTIMEO, left_ms(o) > 0 ? left_ms(o) : 1) != 0) return -1;
    return nn_send(s, body, size, 0);
}

static int run_req(int s, const struct options *o) {
    unsigned char *body = malloc(o->size);
    if (body == NULL) return 3;
    long answered = 0;
    for (long i = 0; i < o->count; ++i) {
        fill_body(body, o->size, o->gen, (uint32_t)i);
        if (send_timed(s, o, body, o->size) < 0) {
            free(body);
            return nn_errno() == ETIMEDOUT ? 2 : fail_nn("nn_send");
        }
        void *reply = NULL;
        int n = recv_sliced(s, o, &reply);
        if (n < 0) {
            fprintf(stderr, "fault_peer: req: request %ld unanswered (%s)\n", i, strerror(errno));
            printf("req answered=%ld of %ld\n", answered, o->count);
            free(body);
            return errno == ETIMEDOUT ? 2 : 3;
        }
        uint32_t gen, seq;
        int ok = read_body(reply, (size_t)n, &gen, &seq) && (size_t)n == o->size &&
                 seq == (uint32_t)i && gen == o->gen;
        nn_freemsg(reply);
        if (!ok) {
            fprintf(stderr, "fault_peer: req: wrong reply to request %ld\n", i);
            free(body);
            return 1;
        }
        ++answered;
        log_line(o->gen, (uint32_t)i);
        pause_ms(o->interval_ms);
    }
    /* The REP exits after answering this one, so the driver need not kill
     * the last server. Its answer may never come (the REP closes at once,
     * and a resent stop request left unread there resets the connection),
     * so the wait for it is short, and its outcome changes nothing above. */
    fill_body(body, o->size, STOP_GEN, 0);
    if (send_timed(s, o, body, o->size) >= 0) {
        void *reply = NULL;
        struct options stop = *o;
        stop.timeout_ms = (int)elapsed_ms() + 2000;
        if (recv_sliced(s, &stop, &reply) >= 0) nn_freemsg(reply);
    }
    free(body);
    printf("req answered=%ld of %ld in %ld ms\n", answered, o->count, elapsed_ms());
    return 0;
}

static int run_rep(int s, const struct options *o) {
    long served = 0;
    for (;;) {
        void *request = NULL;
        int n = recv_sliced(s, o, &request);
        if (n < 0) {
            printf("rep served=%ld\n", served);
            return errno == ETIMEDOUT ? (stop_requested ? 0 : 2) : fail_nn("nn_recv");
        }
        uint32_t gen, seq;
        if (!read_body(request, (size_t)n, &gen, &seq)) {
            fprintf(stderr, "fault_peer: rep: malformed request\n");
            nn_freemsg(request);
            return 1;
        }
        if (gen != STOP_GEN) log_line(gen, seq);
        if (gen != STOP_GEN && o->die_after > 0 && served + 1 == o->die_after) raise(SIGKILL);
        /* The request's buffer goes back as the reply (zero copy). */
        if (nn_send(s, &request, NN_MSG, 0) < 0) {
            nn_freemsg(request);
            return fail_nn("nn_send");
        }
        ++served;
        if (gen == STOP_GEN) {
            printf("rep served=%ld\n", served);
            return 0;
        }
    }
}

static int run_sender(int s, const struct options *o) {
    unsigned char *body = malloc(o->size);
    if (body == NULL) return 3;
    long sent = 0;
    while ((o->count == 0 || sent < o->count) && !stop_requested && left_ms(o) > 0) {
        fill_body(body, o->size, o->gen, (uint32_t)sent);
        if (send_timed(s, o, body, o->size) < 0) {
            if (nn_errno() == ETIMEDOUT) break;
            free(body);
            return fail_nn("nn_send");
        }
        log_line(o->gen, (uint32_t)sent);
        ++sent;
        pause_ms(o->interval_ms);
    }
    free(body);
    if (o->count != 0 && sent < o->count) {
        fprintf(stderr, "fault_peer: %s: sent only %ld of %ld\n", o->role, sent, o->count);
        return 2;
    }
    /* nn_close returns once the queue has left (or NN_LINGER ran out); the
     * process exits right after, with nothing else to wait for. */
    long before = elapsed_ms();
    if (nn_close(s) != 0) return fail_nn("nn_close");
    printf("%s sent=%ld close_ms=%ld\n", o->role, sent, elapsed_ms() - before);
    fflush(stdout);
    exit(0);
}

static int run_receiver(int s, const struct options *o) {
    uint32_t next[MAX_GENS] = {0}; /* the number expected next, per generation */
    long per_gen[MAX_GENS] = {0};
    long received = 0;
    long gaps = 0; /* sub only: messages a PUB dropped */
    int strict = strcmp(o->role, "pull") == 0;
    while (o->count == 0 || per_gen[o->gen % MAX_GENS] < o->count) {
        void *msg = NULL;
        int n = recv_sliced(s, o, &msg);
        if (n < 0) {
            if (errno != ETIMEDOUT) return fail_nn("nn_recv");
            break;
        }
        uint32_t gen, seq;
        int ok = read_body(msg, (size_t)n, &gen, &seq) && (size_t)n == o->size && gen < MAX_GENS;
        nn_freemsg(msg);
        if (!ok) {
            fprintf(stderr, "fault_peer: %s: malformed message\n", o->role);
            return 1;
        }
        if (seq != next[gen] && (strict || seq < next[gen])) {
            fprintf(stderr, "fault_peer: %s: generation %u: got %u, expected %s%u\n", o->role, gen,
                    seq, strict ? "" : "at least ", next[gen]);
            return 1;
        }
        gaps += seq - next[gen];
        next[gen] = seq + 1;
        ++per_gen[gen];
        ++received;
        log_line(gen, seq);
    }
    printf("%s received=%ld gaps=%ld per_gen:", o->role, received, gaps);
    for (int g = 0; g < MAX_GENS; ++g) {
        if (per_gen[g] != 0) printf(" %d=%ld", g, per_gen[g]);
    }
    printf(" in %ld ms\n", elapsed_ms());
    if (o->count != 0 && per_gen[o->gen % MAX_GENS] < o->count) {
        return stop_requested ? 1 : 2;
    }
    return 0;
}

static int print_free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        perror("fault_peer: port");
        return 3;
    }
    printf("%d\n", ntohs(sa.sin_port));
    close(fd);
    return 0;
}

static int usage(void) {
    fprintf(stderr,
            "usage: fault_peer req|rep|push|pull|pub|sub (--bind URL | --connect URL)\n"
            "         [--gen G] [--count N] [--size BYTES] [--interval-ms M] [--log FILE]\n"
            "         [--linger MS] [--resend-ms MS] [--timeout MS] [--die-after N]\n"
            "       fault_peer port\n");
    return 64;
}

static int protocol_of(const char *role) {
    static const struct {
        const char *name;
        int protocol;
    } roles[] = {{"req", NN_REQ}, {"rep", NN_REP},   {"push", NN_PUSH},
                 {"pull", NN_PULL}, {"pub", NN_PUB}, {"sub", NN_SUB}};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; ++i) {
        if (strcmp(role, roles[i].name) == 0) return roles[i].protocol;
    }
    return -1;
}

int main(int argc, char **argv) {
    clock_gettime(CLOCK_MONOTONIC, &started);
    if (argc == 2 && strcmp(argv[1], "port") == 0) return print_free_port();
    if (argc < 2) return usage();

    struct options o = {argv[1], NULL, NULL, NULL, 0, 100, 16, 0, -1, 300, 30000, 0};
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 >= argc) return usage();
        const char *name = argv[i];
        const char *value = argv[i + 1];
        if (strcmp(name, "--bind") == 0) o.bind_url = value;
        else if (strcmp(name, "--connect") == 0) o.connect_url = value;
        else if (strcmp(name, "--log") == 0) o.log_path = value;
        else if (strcmp(name, "--gen") == 0) o.gen = (uint32_t)strtoul(value, NULL, 10);
        else if (strcmp(name, "--count") == 0) o.count = strtol(value, NULL, 10);
        else if (strcmp(name, "--size") == 0) o.size = (size_t)strtoul(value, NULL, 10);
        else if (strcmp(name, "--interval-ms") == 0) o.interval_ms = atoi(value);
        else if (strcmp(name, "--linger") == 0) o.linger_ms = atoi(value);
        else if (strcmp(name, "--resend-ms") == 0) o.resend_ms = atoi(value);
        else if (strcmp(name, "--timeout") == 0) o.timeout_ms = atoi(value);
        else if (strcmp(name, "--die-after") == 0) o.die_after = strtol(value, NULL, 10);
        else return usage();
    }
    const int protocol = protocol_of(o.role);
    if (protocol < 0 || (o.bind_url == NULL) == (o.connect_url == NULL) || o.size < 8 ||
        o.gen >= MAX_GENS || o.count < 0) {
        return usage();
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigterm;
    sigaction(SIGTERM, &sa, NULL);
    if (o.log_path != NULL) {
        log_fd = open(o.log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log_fd < 0) {
            perror("fault_peer: open log");
            return 3;
        }
    }

    const int s = nn_socket(AF_SP, protocol);
    if (s < 0) return fail_nn("nn_socket");
    /* Big bodies (1 MiB and its SP header) must fit. */
    if (set_int(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, -1) != 0) return fail_nn("NN_RCVMAXSIZE");
    if (o.linger_ms >= 0 && set_int(s, NN_SOL_SOCKET, NN_LINGER, o.linger_ms) != 0) {
        return fail_nn("NN_LINGER");
    }
    /* A restarted peer is found again quickly; the default back-off would
     * only make the tests slower, not different. */
    if (set_int(s, NN_SOL_SOCKET, NN_RECONNECT_IVL, 50) != 0 ||
        set_int(s, NN_SOL_SOCKET, NN_RECONNECT_IVL_MAX, 500) != 0) {
        return fail_nn("NN_RECONNECT_IVL");
    }
    if (protocol == NN_REQ && set_int(s, NN_REQ, NN_REQ_RESEND_IVL, o.resend_ms) != 0) {
        return fail_nn("NN_REQ_RESEND_IVL");
    }
    if (protocol == NN_SUB && nn_setsockopt(s, NN_SUB, NN_SUB_SUBSCRIBE, "", 0) != 0) {
        return fail_nn("NN_SUB_SUBSCRIBE");
    }
    if (o.bind_url != NULL && nn_bind(s, o.bind_url) < 0) return fail_nn("nn_bind");
    if (o.connect_url != NULL && nn_connect(s, o.connect_url) < 0) return fail_nn("nn_connect");

    int rc;
    switch (protocol) {
    case NN_REQ:
        rc = run_req(s, &o);
        break;
    case NN_REP:
        rc = run_rep(s, &o);
        break;
    case NN_PUSH:
    case NN_PUB:
        rc = run_sender(s, &o);
        break;
    default:
        rc = run_receiver(s, &o);
        break;
    }
    fflush(stdout);
    nn_close(s);
    return rc;
}
