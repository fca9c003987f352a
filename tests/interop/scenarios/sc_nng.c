/* sc_nng.c -- scenario backend over NNG's native API (Debian libnng).
 *
 * Socket types are the SP v0 ones (pair0, not NNG's pair1). Pipe callbacks
 * (NNG threads) keep the connection count; sc_stop_all() closes every socket,
 * which makes blocked calls and nng_device return NNG_ECLOSED. See
 * scenario.h. */
#define _POSIX_C_SOURCE 200809L

#include "scenario.h"

#include <nng/nng.h>
#include <nng/protocol/bus0/bus.h>
#include <nng/protocol/pair0/pair.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/protocol/survey0/respond.h>
#include <nng/protocol/survey0/survey.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

const char sc_library[] = "nng";

struct sc_socket {
    nng_socket socket;
    atomic_int pipes; /* live pipes; written by NNG's pipe callbacks */
};

/* Every socket opened, for sc_stop_all (main thread adds, stopper reads). */
enum { MAX_SOCKETS = 8 };
static struct sc_socket *sockets[MAX_SOCKETS];
static int nsockets;
static pthread_mutex_t sockets_lock = PTHREAD_MUTEX_INITIALIZER;

static enum sc_status failed(const char *what, const char *detail, int rv)
{
    if (sc_stopping()) {
        return SC_STOPPED;
    }
    switch (rv) {
    case NNG_ETIMEDOUT:
    case NNG_EAGAIN:
        return SC_TIMEDOUT;
    case NNG_EADDRINUSE:
        fprintf(stderr, "%s: %s %s: %s\n", sc_library, what, detail, nng_strerror(rv));
        return SC_ADDRINUSE;
    default:
        fprintf(stderr, "%s: %s %s: %s\n", sc_library, what, detail, nng_strerror(rv));
        return SC_FAILED;
    }
}

/* Runs on an NNG thread for every pipe added to / removed from the socket. */
static void on_pipe_event(nng_pipe pipe, nng_pipe_ev event, void *arg)
{
    struct sc_socket *s = arg;
    (void)pipe;
    atomic_fetch_add(&s->pipes, event == NNG_PIPE_EV_ADD_POST ? 1 : -1);
}

static int open_cooked(enum sc_proto proto, nng_socket *out)
{
    switch (proto) {
    case SC_PAIR:
        return nng_pair0_open(out);
    case SC_PUSH:
        return nng_push0_open(out);
    case SC_PULL:
        return nng_pull0_open(out);
    case SC_REQ:
        return nng_req0_open(out);
    case SC_REP:
        return nng_rep0_open(out);
    case SC_PUB:
        return nng_pub0_open(out);
    case SC_SUB:
        return nng_sub0_open(out);
    case SC_SURVEYOR:
        return nng_surveyor0_open(out);
    case SC_RESPONDENT:
        return nng_respondent0_open(out);
    case SC_BUS:
        return nng_bus0_open(out);
    }
    return NNG_ENOTSUP;
}

static int open_raw(enum sc_proto proto, nng_socket *out)
{
    switch (proto) {
    case SC_REQ:
        return nng_req0_open_raw(out);
    case SC_REP:
        return nng_rep0_open_raw(out);
    default:
        return NNG_ENOTSUP; /* the scenarios need no other raw socket */
    }
}

enum sc_status sc_open(enum sc_proto proto, int raw, struct sc_socket **out)
{
    struct sc_socket *s = nsockets < MAX_SOCKETS ? calloc(1, sizeof *s) : NULL;
    if (s == NULL) {
        return SC_FAILED;
    }
    int rv = raw ? open_raw(proto, &s->socket) : open_cooked(proto, &s->socket);
    if (rv == 0) {
        rv = nng_pipe_notify(s->socket, NNG_PIPE_EV_ADD_POST, on_pipe_event, s);
    }
    if (rv == 0) {
        rv = nng_pipe_notify(s->socket, NNG_PIPE_EV_REM_POST, on_pipe_event, s);
    }
    if (rv != 0) {
        return failed("open", raw ? "raw" : "cooked", rv);
    }
    pthread_mutex_lock(&sockets_lock);
    sockets[nsockets++] = s;
    pthread_mutex_unlock(&sockets_lock);
    *out = s;
    return SC_OK;
}

