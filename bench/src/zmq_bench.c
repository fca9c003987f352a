/*
 * zmq_bench.c - throughput and latency benchmark using libzmq's C API.
 *
 * buf mode: zmq_send()/zmq_recv() with caller buffers.
 * msg mode: zmq_msg_t with zmq_msg_send()/zmq_msg_recv(); the echo side
 *           sends the received message object back.
 * Protocols: ZMQ_PUSH/ZMQ_PULL or ZMQ_PAIR, ZMQ_REQ/ZMQ_REP, ZMQ_PUB/ZMQ_SUB
 * (fan-out roles pub and sub; the sync channel is PUSH/PULL).  libzmq
 * counts no PUB drops (a subscriber over its high-water mark silently
 * misses messages), so the publisher reports "drops": null.  The inproc
 * roles and BENCH_STREAMS are not implemented here.
 *
 * High-water marks are raised above the default of 1000 messages for small
 * messages (bounded to ~64 MiB of queued payload), and ZMQ_LINGER is bounded
 * so a close can never block forever.  zmq_ctx_term() flushes the queue, so
 * the zmq sender needs no linger sleep.
 *
 * Usage: see bench_common.h.
 */
#include "bench_common.h"

#include <zmq.h>

#ifndef BENCH_LIB
#define BENCH_LIB "zmq"
#endif

static char version[32];

static void zmq_fail(const char *what)
{
    int e = zmq_errno();
    bench_die("%s (%s): %s [errno %d]", what, BENCH_LIB, zmq_strerror(e), e);
}

static void *ctx;

static void *open_socket(int type, size_t size)
{
    void *s;
    long hwm_l = (long)((64u << 20) / (size ? size : 1));
    int hwm = hwm_l < 1000 ? 1000 : hwm_l > 100000 ? 100000 : (int)hwm_l;
    int linger = 10000;
    if (!ctx && !(ctx = zmq_ctx_new()))
        zmq_fail("zmq_ctx_new");
    if (!(s = zmq_socket(ctx, type)))
        zmq_fail("zmq_socket");
    if (zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm)) != 0)
        zmq_fail("zmq_setsockopt(ZMQ_SNDHWM)");
    if (zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof(hwm)) != 0)
        zmq_fail("zmq_setsockopt(ZMQ_RCVHWM)");
    if (zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger)) != 0)
        zmq_fail("zmq_setsockopt(ZMQ_LINGER)");
    return s;
}

static void close_socket(void *s)
{
    zmq_close(s);
    zmq_ctx_term(ctx); /* waits (up to ZMQ_LINGER) until queued messages are sent */
    ctx = NULL;
}

static void do_bind(void *s, const char *url)
{
    if (zmq_bind(s, url) != 0)
        zmq_fail("zmq_bind");
    bench_ready();
}

static void do_connect(void *s, const char *url)
{
    if (zmq_connect(s, url) != 0)
        zmq_fail("zmq_connect");
}

static void send_one(void *s, const struct bench_args *a, unsigned char *payload, uint64_t seq)
{
    int rc;
    if (a->msg_mode) {
        zmq_msg_t m;
        if (zmq_msg_init_size(&m, a->size) != 0)
            zmq_fail("zmq_msg_init_size");
        memcpy(zmq_msg_data(&m), payload, a->size);
        bench_stamp(zmq_msg_data(&m), a->size, seq);
        rc = zmq_msg_send(&m, s, 0);
        if (rc < 0) {
            zmq_msg_close(&m);
            zmq_fail("zmq_msg_send");
        }
    } else {
        bench_stamp(payload, a->size, seq);
        rc = zmq_send(s, payload, a->size, 0);
        if (rc < 0)
            zmq_fail("zmq_send");
    }
    if ((size_t)rc != a->size)
        bench_die("zmq send: sent %d of %zu bytes", rc, a->size);
}

static void recv_one(void *s, const struct bench_args *a, unsigned char *buf, uint64_t seq)
{
    int rc;
    if (a->msg_mode) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if ((rc = zmq_msg_recv(&m, s, 0)) < 0)
            zmq_fail("zmq_msg_recv");
        bench_check(zmq_msg_data(&m), zmq_msg_size(&m), a->size, seq);
        zmq_msg_close(&m);
    } else {
        if ((rc = zmq_recv(s, buf, a->size, 0)) < 0)
            zmq_fail("zmq_recv");
        bench_check(buf, (size_t)rc, a->size, seq);
    }
}

