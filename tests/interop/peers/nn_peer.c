/* nn_peer.c -- interop peer over the public nanomsg C API.
 *
 * Built twice from this exact file: against Debian's libnanomsg
 * (interop_nn_peer) and against nanoport's nanomsg-compatible headers and
 * library (interop_np_peer). It must therefore use nothing but the public
 * nanomsg API. The one exception is TLS, which nanomsg does not have: built
 * against nanoport (INTEROP_NANOPORT), the peer includes
 * <nanoport/extensions.h> and applies --ca/--cert/--key through its
 * NANOPORT_TLS options; everything else is the same code for both.
 *
 * The CLI, payloads and the ACK/FIN scheme live in peer_common.h. */
#define _POSIX_C_SOURCE 200809L

#include "peer_common.h"

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
#include <string.h>
#include <time.h>

#if defined(INTEROP_NANOPORT)
#include <nanoport/extensions.h>
#endif

/* The build names the library under test (nanomsg or nanoport). */
#ifndef NN_PEER_LIBRARY
#define NN_PEER_LIBRARY "nanomsg"
#endif

const char peer_backend_name[] = NN_PEER_LIBRARY;
#ifdef NANOPORT_TLS
const int peer_backend_tls = 1;
#else
const int peer_backend_tls = 0;
#endif

struct peer_socket {
    int fd;
    /* Every other send goes through nn_allocmsg + NN_MSG (zero-copy API),
     * the rest through a plain buffer, so both paths are exercised. */
    unsigned sends;
};

static void report(const char *what, const char *detail)
{
    fprintf(stderr, "%s peer: %s %s: %s\n", peer_backend_name, what, detail, nn_strerror(errno));
}

static enum peer_status status_from_errno(void)
{
    switch (errno) {
    case ETIMEDOUT:
    case EAGAIN:
        return PEER_TIMEDOUT;
    case EADDRINUSE:
        return PEER_ADDRINUSE;
    default:
        return PEER_FAILED;
    }
}

#ifdef NANOPORT_TLS
/* Sets the string option `option` at level NANOPORT_TLS unless `value` is
 * NULL; 0 on success. They are read when nn_bind / nn_connect makes the
 * endpoint, so they are set right after the socket is opened. */
static int set_tls_file(int fd, int option, const char *name, const char *value)
{
    if (value != NULL && nn_setsockopt(fd, NANOPORT_TLS, option, value, strlen(value)) < 0) {
        report("nn_setsockopt", name);
        return -1;
    }
    return 0;
}

static int set_tls_options(int fd, const struct peer_options *opts)
{
    if (set_tls_file(fd, NANOPORT_TLS_CA_FILE, "NANOPORT_TLS_CA_FILE", opts->tls_ca_file) < 0 ||
        set_tls_file(fd, NANOPORT_TLS_CERT_FILE, "NANOPORT_TLS_CERT_FILE",
                     opts->tls_cert_file) < 0 ||
        set_tls_file(fd, NANOPORT_TLS_KEY_FILE, "NANOPORT_TLS_KEY_FILE", opts->tls_key_file) < 0) {
        return -1;
    }
    return 0;
}
#else
/* No TLS: peer_main() has rejected --ca/--cert/--key already. */
static int set_tls_options(int fd, const struct peer_options *opts)
{
    (void)fd;
    (void)opts;
    return 0;
}
#endif

enum peer_status backend_open(enum peer_proto proto, const struct peer_options *opts,
                              struct peer_socket **out)
{
    int protocol = NN_PAIR;
    switch (proto) {
    case PEER_PAIR:
        protocol = NN_PAIR;
        break;
    case PEER_PUSH:
        protocol = NN_PUSH;
        break;
    case PEER_PULL:
        protocol = NN_PULL;
        break;
    case PEER_REQ:
        protocol = NN_REQ;
        break;
    case PEER_REP:
        protocol = NN_REP;
        break;
    case PEER_PUB:
        protocol = NN_PUB;
        break;
    case PEER_SUB:
        protocol = NN_SUB;
        break;
    case PEER_SURVEYOR:
        protocol = NN_SURVEYOR;
        break;
    case PEER_RESPONDENT:
        protocol = NN_RESPONDENT;
        break;
    case PEER_BUS:
        protocol = NN_BUS;
        break;
    }
    int fd = nn_socket(AF_SP, protocol);
    if (fd < 0) {
        report("nn_socket", "");
        return PEER_FAILED;
    }
    if (opts->maxsize != -2) {
        int max = (int)opts->maxsize;
        if (nn_setsockopt(fd, NN_SOL_SOCKET, NN_RCVMAXSIZE, &max, sizeof max) < 0) {
            report("nn_setsockopt", "NN_RCVMAXSIZE");
            nn_close(fd);
            return PEER_FAILED;
        }
    }
    if (proto == PEER_SUB && nn_setsockopt(fd, NN_SUB, NN_SUB_SUBSCRIBE, "", 0) < 0) {
        report("nn_setsockopt", "NN_SUB_SUBSCRIBE");
        nn_close(fd);
        return PEER_FAILED;
    }
    /* A survey stays open for the whole run: the lock-step sender decides
     * itself when to give up on an answer and survey again. */
    int survey_ms = opts->timeout_ms;
    if (proto == PEER_SURVEYOR &&
        nn_setsockopt(fd, NN_SURVEYOR, NN_SURVEYOR_DEADLINE, &survey_ms, sizeof survey_ms) < 0) {
        report("nn_setsockopt", "NN_SURVEYOR_DEADLINE");
        nn_close(fd);
        return PEER_FAILED;
    }
    if (set_tls_options(fd, opts) < 0) {
        nn_close(fd);
        return PEER_FAILED;
    }
    struct peer_socket *sock = calloc(1, sizeof *sock);
    if (sock == NULL) {
        nn_close(fd);
        return PEER_FAILED;
    }
    sock->fd = fd;
    *out = sock;
    return PEER_OK;
}

