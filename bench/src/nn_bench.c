/*
 * nn_bench.c - the benchmark written against the nanomsg C API and nothing
 * else (<nanomsg/nn.h> and the protocol headers).
 *
 * This one file is compiled, unchanged, against every library that offers
 * that API: nanomsg itself, NNG's compatibility layer (its headers under
 * /usr/include/nng/compat) and nanoport (`pkg-config nanoport-nanomsg`).
 * -DBENCH_LIB="label" and -DBENCH_LIB_VERSION="..." name the library in the
 * JSON lines; nothing else differs between the builds.
 *
 * Roles, command line and environment: bench_common.h.  Besides the four
 * classic roles this program has the fan-out roles (pub, sub), the
 * one-process inproc roles and BENCH_STREAMS for local_thr/remote_thr.
 */
#include "bench_common.h"

#include <pthread.h>

#include <nanomsg/nn.h>
#include <nanomsg/pair.h>
#include <nanomsg/pipeline.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/reqrep.h>

#ifndef BENCH_LIB
#define BENCH_LIB "nanomsg"
#endif
#ifndef BENCH_LIB_VERSION
#define BENCH_LIB_VERSION ""
#endif

#define MAX_STREAMS 64
#define URL_MAX 512

static void nn_fail(const char *what)
{
    int e = nn_errno();
    bench_die("%s (%s): %s [errno %d]", what, BENCH_LIB, nn_strerror(e), e);
}

static int open_socket(int proto)
{
    int s = nn_socket(AF_SP, proto);
    int unlimited = -1;
    if (s < 0)
        nn_fail("nn_socket");
    /* no limit on the size of an incoming message (the default, 1 MiB,
     * would refuse a 1 MiB body) */
    if (nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &unlimited, sizeof(unlimited)) < 0)
        nn_fail("nn_setsockopt(NN_RCVMAXSIZE)");
    return s;
}

static void set_recv_timeout(int s, int ms)
{
    if (nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &ms, sizeof(ms)) < 0)
        nn_fail("nn_setsockopt(NN_RCVTIMEO)");
}

static void bind_to(int s, const char *url)
{
    if (nn_bind(s, url) < 0)
        nn_fail("nn_bind");
}

static void connect_to(int s, const char *url)
{
    if (nn_connect(s, url) < 0)
        nn_fail("nn_connect");
}

static int thr_proto(const struct bench_args *a, int receiver)
{
    if (strcmp(a->pattern, "pair") == 0)
        return NN_PAIR;
    return receiver ? NN_PULL : NN_PUSH;
}

static int lat_proto(const struct bench_args *a, int echo)
{
    if (strcmp(a->pattern, "pair") == 0)
        return NN_PAIR;
    return echo ? NN_REP : NN_REQ;
}

/* Sends SIZE bytes of payload stamped with seq. */
static void send_one(int s, const struct bench_args *a, unsigned char *payload, uint64_t seq)
{
    int rc;
    if (a->msg_mode) {
        void *m = nn_allocmsg(a->size, 0);
        if (!m)
            nn_fail("nn_allocmsg");
        memcpy(m, payload, a->size);
        bench_stamp(m, a->size, seq);
        rc = nn_send(s, &m, NN_MSG, 0);
        if (rc < 0) {
            nn_freemsg(m);
            nn_fail("nn_send(NN_MSG)");
        }
    } else {
        bench_stamp(payload, a->size, seq);
        rc = nn_send(s, payload, a->size, 0);
        if (rc < 0)
            nn_fail("nn_send");
    }
    if ((size_t)rc != a->size)
        bench_die("nn_send: sent %d of %zu bytes", rc, a->size);
}

/* Receives one message and checks its size and stamp. */
static void recv_one(int s, const struct bench_args *a, unsigned char *buf, uint64_t seq)
{
    int rc;
    if (a->msg_mode) {
        void *m = NULL;
        rc = nn_recv(s, &m, NN_MSG, 0);
        if (rc < 0)
            nn_fail("nn_recv(NN_MSG)");
        bench_check(m, (size_t)rc, a->size, seq);
        nn_freemsg(m);
    } else {
        rc = nn_recv(s, buf, a->size, 0);
        if (rc < 0)
            nn_fail("nn_recv");
        bench_check(buf, (size_t)rc, a->size, seq);
    }
}