static void local_thr(const struct bench_args *a)
{
    void *s = open_socket(strcmp(a->pattern, "pair") == 0 ? ZMQ_PAIR : ZMQ_PULL, a->size);
    unsigned char *buf = bench_payload(a->size);
    char sync;
    uint64_t t0, t1;
    long i;
    int rc;

    do_bind(s, a->url);
    if ((rc = zmq_recv(s, &sync, sizeof(sync), 0)) < 0) /* zero-byte start marker */
        zmq_fail("zmq_recv(sync)");
    if (rc != 0)
        bench_die("start marker has %d bytes, expected 0", rc);
    t0 = bench_now_ns();
    for (i = 0; i < a->count; i++)
        recv_one(s, a, buf, (uint64_t)i);
    t1 = bench_now_ns();
    bench_print_thr(BENCH_LIB, "zmq", version, a, t1 - t0);
    close_socket(s);
    free(buf);
}

static void remote_thr(const struct bench_args *a)
{
    void *s = open_socket(strcmp(a->pattern, "pair") == 0 ? ZMQ_PAIR : ZMQ_PUSH, a->size);
    unsigned char *payload = bench_payload(a->size);
    long i;

    do_connect(s, a->url);
    if (zmq_send(s, "", 0, 0) != 0)
        zmq_fail("zmq_send(sync)");
    for (i = 0; i < a->count; i++)
        send_one(s, a, payload, (uint64_t)i);
    close_socket(s); /* flushes */
    free(payload);
}

static void local_lat(const struct bench_args *a)
{
    void *s = open_socket(strcmp(a->pattern, "pair") == 0 ? ZMQ_PAIR : ZMQ_REP, a->size);
    unsigned char *buf = bench_payload(a->size);
    long total = a->count + bench_lat_warmup(a->count);
    long i;
    int rc;

    do_bind(s, a->url);
    for (i = 0; i < total; i++) {
        if (a->msg_mode) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if ((rc = zmq_msg_recv(&m, s, 0)) < 0)
                zmq_fail("zmq_msg_recv");
            if ((size_t)rc != a->size)
                bench_die("echo: got %d bytes, expected %zu", rc, a->size);
            if (zmq_msg_send(&m, s, 0) < 0)
                zmq_fail("zmq_msg_send");
            zmq_msg_close(&m);
        } else {
            if ((rc = zmq_recv(s, buf, a->size, 0)) < 0)
                zmq_fail("zmq_recv");
            if ((size_t)rc != a->size)
                bench_die("echo: got %d bytes, expected %zu", rc, a->size);
            if (zmq_send(s, buf, a->size, 0) < 0)
                zmq_fail("zmq_send");
        }
    }
    close_socket(s);
    free(buf);
}

static void remote_lat(const struct bench_args *a)
{
    void *s = open_socket(strcmp(a->pattern, "pair") == 0 ? ZMQ_PAIR : ZMQ_REQ, a->size);
    unsigned char *payload = bench_payload(a->size);
    unsigned char *buf = bench_payload(a->size);
    long warm = bench_lat_warmup(a->count);
    uint64_t *rtt = malloc(sizeof(uint64_t) * (size_t)a->count);
    uint64_t t0, ts, te;
    long i;

    if (!rtt)
        bench_die("out of memory");
    do_connect(s, a->url);
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
    bench_print_lat(BENCH_LIB, "zmq", version, a, ts - t0, rtt);
    close_socket(s);
    free(rtt);
    free(buf);
    free(payload);
}

/* ---- fan-out (see bench_common.h) ---------------------------------------- */

static const char *sync_url(void)
{
    const char *u = getenv("BENCH_SYNC_URL");
    if (!u || !*u)
        bench_die("pub/sub need BENCH_SYNC_URL");
    return u;
}

static void pub_handshake(void *pub, void *sync, char ctl, char reply, int want)
{
    uint64_t deadline = bench_now_ns() + 30000000000ull;
    int got = 0, rc;
    while (got < want) {
        char c;
        if (zmq_send(pub, &ctl, 1, 0) < 0)
            zmq_fail("zmq_send(control)");
        while ((rc = zmq_recv(sync, &c, 1, ZMQ_DONTWAIT)) >= 0)
            if (rc == 1 && c == reply)
                got++;
        if (zmq_errno() != EAGAIN)
            zmq_fail("zmq_recv(sync)");
        if (bench_now_ns() > deadline)
            bench_die("fan-out: only %d of %d subscribers answered '%c'", got, want, reply);
        if (got < want)
            bench_sleep_ms(1);
    }
}

