/*
 * bench_common.h - what every benchmark program shares, whatever library it
 * measures: the command line, the clock, sequence stamps, percentiles and
 * the JSON lines the driver (bench/run.sh) collects.
 *
 * Only libc and POSIX are used here; each program (nn_bench.c, nng_bench.c,
 * zmq_bench.c, np_bench.cpp) keeps its messaging code to itself.  The header
 * compiles as C99 and as C++20.
 *
 * Command line, the same for every program:
 *
 *   PROG ROLE URL SIZE COUNT [PATTERN [MODE]]
 *
 *   ROLE   local_thr    binds; receives COUNT messages; prints throughput
 *          remote_thr   connects; sends a 0-byte start marker, then COUNT
 *                       messages of SIZE bytes
 *          local_lat    binds; echoes warm-up + COUNT messages
 *          remote_lat   connects; warm-up, then COUNT timed round trips;
 *                       prints latency
 *          pub          fan-out sender (PATTERN pubsub): binds URL, waits
 *                       for BENCH_SUBS subscribers, sends COUNT messages,
 *                       prints what it sent and, where the library counts
 *                       them, the per-pipe drops
 *          sub          fan-out receiver: connects to URL, counts what
 *                       arrives, prints delivered msgs/s
 *          inproc_thr   both ends of a throughput run in one process
 *                       (threads), over URL (inproc://NAME)
 *          inproc_lat   both ends of a latency run in one process
 *          (a program called through a symlink named after a role takes
 *           its role from its name, like the classic local_thr tools)
 *   URL    tcp://127.0.0.1:PORT, ipc:///PATH, inproc://NAME
 *   SIZE   message size in bytes (pub/sub: at least 8)
 *   COUNT  messages (throughput, fan-out) or timed round trips (latency)
 *   PATTERN  throughput: pushpull (default) | pair
 *            latency:    reqrep (default)   | pair
 *            fan-out:    pubsub (the only one)
 *   MODE   buf (default): send from / receive into the caller's buffer
 *          msg: the library's own message objects (NN_MSG, nng_msg,
 *               zmq_msg_t, nanoport::message)
 *
 * Environment:
 *   BENCH_READY_FILE  the binding side creates this file once it is bound
 *   BENCH_LINGER_MS   how long a sender whose library cannot flush on close
 *                     stays up after its last send (default 2000); the
 *                     driver kills it as soon as the receiver is done
 *   BENCH_STREAMS     local_thr/remote_thr only, and only in programs that
 *                     support it (nn_bench, np_bench): N independent socket
 *                     pairs in one process pair, stream i on TCP port
 *                     PORT+i or ipc path PATH.i, one thread each
 *   BENCH_SUBS        pub: how many subscribers to wait for (default 4)
 *   BENCH_SYNC_URL    pub/sub: the side channel (PULL at the publisher,
 *                     PUSH at each subscriber) for "ready" and "done"
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#ifndef __cplusplus
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum bench_role {
    ROLE_LOCAL_THR,
    ROLE_REMOTE_THR,
    ROLE_LOCAL_LAT,
    ROLE_REMOTE_LAT,
    ROLE_PUB,
    ROLE_SUB,
    ROLE_INPROC_THR,
    ROLE_INPROC_LAT
};

struct bench_args {
    enum bench_role role;
    const char *role_name;
    const char *url;
    size_t size;
    long count;
    const char *pattern; /* "pushpull" | "pair" | "reqrep" | "pubsub" */
    int msg_mode;        /* 0 = buf, 1 = msg */
};

static const char *const bench_role_names[] = {"local_thr", "remote_thr", "local_lat",
                                               "remote_lat", "pub",        "sub",
                                               "inproc_thr", "inproc_lat"};

static inline void bench_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void bench_sleep_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

static inline void bench_usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s ROLE URL SIZE COUNT [PATTERN [buf|msg]]\n"
            "  ROLE: local_thr remote_thr local_lat remote_lat pub sub inproc_thr inproc_lat\n",
            prog);
    exit(1);
}

static inline int bench_role_from(const char *s, enum bench_role *r)
{
    int i;
    for (i = 0; i < (int)(sizeof(bench_role_names) / sizeof(bench_role_names[0])); i++) {
        if (strcmp(s, bench_role_names[i]) == 0) {
            *r = (enum bench_role)i;
            return 1;
        }
    }
    return 0;
}