/* Receives one message and sends it back (the echo side of a latency run). */
static void echo_one(int s, const struct bench_args *a, unsigned char *buf)
{
    int rc;
    if (a->msg_mode) {
        void *m = NULL;
        rc = nn_recv(s, &m, NN_MSG, 0);
        if (rc < 0)
            nn_fail("nn_recv(NN_MSG)");
        if ((size_t)rc != a->size)
            bench_die("echo: got %d bytes, expected %zu", rc, a->size);
        if (nn_send(s, &m, NN_MSG, 0) < 0) /* the library owns m again */
            nn_fail("nn_send(NN_MSG)");
    } else {
        rc = nn_recv(s, buf, a->size, 0);
        if (rc < 0)
            nn_fail("nn_recv");
        if ((size_t)rc != a->size)
            bench_die("echo: got %d bytes, expected %zu", rc, a->size);
        if (nn_send(s, buf, a->size, 0) < 0)
            nn_fail("nn_send");
    }
}

/* ---- throughput ---------------------------------------------------------- */

struct stream {
    const struct bench_args *a;
    int s;
    uint64_t t0, t1;
    pthread_t thread;
};

/* Receiving end of one stream: waits for the 0-byte start marker (so that
 * connecting is not timed), then takes COUNT messages. */
static void *recv_stream(void *arg)
{
    struct stream *st = (struct stream *)arg;
    const struct bench_args *a = st->a;
    unsigned char *buf = bench_payload(a->size);
    char marker;
    long i;
    int rc = nn_recv(st->s, &marker, sizeof(marker), 0);
    if (rc < 0)
        nn_fail("nn_recv(start marker)");
    if (rc != 0)
        bench_die("start marker has %d bytes, expected 0", rc);
    st->t0 = bench_now_ns();
    for (i = 0; i < a->count; i++)
        recv_one(st->s, a, buf, (uint64_t)i);
    st->t1 = bench_now_ns();
    free(buf);
    return NULL;
}

static void *send_stream(void *arg)
{
    struct stream *st = (struct stream *)arg;
    const struct bench_args *a = st->a;
    unsigned char *payload = bench_payload(a->size);
    long i;
    if (nn_send(st->s, "", 0, 0) != 0)
        nn_fail("nn_send(start marker)");
    for (i = 0; i < a->count; i++)
        send_one(st->s, a, payload, (uint64_t)i);
    free(payload);
    return NULL;
}

static void run_streams(struct stream *st, int n, void *(*fn)(void *))
{
    int i;
    if (n == 1) {
        fn(&st[0]);
        return;
    }
    for (i = 0; i < n; i++)
        if (pthread_create(&st[i].thread, NULL, fn, &st[i]) != 0)
            bench_die("pthread_create failed");
    for (i = 0; i < n; i++)
        pthread_join(st[i].thread, NULL);
}

static void print_streams(const struct bench_args *a, struct stream *st, int n)
{
    uint64_t t0 = st[0].t0, t1 = st[0].t1;
    char extra[64 + MAX_STREAMS * 24];
    size_t off;
    int i;
    if (n == 1) {
        bench_print_thr(BENCH_LIB, "nn", BENCH_LIB_VERSION, a, t1 - t0);
        return;
    }
    off = (size_t)snprintf(extra, sizeof(extra), ",\"streams\":%d,\"stream_msgs_per_s\":[", n);
    for (i = 0; i < n; i++) {
        if (st[i].t0 < t0) t0 = st[i].t0;
        if (st[i].t1 > t1) t1 = st[i].t1;
        off += (size_t)snprintf(extra + off, sizeof(extra) - off, "%s%.1f", i ? "," : "",
                                (double)a->count * 1e9 / (double)(st[i].t1 - st[i].t0 + 1));
    }
    snprintf(extra + off, sizeof(extra) - off, "]");
    bench_print_thr_ex(BENCH_LIB, "nn", BENCH_LIB_VERSION, a, a->count * n, t1 - t0, extra);
}

static void local_thr(const struct bench_args *a)
{
    struct stream st[MAX_STREAMS];
    char url[URL_MAX];
    int n = bench_streams(), i;
    for (i = 0; i < n; i++) {
        st[i].a = a;
        st[i].s = open_socket(thr_proto(a, 1));
        bench_stream_url(a->url, i, url, sizeof(url));
        bind_to(st[i].s, url);
    }
    bench_ready();
    run_streams(st, n, recv_stream);
    print_streams(a, st, n);
    for (i = 0; i < n; i++)
        nn_close(st[i].s);
}