static void pub_role(const struct bench_args *a)
{
    int subs = (int)bench_env_long("BENCH_SUBS", 4);
    void *pub = open_socket(ZMQ_PUB, a->size);
    void *sync = open_socket(ZMQ_PULL, 1);
    unsigned char *payload = bench_payload(a->size);
    uint64_t t0, t1;
    int zero = 0;
    long i;
    if (zmq_bind(pub, a->url) != 0)
        zmq_fail("zmq_bind");
    if (zmq_bind(sync, sync_url()) != 0)
        zmq_fail("zmq_bind(sync)");
    bench_ready();
    pub_handshake(pub, sync, BENCH_CTL_PROBE, 'R', subs);
    t0 = bench_now_ns();
    for (i = 0; i < a->count; i++)
        send_one(pub, a, payload, (uint64_t)i);
    t1 = bench_now_ns();
    pub_handshake(pub, sync, BENCH_CTL_END, 'D', subs);
    bench_print_pub(BENCH_LIB, "zmq", version, a, subs, t1 - t0, -1, NULL);
    /* every subscriber is done: what is still queued (end markers) can go */
    zmq_setsockopt(pub, ZMQ_LINGER, &zero, sizeof(zero));
    zmq_setsockopt(sync, ZMQ_LINGER, &zero, sizeof(zero));
    zmq_close(sync);
    close_socket(pub);
    free(payload);
}

static void sub_role(const struct bench_args *a)
{
    void *sub = open_socket(ZMQ_SUB, a->size);
    void *sync = open_socket(ZMQ_PUSH, 1);
    unsigned char *buf = bench_payload(a->size);
    struct bench_sub_state st;
    int timeout = 30000;
    bench_sub_init(&st);
    if (zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0) != 0)
        zmq_fail("zmq_setsockopt(ZMQ_SUBSCRIBE)");
    if (zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout, sizeof(timeout)) != 0)
        zmq_fail("zmq_setsockopt(ZMQ_RCVTIMEO)");
    do_connect(sub, a->url);
    do_connect(sync, sync_url());
    for (;;) {
        int rc, what;
        if (a->msg_mode) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if ((rc = zmq_msg_recv(&m, sub, 0)) < 0)
                zmq_fail("zmq_msg_recv(sub)");
            what = bench_sub_feed(&st, a, zmq_msg_data(&m), zmq_msg_size(&m));
            zmq_msg_close(&m);
        } else {
            if ((rc = zmq_recv(sub, buf, a->size, 0)) < 0)
                zmq_fail("zmq_recv(sub)");
            what = bench_sub_feed(&st, a, buf, (size_t)rc);
        }
        if (what == 'P' && zmq_send(sync, "R", 1, 0) != 1)
            zmq_fail("zmq_send(ready)");
        if (what == 'E')
            break;
    }
    bench_print_sub(BENCH_LIB, "zmq", version, a, &st);
    if (zmq_send(sync, "D", 1, 0) != 1)
        zmq_fail("zmq_send(done)");
    zmq_close(sub);
    zmq_close(sync);
    zmq_ctx_term(ctx); /* flushes "done" (ZMQ_LINGER bounds the wait) */
    ctx = NULL;
    free(buf);
}

int main(int argc, char **argv)
{
    struct bench_args a;
    int maj, min, pat;
    bench_parse(argc, argv, &a);
    if (bench_streams() != 1)
        bench_die("BENCH_STREAMS is not implemented for %s", BENCH_LIB);
    zmq_version(&maj, &min, &pat);
    snprintf(version, sizeof(version), "%d.%d.%d", maj, min, pat);
    switch (a.role) {
    case ROLE_LOCAL_THR: local_thr(&a); break;
    case ROLE_REMOTE_THR: remote_thr(&a); break;
    case ROLE_LOCAL_LAT: local_lat(&a); break;
    case ROLE_REMOTE_LAT: remote_lat(&a); break;
    case ROLE_PUB: pub_role(&a); break;
    case ROLE_SUB: sub_role(&a); break;
    default: bench_die("role %s is not implemented for %s", a.role_name, BENCH_LIB);
    }
    return 0;
}