/* The test a role belongs to: "thr", "lat" or "fanout". */
static inline const char *bench_test_of(enum bench_role r)
{
    switch (r) {
    case ROLE_LOCAL_THR:
    case ROLE_REMOTE_THR:
    case ROLE_INPROC_THR: return "thr";
    case ROLE_PUB:
    case ROLE_SUB: return "fanout";
    default: return "lat";
    }
}

static inline void bench_parse(int argc, char **argv, struct bench_args *a)
{
    const char *base = strrchr(argv[0], '/');
    const char *test;
    int i = 1;
    char *end;
    base = base ? base + 1 : argv[0];
    memset(a, 0, sizeof(*a));
    if (bench_role_from(base, &a->role)) {
        a->role_name = base;
    } else {
        if (argc < 2 || !bench_role_from(argv[1], &a->role))
            bench_usage(argv[0]);
        a->role_name = argv[1];
        i = 2;
    }
    if (argc - i < 3 || argc - i > 5)
        bench_usage(argv[0]);
    a->url = argv[i];
    errno = 0;
    a->size = (size_t)strtoull(argv[i + 1], &end, 10);
    if (errno || *end)
        bench_usage(argv[0]);
    a->count = strtol(argv[i + 2], &end, 10);
    if (errno || *end || a->count < 1)
        bench_usage(argv[0]);
    test = bench_test_of(a->role);
    a->pattern = strcmp(test, "thr") == 0 ? "pushpull" : strcmp(test, "lat") == 0 ? "reqrep" : "pubsub";
    if (argc - i >= 4)
        a->pattern = argv[i + 3];
    if (argc - i >= 5) {
        if (strcmp(argv[i + 4], "msg") == 0)
            a->msg_mode = 1;
        else if (strcmp(argv[i + 4], "buf") != 0)
            bench_usage(argv[0]);
    }
    if (strcmp(test, "fanout") == 0) {
        if (strcmp(a->pattern, "pubsub") != 0)
            bench_die("pattern '%s' not valid for %s (pubsub only)", a->pattern, a->role_name);
        if (a->size < 8)
            bench_die("fan-out messages need at least 8 bytes (sequence stamp)");
    } else if (strcmp(a->pattern, "pair") != 0 &&
               strcmp(a->pattern, strcmp(test, "thr") == 0 ? "pushpull" : "reqrep") != 0) {
        bench_die("pattern '%s' not valid for %s", a->pattern, a->role_name);
    }
}

/* Warm-up round trips before the timed latency loop, derived from COUNT on
 * both sides so that they agree without signalling. */
static inline long bench_lat_warmup(long count)
{
    long w = count / 10;
    if (w < 1) w = 1;
    if (w > 1000) w = 1000;
    return w;
}

static inline const char *bench_transport(const char *url)
{
    if (strncmp(url, "tcp://", 6) == 0) return "tcp";
    if (strncmp(url, "ipc://", 6) == 0) return "ipc";
    if (strncmp(url, "inproc://", 9) == 0) return "inproc";
    if (strncmp(url, "ws://", 5) == 0) return "ws";
    return "other";
}

static inline long bench_env_long(const char *name, long dflt)
{
    const char *e = getenv(name);
    return (e && *e) ? atol(e) : dflt;
}

/* BENCH_STREAMS (1 when unset) */
static inline int bench_streams(void)
{
    long n = bench_env_long("BENCH_STREAMS", 1);
    if (n < 1 || n > 64)
        bench_die("BENCH_STREAMS=%ld: 1..64", n);
    return (int)n;
}

/* The URL of stream i: tcp port + i, ipc path + ".i", inproc name + ".i"
 * (stream 0 is URL itself). */
static inline void bench_stream_url(const char *url, int i, char *out, size_t cap)
{
    if (i == 0) {
        snprintf(out, cap, "%s", url);
    } else if (strncmp(url, "tcp://", 6) == 0) {
        const char *colon = strrchr(url, ':');
        long port = colon ? atol(colon + 1) : 0;
        if (!colon || port <= 0)
            bench_die("no port in %s", url);
        snprintf(out, cap, "%.*s:%ld", (int)(colon - url), url, port + i);
    } else {
        snprintf(out, cap, "%s.%d", url, i);
    }
}

static inline void bench_ready(void)
{
    const char *f = getenv("BENCH_READY_FILE");
    if (f && *f) {
        FILE *fp = fopen(f, "w");
        if (fp) fclose(fp);
    }
}

/* A sender whose library drops queued messages on close (nanomsg, nng)
 * waits here after its last send; the driver kills it earlier. */
static inline void bench_linger(void)
{
    long ms = bench_env_long("BENCH_LINGER_MS", 2000);
    if (ms > 0) bench_sleep_ms(ms);
}

