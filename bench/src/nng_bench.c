/*
 * nng_bench.c - throughput and latency benchmark using nng's native API.
 *
 * buf mode: nng_send()/nng_recv() with caller buffers (nng copies).
 * msg mode: nng_msg objects with nng_sendmsg()/nng_recvmsg(), which nng's
 *           documentation names as the faster path (fewer copies and
 *           allocations); the echo side sends the received message back.
 * Protocols: push0/pull0 and pair0 (wire-compatible with nanomsg's NN_PAIR),
 *            req0/rep0, pub0/sub0 (fan-out roles pub and sub; the sync
 *            channel is push0/pull0).  nng counts no PUB drops, so the
 *            publisher reports "drops": null.  The inproc roles and
 *            BENCH_STREAMS are not implemented here (the driver uses them
 *            with nanomsg-API programs and nanoport only).
 *
 * Usage: see bench_common.h.
 */
#include "bench_common.h"

#include <nng/nng.h>
#include <nng/protocol/pair0/pair.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#ifndef BENCH_LIB
#define BENCH_LIB "nng"
#endif

static void nng_fail(const char *what, int rv)
{
    bench_die("%s (%s): %s [%d]", what, BENCH_LIB, nng_strerror(rv), rv);
}

enum kind { K_PUSH, K_PULL, K_PAIR, K_REQ, K_REP, K_PUB, K_SUB };

static nng_socket open_socket(enum kind k)
{
    nng_socket s;
    int rv;
    switch (k) {
    case K_PUSH: rv = nng_push0_open(&s); break;
    case K_PULL: rv = nng_pull0_open(&s); break;
    case K_PAIR: rv = nng_pair0_open(&s); break;
    case K_REQ: rv = nng_req0_open(&s); break;
    case K_PUB: rv = nng_pub0_open(&s); break;
    case K_SUB: rv = nng_sub0_open(&s); break;
    default: rv = nng_rep0_open(&s); break;
    }
    if (rv != 0)
        nng_fail("open socket", rv);
    /* 0 = no limit on incoming message size (default is 1 MiB) */
    if ((rv = nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, 0)) != 0)
        nng_fail("nng_socket_set_size(NNG_OPT_RECVMAXSZ)", rv);
    return s;
}

static void do_bind(nng_socket s, const char *url)
{
    int rv = nng_listen(s, url, NULL, 0);
    if (rv != 0)
        nng_fail("nng_listen", rv);
    bench_ready();
}

static void do_connect(nng_socket s, const char *url)
{
    /* non-blocking dial: keeps retrying in the background if the listener
     * is not there yet, like nn_connect/zmq_connect */
    int rv = nng_dial(s, url, NULL, NNG_FLAG_NONBLOCK);
    if (rv != 0)
        nng_fail("nng_dial", rv);
}

static void send_one(nng_socket s, const struct bench_args *a, unsigned char *payload,
                     uint64_t seq)
{
    int rv;
    if (a->msg_mode) {
        nng_msg *m;
        if ((rv = nng_msg_alloc(&m, a->size)) != 0)
            nng_fail("nng_msg_alloc", rv);
        memcpy(nng_msg_body(m), payload, a->size);
        bench_stamp(nng_msg_body(m), a->size, seq);
        if ((rv = nng_sendmsg(s, m, 0)) != 0) {
            nng_msg_free(m);
            nng_fail("nng_sendmsg", rv);
        }
    } else {
        bench_stamp(payload, a->size, seq);
        if ((rv = nng_send(s, payload, a->size, 0)) != 0)
            nng_fail("nng_send", rv);
    }
}

static void recv_one(nng_socket s, const struct bench_args *a, unsigned char *buf, uint64_t seq)
{
    int rv;
    if (a->msg_mode) {
        nng_msg *m;
        if ((rv = nng_recvmsg(s, &m, 0)) != 0)
            nng_fail("nng_recvmsg", rv);
        bench_check(nng_msg_body(m), nng_msg_len(m), a->size, seq);
        nng_msg_free(m);
    } else {
        size_t sz = a->size;
        if ((rv = nng_recv(s, buf, &sz, 0)) != 0)
            nng_fail("nng_recv", rv);
        bench_check(buf, sz, a->size, seq);
    }
}

static void local_thr(const struct bench_args *a)
{
    nng_socket s = open_socket(strcmp(a->pattern, "pair") == 0 ? K_PAIR : K_PULL);
    unsigned char *buf = bench_payload(a->size);
    char sync;
    size_t sz = sizeof(sync);
    uint64_t t0, t1;
    long i;
    int rv;

    do_bind(s, a->url);
    if ((rv = nng_recv(s, &sync, &sz, 0)) != 0) /* zero-byte start marker */
        nng_fail("nng_recv(sync)", rv);
    if (sz != 0)
        bench_die("start marker has %zu bytes, expected 0", sz);
    t0 = bench_now_ns();
    for (i = 0; i < a->count; i++)
        recv_one(s, a, buf, (uint64_t)i);
    t1 = bench_now_ns();
    bench_print_thr(BENCH_LIB, "nng", nng_version(), a, t1 - t0);
    nng_close(s);
    free(buf);
}

static void remote_thr(const struct bench_args *a)
{
    nng_socket s = open_socket(strcmp(a->pattern, "pair") == 0 ? K_PAIR : K_PUSH);
    unsigned char *payload = bench_payload(a->size);
    long i;
    int rv;

    do_connect(s, a->url);
    if ((rv = nng_send(s, "", 0, 0)) != 0)
        nng_fail("nng_send(sync)", rv);
    for (i = 0; i < a->count; i++)
        send_one(s, a, payload, (uint64_t)i);
    /* nng_close() discards queued messages: stay until the driver kills us */
    bench_linger();
    nng_close(s);
    free(payload);
}