enum sc_status sc_bind(struct sc_socket *s, const char *url)
{
    int rv = nng_listen(s->socket, url, NULL, 0);
    return rv != 0 ? failed("nng_listen", url, rv) : SC_OK;
}

enum sc_status sc_connect(struct sc_socket *s, const char *url)
{
    /* Without NNG_FLAG_NONBLOCK, nng_dial fails at once when nobody listens
     * yet instead of retrying in the background like nn_connect. */
    int rv = nng_dial(s->socket, url, NULL, NNG_FLAG_NONBLOCK);
    return rv != 0 ? failed("nng_dial", url, rv) : SC_OK;
}

enum sc_status sc_set_ms(struct sc_socket *s, enum sc_option option, int ms)
{
    const char *name = option == SC_OPT_RESEND_IVL ? NNG_OPT_REQ_RESENDTIME
                                                   : NNG_OPT_SURVEYOR_SURVEYTIME;
    int rv = nng_socket_set_ms(s->socket, name, ms);
    return rv != 0 ? failed("setting", name, rv) : SC_OK;
}

enum sc_status sc_subscribe(struct sc_socket *s, const void *prefix, size_t size, int remove)
{
    const char *name = remove ? NNG_OPT_SUB_UNSUBSCRIBE : NNG_OPT_SUB_SUBSCRIBE;
    int rv = nng_socket_set(s->socket, name, prefix, size);
    return rv != 0 ? failed("setting", name, rv) : SC_OK;
}

/* Sets a timeout option to the time left before `deadline`. */
static enum sc_status arm(struct sc_socket *s, const char *option, int64_t deadline)
{
    int64_t left = deadline - sc_now_ms();
    if (left <= 0) {
        return SC_TIMEDOUT;
    }
    int rv = nng_socket_set_ms(s->socket, option,
                               left > INT32_MAX ? INT32_MAX : (nng_duration)left);
    return rv != 0 ? failed("setting", option, rv) : SC_OK;
}

enum sc_status sc_send(struct sc_socket *s, const void *data, size_t size, int64_t deadline)
{
    enum sc_status st = arm(s, NNG_OPT_SENDTIMEO, deadline);
    if (st != SC_OK) {
        return st;
    }
    nng_msg *msg;
    int rv = nng_msg_alloc(&msg, 0);
    if (rv != 0) {
        return failed("nng_msg_alloc", "", rv);
    }
    if (size > 0 && (rv = nng_msg_append(msg, data, size)) != 0) {
        nng_msg_free(msg);
        return failed("nng_msg_append", "", rv);
    }
    rv = nng_sendmsg(s->socket, msg, 0);
    if (rv != 0) {
        nng_msg_free(msg); /* still ours when nng_sendmsg fails */
        return failed("nng_sendmsg", "", rv);
    }
    return SC_OK;
}

enum sc_status sc_recv(struct sc_socket *s, struct sc_message *msg, int64_t deadline)
{
    enum sc_status st = arm(s, NNG_OPT_RECVTIMEO, deadline);
    if (st != SC_OK) {
        return st;
    }
    nng_msg *m;
    int rv = nng_recvmsg(s->socket, &m, 0);
    if (rv != 0) {
        return failed("nng_recvmsg", "", rv);
    }
    msg->data = nng_msg_body(m);
    msg->size = nng_msg_len(m);
    msg->owner = m;
    return SC_OK;
}

void sc_release(struct sc_message *msg)
{
    nng_msg_free(msg->owner);
    msg->owner = NULL;
}

int sc_connections(struct sc_socket *s)
{
    return atomic_load(&s->pipes);
}

enum sc_status sc_device(struct sc_socket *a, struct sc_socket *b)
{
    int rv = nng_device(a->socket, b->socket); /* returns once a socket is closed */
    return failed("nng_device", "", rv);
}

void sc_stop_all(void)
{
    pthread_mutex_lock(&sockets_lock);
    for (int i = 0; i < nsockets; i++) {
        nng_close(sockets[i]->socket);
    }
    pthread_mutex_unlock(&sockets_lock);
}

int main(int argc, char **argv)
{
    return scenario_main(argc, argv);
}