/* Sequence number in the first 8 bytes (when the message has 8 bytes): the
 * receiver detects lost, duplicated, reordered or corrupted messages. */
static inline void bench_stamp(void *p, size_t size, uint64_t seq)
{
    if (size >= sizeof(seq)) memcpy(p, &seq, sizeof(seq));
}

static inline uint64_t bench_seq_of(const void *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static inline void bench_check(const void *p, size_t got, size_t size, uint64_t seq)
{
    if (got != size)
        bench_die("message %llu: got %zu bytes, expected %zu", (unsigned long long)seq, got, size);
    if (size >= sizeof(uint64_t) && bench_seq_of(p) != seq)
        bench_die("message %llu: sequence stamp %llu (lost/reordered?)", (unsigned long long)seq,
                  (unsigned long long)bench_seq_of(p));
}

static inline unsigned char *bench_payload(size_t size)
{
    unsigned char *p = (unsigned char *)malloc(size ? size : 1);
    size_t i;
    if (!p) bench_die("out of memory");
    for (i = 0; i < size; i++) p[i] = (unsigned char)(i * 131u + 7u);
    return p;
}

static inline void bench_json_head(const char *lib, const char *api, const char *version,
                                   const struct bench_args *a, const char *test)
{
    printf("{\"lib\":\"%s\",\"api\":\"%s\",", lib, api);
    if (version && *version) printf("\"version\":\"%s\",", version);
    printf("\"transport\":\"%s\",\"test\":\"%s\",\"pattern\":\"%s\",\"mode\":\"%s\",\"size\":%zu,",
           bench_transport(a->url), test, a->pattern, a->msg_mode ? "msg" : "buf", a->size);
}

/* Throughput line.  total: messages over all streams; extra: more JSON
 * members (starting with ',') or NULL. */
static inline void bench_print_thr_ex(const char *lib, const char *api, const char *version,
                                      const struct bench_args *a, long total, uint64_t elapsed_ns,
                                      const char *extra)
{
    double secs = (double)elapsed_ns / 1e9;
    double mps;
    if (secs <= 0) secs = 1e-9;
    mps = (double)total / secs;
    bench_json_head(lib, api, version, a, "thr");
    printf("\"count\":%ld,\"elapsed_s\":%.6f,\"msgs_per_s\":%.1f,\"mb_per_s\":%.3f%s}\n", total, secs,
           mps, mps * (double)a->size / 1e6, extra ? extra : "");
    fflush(stdout);
}

static inline void bench_print_thr(const char *lib, const char *api, const char *version,
                                   const struct bench_args *a, uint64_t elapsed_ns)
{
    bench_print_thr_ex(lib, api, version, a, a->count, elapsed_ns, NULL);
}

static inline int bench_cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* nearest-rank percentile of a sorted array, in microseconds */
static inline double bench_pct_us(const uint64_t *s, long n, double pct)
{
    long k = (long)((pct / 100.0) * (double)n + 0.999999);
    if (k < 1) k = 1;
    if (k > n) k = n;
    return (double)s[k - 1] / 1e3;
}

static inline void bench_print_lat(const char *lib, const char *api, const char *version,
                                   const struct bench_args *a, uint64_t total_ns, uint64_t *rtt_ns)
{
    double avg_rtt = (double)total_ns / 1e3 / (double)a->count;
    qsort(rtt_ns, (size_t)a->count, sizeof(*rtt_ns), bench_cmp_u64);
    bench_json_head(lib, api, version, a, "lat");
    printf("\"roundtrips\":%ld,\"warmup\":%ld,\"elapsed_s\":%.6f,"
           "\"avg_rtt_us\":%.3f,\"avg_oneway_us\":%.3f,"
           "\"p50_rtt_us\":%.3f,\"p99_rtt_us\":%.3f,"
           "\"min_rtt_us\":%.3f,\"max_rtt_us\":%.3f}\n",
           a->count, bench_lat_warmup(a->count), (double)total_ns / 1e9, avg_rtt, avg_rtt / 2.0,
           bench_pct_us(rtt_ns, a->count, 50.0), bench_pct_us(rtt_ns, a->count, 99.0),
           (double)rtt_ns[0] / 1e3, (double)rtt_ns[a->count - 1] / 1e3);
    fflush(stdout);
}

/* ---- fan-out (pub/sub) -------------------------------------------------
 *
 * Data messages are SIZE bytes with the sequence number 0..COUNT-1 in their
 * first 8 bytes.  Control messages are 1 byte long: 'P' (probe, sent by the
 * publisher every millisecond until every subscriber has answered "ready"
 * on the sync channel) and 'E' (end, sent every millisecond after the last
 * data message until every subscriber has answered "done").  PUB/SUB may
 * drop any of them; repeating the control messages makes that harmless.
 */
#define BENCH_CTL_PROBE 'P'
#define BENCH_CTL_END 'E'

/* A subscriber's bookkeeping. */
#define BENCH_SUB_CLOCK_EVERY 64

struct bench_sub_state {
    long delivered;     /* data messages received */
    long gaps;          /* sequence jumps (= runs of missed messages) */
    long missed;        /* messages skipped by those jumps */
    long long last_seq; /* -1 before the first */
    uint64_t t_first, t_last; /* clock at the first and at the last timed delivery */
    long timed;               /* deliveries up to and including the last timed one */
    int ready_sent;
};

static inline void bench_sub_init(struct bench_sub_state *s)
{
    memset(s, 0, sizeof(*s));
    s->last_seq = -1;
}

/* Feeds one received message.  Returns 'P' for a probe the subscriber has
 * not answered yet, 'E' for an end marker, 'D' for data, 0 for anything to
 * ignore (a repeated probe). */
static inline int bench_sub_feed(struct bench_sub_state *s, const struct bench_args *a,
                                 const void *p, size_t len)
{
    if (len == 1) {
        char c = *(const char *)p;
        if (c == BENCH_CTL_END) return 'E';
        if (c == BENCH_CTL_PROBE && !s->ready_sent) {
            s->ready_sent = 1;
            return 'P';
        }
        return 0;
    }
    if (len != a->size)
        bench_die("fan-out: got %zu bytes, expected %zu", len, a->size);
    {
        long long seq = (long long)bench_seq_of(p);
        if (seq <= s->last_seq || seq >= a->count)
            bench_die("fan-out: sequence %lld after %lld (duplicate/reordered/corrupt)", seq,
                      s->last_seq);
        if (seq != s->last_seq + 1) {
            s->gaps++;
            s->missed += (long)(seq - s->last_seq - 1);
        }
        s->last_seq = seq;
        /* The clock is read at the first delivery and then at every
         * BENCH_SUB_CLOCK_EVERY-th: a read per message cost a subscriber a
         * fifth of its CPU on a paravirtualised VM, the same for every
         * library, and flattened the differences being measured. The rate
         * covers the deliveries between the first and the last reading. */
        if (++s->delivered == 1 || s->delivered % BENCH_SUB_CLOCK_EVERY == 0) {
            uint64_t now = bench_now_ns();
            if (s->delivered == 1) s->t_first = now;
            s->t_last = now;
            s->timed = s->delivered;
        }
    }
    return 'D';
}

static inline void bench_print_sub(const char *lib, const char *api, const char *version,
                                   const struct bench_args *a, const struct bench_sub_state *s)
{
    double secs = (double)(s->t_last - s->t_first) / 1e9;
    double mps = (s->timed > 1 && secs > 0) ? (double)(s->timed - 1) / secs : 0;
    bench_json_head(lib, api, version, a, "fanout");
    printf("\"role\":\"sub\",\"count\":%ld,\"delivered\":%ld,\"lost\":%ld,\"gaps\":%ld,"
           "\"elapsed_s\":%.6f,\"msgs_per_s\":%.1f,\"mb_per_s\":%.3f}\n",
           a->count, s->delivered, a->count - s->delivered, s->gaps, secs, mps,
           mps * (double)a->size / 1e6);
    fflush(stdout);
}

/* drops: total counted by the library over the data phase, or -1 when the
 * library does not count them; per_pipe: JSON array text or NULL. */
static inline void bench_print_pub(const char *lib, const char *api, const char *version,
                                   const struct bench_args *a, int subs, uint64_t send_ns,
                                   long long drops, const char *per_pipe)
{
    double secs = (double)send_ns / 1e9;
    if (secs <= 0) secs = 1e-9;
    bench_json_head(lib, api, version, a, "fanout");
    printf("\"role\":\"pub\",\"count\":%ld,\"subs\":%d,\"sent_total\":%ld,\"elapsed_s\":%.6f,"
           "\"send_msgs_per_s\":%.1f,",
           a->count, subs, a->count * (long)subs, secs, (double)a->count / secs);
    if (drops >= 0)
        printf("\"drops\":%lld,\"drops_per_pipe\":%s}\n", drops, per_pipe ? per_pipe : "[]");
    else
        printf("\"drops\":null}\n");
    fflush(stdout);
}

#endif /* BENCH_COMMON_H */