static void local_lat(const struct bench_args *a)
{
    nng_socket s = open_socket(strcmp(a->pattern, "pair") == 0 ? K_PAIR : K_REP);
    unsigned char *buf = bench_payload(a->size);
    long total = a->count + bench_lat_warmup(a->count);
    long i;
    int rv;

    do_bind(s, a->url);
    for (i = 0; i < total; i++) {
        if (a->msg_mode) {
            nng_msg *m;
            if ((rv = nng_recvmsg(s, &m, 0)) != 0)
                nng_fail("nng_recvmsg", rv);
            if (nng_msg_len(m) != a->size)
                bench_die("echo: got %zu bytes, expected %zu", nng_msg_len(m), a->size);
            if ((rv = nng_sendmsg(s, m, 0)) != 0)
                nng_fail("nng_sendmsg", rv);
        } else {
            size_t sz = a->size;
            if ((rv = nng_recv(s, buf, &sz, 0)) != 0)
                nng_fail("nng_recv", rv);
            if (sz != a->size)
                bench_die("echo: got %zu bytes, expected %zu", sz, a->size);
            if ((rv = nng_send(s, buf, a->size, 0)) != 0)
                nng_fail("nng_send", rv);
        }
    }
    bench_linger();
    nng_close(s);
    free(buf);
}

static void remote_lat(const struct bench_args *a)
{
    nng_socket s = open_socket(strcmp(a->pattern, "pair") == 0 ? K_PAIR : K_REQ);
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
    bench_print_lat(BENCH_LIB, "nng", nng_version(), a, ts - t0, rtt);
    nng_close(s);
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

static void pub_handshake(nng_socket pub, nng_socket sync, char ctl, char reply, int want)
{
    uint64_t deadline = bench_now_ns() + 30000000000ull;
    int got = 0, rv;
    while (got < want) {
        char c;
        size_t sz = 1;
        if ((rv = nng_send(pub, &ctl, 1, 0)) != 0)
            nng_fail("nng_send(control)", rv);
        while ((rv = nng_recv(sync, &c, &sz, NNG_FLAG_NONBLOCK)) == 0) {
            if (sz == 1 && c == reply)
                got++;
            sz = 1;
        }
        if (rv != NNG_EAGAIN)
            nng_fail("nng_recv(sync)", rv);
        if (bench_now_ns() > deadline)
            bench_die("fan-out: only %d of %d subscribers answered '%c'", got, want, reply);
        if (got < want)
            bench_sleep_ms(1);
    }
}

static void pub_role(const struct bench_args *a)
{
    int subs = (int)bench_env_long("BENCH_SUBS", 4);
    nng_socket pub = open_socket(K_PUB);
    nng_socket sync = open_socket(K_PULL);
    unsigned char *payload = bench_payload(a->size);
    uint64_t t0, t1;
    long i;
    int rv;
    if ((rv = nng_listen(pub, a->url, NULL, 0)) != 0)
        nng_fail("nng_listen", rv);
    if ((rv = nng_listen(sync, sync_url(), NULL, 0)) != 0)
        nng_fail("nng_listen(sync)", rv);
    bench_ready();
    pub_handshake(pub, sync, BENCH_CTL_PROBE, 'R', subs);
    t0 = bench_now_ns();
    for (i = 0; i < a->count; i++)
        send_one(pub, a, payload, (uint64_t)i);
    t1 = bench_now_ns();
    pub_handshake(pub, sync, BENCH_CTL_END, 'D', subs);
    bench_print_pub(BENCH_LIB, "nng", nng_version(), a, subs, t1 - t0, -1, NULL);
    nng_close(sync);
    nng_close(pub);
    free(payload);
}

static void sub_role(const struct bench_args *a)
{
    nng_socket sub = open_socket(K_SUB);
    nng_socket sync = open_socket(K_PUSH);
    unsigned char *buf = bench_payload(a->size);
    struct bench_sub_state st;
    int rv;
    bench_sub_init(&st);
    if ((rv = nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, "", 0)) != 0)
        nng_fail("nng_socket_set(NNG_OPT_SUB_SUBSCRIBE)", rv);
    if ((rv = nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 30000)) != 0)
        nng_fail("nng_socket_set_ms(NNG_OPT_RECVTIMEO)", rv);
    do_connect(sub, a->url);
    do_connect(sync, sync_url());
    for (;;) {
        int what;
        if (a->msg_mode) {
            nng_msg *m;
            if ((rv = nng_recvmsg(sub, &m, 0)) != 0)
                nng_fail("nng_recvmsg(sub)", rv);
            what = bench_sub_feed(&st, a, nng_msg_body(m), nng_msg_len(m));
            nng_msg_free(m);
        } else {
            size_t sz = a->size;
            if ((rv = nng_recv(sub, buf, &sz, 0)) != 0)
                nng_fail("nng_recv(sub)", rv);
            what = bench_sub_feed(&st, a, buf, sz);
        }
        if (what == 'P' && (rv = nng_send(sync, "R", 1, 0)) != 0)
            nng_fail("nng_send(ready)", rv);
        if (what == 'E')
            break;
    }
    bench_print_sub(BENCH_LIB, "nng", nng_version(), a, &st);
    if ((rv = nng_send(sync, "D", 1, 0)) != 0)
        nng_fail("nng_send(done)", rv);
    bench_linger();
    nng_close(sync);
    nng_close(sub);
    free(buf);
}

int main(int argc, char **argv)
{
    struct bench_args a;
    bench_parse(argc, argv, &a);
    if (bench_streams() != 1)
        bench_die("BENCH_STREAMS is not implemented for %s", BENCH_LIB);
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