static void remote_thr(const struct bench_args *a)
{
    struct stream st[MAX_STREAMS];
    char url[URL_MAX];
    int n = bench_streams(), i;
    for (i = 0; i < n; i++) {
        st[i].a = a;
        st[i].s = open_socket(thr_proto(a, 0));
        bench_stream_url(a->url, i, url, sizeof(url));
        connect_to(st[i].s, url);
    }
    run_streams(st, n, send_stream);
    /* nn_close() need not flush what is still queued: stay connected until
     * the receiver has it all (the driver kills us then) */
    bench_linger();
    for (i = 0; i < n; i++)
        nn_close(st[i].s);
}

/* ---- latency ------------------------------------------------------------- */

static void echo_loop(int s, const struct bench_args *a)
{
    unsigned char *buf = bench_payload(a->size);
    long total = a->count + bench_lat_warmup(a->count), i;
    for (i = 0; i < total; i++)
        echo_one(s, a, buf);
    free(buf);
}

static void ping_loop(int s, const struct bench_args *a)
{
    unsigned char *payload = bench_payload(a->size);
    unsigned char *buf = bench_payload(a->size);
    long warm = bench_lat_warmup(a->count), i;
    uint64_t *rtt = (uint64_t *)malloc(sizeof(uint64_t) * (size_t)a->count);
    uint64_t t0, ts, te;
    if (!rtt)
        bench_die("out of memory");
    for (i = 0; i < warm; i++) {
        send_one(s, a, payload, (uint64_t)i);
        recv_one(s, a, buf, (uint64_t)i);
    }
    t0 = ts = bench_now_ns();
    for (i = 0; i < a->count; i++) {
        send_one(s, a, payload, (uint64_t)(warm + i));
        recv_one(s, a, buf, (uint64_t)(warm + i));
        te = bench_now_ns();
        rtt[i] = te - ts;
        ts = te;
    }
    bench_print_lat(BENCH_LIB, "nn", BENCH_LIB_VERSION, a, ts - t0, rtt);
    free(rtt);
    free(buf);
    free(payload);
}

static void local_lat(const struct bench_args *a)
{
    int s = open_socket(lat_proto(a, 1));
    bind_to(s, a->url);
    bench_ready();
    echo_loop(s, a);
    bench_linger(); /* let the last reply leave */
    nn_close(s);
}

static void remote_lat(const struct bench_args *a)
{
    int s = open_socket(lat_proto(a, 0));
    connect_to(s, a->url);
    ping_loop(s, a);
    nn_close(s);
}

/* ---- inproc: both ends in this process ----------------------------------- */

struct inproc_peer {
    const struct bench_args *a;
    int s;
};

static void *inproc_sender(void *arg)
{
    struct inproc_peer *p = (struct inproc_peer *)arg;
    struct stream st;
    st.a = p->a;
    st.s = p->s;
    send_stream(&st);
    return NULL;
}

static void *inproc_echo(void *arg)
{
    struct inproc_peer *p = (struct inproc_peer *)arg;
    echo_loop(p->s, p->a);
    return NULL;
}

static void inproc_thr(const struct bench_args *a)
{
    struct stream rx;
    struct inproc_peer tx;
    pthread_t th;
    rx.a = a;
    rx.s = open_socket(thr_proto(a, 1));
    bind_to(rx.s, a->url);
    tx.a = a;
    tx.s = open_socket(thr_proto(a, 0));
    connect_to(tx.s, a->url);
    if (pthread_create(&th, NULL, inproc_sender, &tx) != 0)
        bench_die("pthread_create failed");
    recv_stream(&rx);
    pthread_join(th, NULL);
    bench_print_thr(BENCH_LIB, "nn", BENCH_LIB_VERSION, a, rx.t1 - rx.t0);
    nn_close(tx.s);
    nn_close(rx.s);
}

static void inproc_lat(const struct bench_args *a)
{
    struct inproc_peer echo;
    pthread_t th;
    int s;
    echo.a = a;
    echo.s = open_socket(lat_proto(a, 1));
    bind_to(echo.s, a->url);
    s = open_socket(lat_proto(a, 0));
    connect_to(s, a->url);
    if (pthread_create(&th, NULL, inproc_echo, &echo) != 0)
        bench_die("pthread_create failed");
    ping_loop(s, a);
    pthread_join(th, NULL);
    nn_close(s);
    nn_close(echo.s);
}

/* ---- fan-out ------------------------------------------------------------- */