enum peer_status backend_bind(struct peer_socket *sock, const char *url)
{
    if (nn_bind(sock->fd, url) < 0) {
        report("nn_bind", url);
        return status_from_errno();
    }
    return PEER_OK;
}

enum peer_status backend_connect(struct peer_socket *sock, const char *url)
{
    if (nn_connect(sock->fd, url) < 0) {
        report("nn_connect", url);
        return status_from_errno();
    }
    return PEER_OK;
}

/* Sets NN_SNDTIMEO / NN_RCVTIMEO to the time left before `deadline`. */
static enum peer_status arm_timeout(struct peer_socket *sock, int option, int64_t deadline)
{
    int64_t left = deadline - peer_now_ms();
    if (left <= 0) {
        return PEER_TIMEDOUT;
    }
    int ms = left > INT_MAX ? INT_MAX : (int)left;
    if (nn_setsockopt(sock->fd, NN_SOL_SOCKET, option, &ms, sizeof ms) < 0) {
        report("nn_setsockopt", option == NN_SNDTIMEO ? "NN_SNDTIMEO" : "NN_RCVTIMEO");
        return PEER_FAILED;
    }
    return PEER_OK;
}

enum peer_status backend_send(struct peer_socket *sock, const unsigned char *data, size_t size,
                              int64_t deadline)
{
    for (;;) {
        enum peer_status st = arm_timeout(sock, NN_SNDTIMEO, deadline);
        if (st != PEER_OK) {
            return st;
        }
        int rc;
        if (sock->sends % 2 == 1) {
            void *chunk = nn_allocmsg(size, 0);
            if (chunk == NULL) {
                report("nn_allocmsg", "");
                return PEER_FAILED;
            }
            if (size > 0) {
                memcpy(chunk, data, size);
            }
            rc = nn_send(sock->fd, &chunk, NN_MSG, 0);
            if (rc < 0) {
                int saved = errno;
                nn_freemsg(chunk); /* still ours when nn_send fails */
                errno = saved;
            }
        } else {
            rc = nn_send(sock->fd, data, size, 0);
        }
        if (rc >= 0) {
            if ((size_t)rc != size) {
                fprintf(stderr, "%s peer: nn_send sent %d of %zu bytes\n", peer_backend_name, rc,
                        size);
                return PEER_FAILED;
            }
            sock->sends++;
            return PEER_OK;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != ETIMEDOUT && errno != EAGAIN) {
            report("nn_send", "");
        }
        return status_from_errno();
    }
}

enum peer_status backend_recv(struct peer_socket *sock, struct peer_message *msg,
                              int64_t deadline)
{
    for (;;) {
        enum peer_status st = arm_timeout(sock, NN_RCVTIMEO, deadline);
        if (st != PEER_OK) {
            return st;
        }
        void *buf = NULL;
        int rc = nn_recv(sock->fd, &buf, NN_MSG, 0);
        if (rc >= 0) {
            msg->data = buf;
            msg->size = (size_t)rc;
            msg->owner = buf;
            return PEER_OK;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != ETIMEDOUT && errno != EAGAIN) {
            report("nn_recv", "");
        }
        return status_from_errno();
    }
}

void backend_release(struct peer_message *msg)
{
    nn_freemsg(msg->owner);
    msg->owner = NULL;
    msg->data = NULL;
}

/* The nanomsg API has no connection events; the connection statistic is
 * the public way to see that the peer has closed. */
int backend_wait_disconnected(struct peer_socket *sock, int64_t deadline)
{
    for (;;) {
        if (nn_get_statistic(sock->fd, NN_STAT_CURRENT_CONNECTIONS) == 0) {
            return 1;
        }
        if (peer_now_ms() >= deadline) {
            return 0;
        }
        struct timespec pause = {0, 2 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

void backend_close(struct peer_socket *sock)
{
    while (nn_close(sock->fd) < 0 && errno == EINTR) {
    }
    free(sock);
}

int main(int argc, char **argv)
{
    return peer_main(argc, argv);
}
