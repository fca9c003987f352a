/* sc_nn.c -- scenario backend over the public nanomsg C API.
 *
 * Built twice from this exact file: against Debian's libnanomsg
 * (interop_sc_nn) and against nanoport's nanomsg-compatible headers and
 * library (interop_sc_np). It uses nothing but the public nanomsg API; no
 * nanoport header, no #ifdef on the library. See scenario.h. */
#define _POSIX_C_SOURCE 200809L

#include "scenario.h"

#include <nanomsg/bus.h>
#include <nanomsg/nn.h>
#include <nanomsg/pair.h>
#include <nanomsg/pipeline.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/reqrep.h>
#include <nanomsg/survey.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

/* The build names the library under test (nanomsg or nanoport). */
#ifndef SC_LIBRARY
#define SC_LIBRARY "nanomsg"
#endif

const char sc_library[] = SC_LIBRARY;

struct sc_socket {
    int fd;
};

static void report(const char *what, const char *detail)
{
    fprintf(stderr, "%s: %s %s: %s\n", sc_library, what, detail, nn_strerror(errno));
}

/* The status for a failed call, errno set. Everything fails once nn_term has
 * been called: that is a stop, not an error. */
static enum sc_status failed(const char *what, const char *detail)
{
    if (sc_stopping()) {
        return SC_STOPPED;
    }
    switch (errno) {
    case ETIMEDOUT:
    case EAGAIN:
        return SC_TIMEDOUT;
    case EADDRINUSE:
        report(what, detail);
        return SC_ADDRINUSE;
    default:
        report(what, detail);
        return SC_FAILED;
    }
}

enum sc_status sc_open(enum sc_proto proto, int raw, struct sc_socket **out)
{
    static const int protocols[] = {
        [SC_PAIR] = NN_PAIR,           [SC_PUSH] = NN_PUSH, [SC_PULL] = NN_PULL,
        [SC_REQ] = NN_REQ,             [SC_REP] = NN_REP,   [SC_PUB] = NN_PUB,
        [SC_SUB] = NN_SUB,             [SC_SURVEYOR] = NN_SURVEYOR,
        [SC_RESPONDENT] = NN_RESPONDENT, [SC_BUS] = NN_BUS};
    int fd = nn_socket(raw ? AF_SP_RAW : AF_SP, protocols[proto]);
    if (fd < 0) {
        return failed("nn_socket", raw ? "AF_SP_RAW" : "AF_SP");
    }
    struct sc_socket *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return SC_FAILED;
    }
    s->fd = fd;
    *out = s;
    return SC_OK;
}

enum sc_status sc_bind(struct sc_socket *s, const char *url)
{
    return nn_bind(s->fd, url) < 0 ? failed("nn_bind", url) : SC_OK;
}

enum sc_status sc_connect(struct sc_socket *s, const char *url)
{
    return nn_connect(s->fd, url) < 0 ? failed("nn_connect", url) : SC_OK;
}

enum sc_status sc_set_ms(struct sc_socket *s, enum sc_option option, int ms)
{
    int rc = -1;
    switch (option) {
    case SC_OPT_RESEND_IVL:
        rc = nn_setsockopt(s->fd, NN_REQ, NN_REQ_RESEND_IVL, &ms, sizeof ms);
        break;
    case SC_OPT_SURVEY_DEADLINE:
        rc = nn_setsockopt(s->fd, NN_SURVEYOR, NN_SURVEYOR_DEADLINE, &ms, sizeof ms);
        break;
    }
    return rc < 0 ? failed("nn_setsockopt", "") : SC_OK;
}

enum sc_status sc_subscribe(struct sc_socket *s, const void *prefix, size_t size, int remove)
{
    int rc = nn_setsockopt(s->fd, NN_SUB, remove ? NN_SUB_UNSUBSCRIBE : NN_SUB_SUBSCRIBE, prefix,
                           size);
    return rc < 0 ? failed("nn_setsockopt", remove ? "NN_SUB_UNSUBSCRIBE" : "NN_SUB_SUBSCRIBE")
                  : SC_OK;
}

/* Sets NN_SNDTIMEO / NN_RCVTIMEO to the time left before `deadline`. */
static enum sc_status arm(struct sc_socket *s, int option, int64_t deadline)
{
    int64_t left = deadline - sc_now_ms();
    if (left <= 0) {
        return SC_TIMEDOUT;
    }
    int ms = left > INT_MAX ? INT_MAX : (int)left;
    if (nn_setsockopt(s->fd, NN_SOL_SOCKET, option, &ms, sizeof ms) < 0) {
        return failed("nn_setsockopt", "timeout");
    }
    return SC_OK;
}

enum sc_status sc_send(struct sc_socket *s, const void *data, size_t size, int64_t deadline)
{
    for (;;) {
        enum sc_status st = arm(s, NN_SNDTIMEO, deadline);
        if (st != SC_OK) {
            return st;
        }
        int rc = nn_send(s->fd, data, size, 0);
        if (rc >= 0) {
            return SC_OK;
        }
        if (errno != EINTR) {
            return failed("nn_send", "");
        }
    }
}

enum sc_status sc_recv(struct sc_socket *s, struct sc_message *msg, int64_t deadline)
{
    for (;;) {
        enum sc_status st = arm(s, NN_RCVTIMEO, deadline);
        if (st != SC_OK) {
            return st;
        }
        void *buf = NULL;
        int rc = nn_recv(s->fd, &buf, NN_MSG, 0);
        if (rc >= 0) {
            msg->data = buf;
            msg->size = (size_t)rc;
            msg->owner = buf;
            return SC_OK;
        }
        if (errno != EINTR) {
            return failed("nn_recv", "");
        }
    }
}

void sc_release(struct sc_message *msg)
{
    nn_freemsg(msg->owner);
    msg->owner = NULL;
}

int sc_connections(struct sc_socket *s)
{
    uint64_t n = nn_get_statistic(s->fd, NN_STAT_CURRENT_CONNECTIONS);
    return n == UINT64_MAX ? -1 : (int)n;
}

enum sc_status sc_device(struct sc_socket *a, struct sc_socket *b)
{
    nn_device(a->fd, b->fd); /* returns only with an error */
    return failed("nn_device", "");
}

void sc_stop_all(void)
{
    nn_term();
}

int main(int argc, char **argv)
{
    return scenario_main(argc, argv);
}