static const char *sync_url(void)
{
    const char *u = getenv("BENCH_SYNC_URL");
    if (!u || !*u)
        bench_die("pub/sub need BENCH_SYNC_URL");
    return u;
}

/* Sends the 1-byte control message ctl every millisecond until `want`
 * one-byte answers equal to reply have arrived on sync. */
static void pub_handshake(int pub, int sync, char ctl, char reply, int want)
{
    uint64_t deadline = bench_now_ns() + 30000000000ull;
    int got = 0;
    while (got < want) {
        char c;
        int rc;
        if (nn_send(pub, &ctl, 1, 0) < 0)
            nn_fail("nn_send(control)");
        while ((rc = nn_recv(sync, &c, 1, NN_DONTWAIT)) >= 0)
            if (rc == 1 && c == reply)
                got++;
        if (nn_errno() != EAGAIN)
            nn_fail("nn_recv(sync)");
        if (bench_now_ns() > deadline)
            bench_die("fan-out: only %d of %d subscribers answered '%c'", got, want, reply);
        if (got < want)
            bench_sleep_ms(1);
    }
}

static void pub_role(const struct bench_args *a)
{
    int subs = (int)bench_env_long("BENCH_SUBS", 4);
    int pub = open_socket(NN_PUB);
    int sync = open_socket(NN_PULL);
    unsigned char *payload = bench_payload(a->size);
    uint64_t t0, t1;
    long i;
    bind_to(pub, a->url);
    bind_to(sync, sync_url());
    bench_ready();
    pub_handshake(pub, sync, BENCH_CTL_PROBE, 'R', subs);
    t0 = bench_now_ns();
    for (i = 0; i < a->count; i++)
        send_one(pub, a, payload, (uint64_t)i);
    t1 = bench_now_ns();
    pub_handshake(pub, sync, BENCH_CTL_END, 'D', subs);
    /* the nanomsg C API has no counter of messages PUB dropped */
    bench_print_pub(BENCH_LIB, "nn", BENCH_LIB_VERSION, a, subs, t1 - t0, -1, NULL);
    nn_close(sync);
    nn_close(pub);
    free(payload);
}

static void sub_role(const struct bench_args *a)
{
    int sub = open_socket(NN_SUB);
    int sync = open_socket(NN_PUSH);
    unsigned char *buf = bench_payload(a->size);
    struct bench_sub_state st;
    bench_sub_init(&st);
    if (nn_setsockopt(sub, NN_SUB, NN_SUB_SUBSCRIBE, "", 0) < 0)
        nn_fail("nn_setsockopt(NN_SUB_SUBSCRIBE)");
    set_recv_timeout(sub, 30000);
    connect_to(sub, a->url);
    connect_to(sync, sync_url());
    for (;;) {
        int rc, what;
        void *m = NULL;
        if (a->msg_mode) {
            rc = nn_recv(sub, &m, NN_MSG, 0);
        } else {
            rc = nn_recv(sub, buf, a->size, 0);
        }
        if (rc < 0)
            nn_fail("nn_recv(sub)");
        what = bench_sub_feed(&st, a, a->msg_mode ? m : buf, (size_t)rc);
        if (m)
            nn_freemsg(m);
        if (what == 'P' && nn_send(sync, "R", 1, 0) != 1)
            nn_fail("nn_send(ready)");
        if (what == 'E')
            break;
    }
    bench_print_sub(BENCH_LIB, "nn", BENCH_LIB_VERSION, a, &st);
    if (nn_send(sync, "D", 1, 0) != 1)
        nn_fail("nn_send(done)");
    bench_linger(); /* until "done" has left; the driver ends us sooner */
    nn_close(sync);
    nn_close(sub);
    free(buf);
}

int main(int argc, char **argv)
{
    struct bench_args a;
    bench_parse(argc, argv, &a);
    switch (a.role) {
    case ROLE_LOCAL_THR: local_thr(&a); break;
    case ROLE_REMOTE_THR: remote_thr(&a); break;
    case ROLE_LOCAL_LAT: local_lat(&a); break;
    case ROLE_REMOTE_LAT: remote_lat(&a); break;
    case ROLE_PUB: pub_role(&a); break;
    case ROLE_SUB: sub_role(&a); break;
    case ROLE_INPROC_THR: inproc_thr(&a); break;
    case ROLE_INPROC_LAT: inproc_lat(&a); break;
    }
    return 0;
}
