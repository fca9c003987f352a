/* nng_peer.c -- interop peer over NNG's native API (Debian libnng).
 *
 * NNG speaks SP v0 like nanomsg; this peer lets the matrix check nanomsg
 * and nanoport against a second, independent implementation. Socket types
 * are the v0 ones (pair0, not NNG's own pair1, which is another protocol).
 *
 * Pipe add/remove callbacks (NNG threads) keep a connection count so the
 * sender can linger until the receiver has closed (see peer_common.h).
 *
 * TLS (tls+tcp://, wss://): --ca, --cert and --key become an
 * nng_tls_config given to each dialer and listener before it starts. */
#define _POSIX_C_SOURCE 200809L

#include "peer_common.h"

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
#include <nng/supplemental/tls/tls.h>
#include <nng/supplemental/util/platform.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

const char peer_backend_name[] = "nng";
const int peer_backend_tls = 1;

struct peer_socket {
    nng_socket socket;
    const struct peer_options *opts; /* the TLS files */
    nng_mtx *mutex; /* guards pipes */
    nng_cv *pipes_changed;
    int pipes; /* live pipes; written by NNG's pipe callbacks */
};

static void report(const char *what, const char *detail, int rv)
{
    fprintf(stderr, "%s peer: %s %s: %s\n", peer_backend_name, what, detail, nng_strerror(rv));
}

static enum peer_status status_from(int rv)
{
    switch (rv) {
    case 0:
        return PEER_OK;
    case NNG_ETIMEDOUT:
    case NNG_EAGAIN:
        return PEER_TIMEDOUT;
    case NNG_EADDRINUSE:
        return PEER_ADDRINUSE;
    default:
        return PEER_FAILED;
    }
}

/* Runs on an NNG thread for every pipe added to / removed from the socket. */
static void on_pipe_event(nng_pipe pipe, nng_pipe_ev event, void *arg)
{
    struct peer_socket *sock = arg;
    (void)pipe;
    nng_mtx_lock(sock->mutex);
    if (event == NNG_PIPE_EV_ADD_POST) {
        sock->pipes++;
    } else if (event == NNG_PIPE_EV_REM_POST && sock->pipes > 0) {
        sock->pipes--;
    }
    nng_cv_wake(sock->pipes_changed);
    nng_mtx_unlock(sock->mutex);
}

static int open_socket(enum peer_proto proto, nng_socket *s)
{
    switch (proto) {
    case PEER_PAIR:
        return nng_pair0_open(s);
    case PEER_PUSH:
        return nng_push0_open(s);
    case PEER_PULL:
        return nng_pull0_open(s);
    case PEER_REQ:
        return nng_req0_open(s);
    case PEER_REP:
        return nng_rep0_open(s);
    case PEER_PUB:
        return nng_pub0_open(s);
    case PEER_SUB:
        return nng_sub0_open(s);
    case PEER_SURVEYOR:
        return nng_surveyor0_open(s);
    case PEER_RESPONDENT:
        return nng_respondent0_open(s);
    case PEER_BUS:
        return nng_bus0_open(s);
    }
    return NNG_ENOTSUP;
}

static void free_socket(struct peer_socket *sock)
{
    if (sock->pipes_changed != NULL) {
        nng_cv_free(sock->pipes_changed);
    }
    if (sock->mutex != NULL) {
        nng_mtx_free(sock->mutex);
    }
    free(sock);
}

enum peer_status backend_open(enum peer_proto proto, const struct peer_options *opts,
                              struct peer_socket **out)
{
    struct peer_socket *sock = calloc(1, sizeof *sock);
    if (sock == NULL) {
        return PEER_FAILED;
    }
    int rv = nng_mtx_alloc(&sock->mutex);
    if (rv == 0) {
        rv = nng_cv_alloc(&sock->pipes_changed, sock->mutex);
    }
    if (rv != 0) {
        report("nng_mtx/cv_alloc", "", rv);
        free_socket(sock);
        return PEER_FAILED;
    }
    rv = open_socket(proto, &sock->socket);
    if (rv != 0) {
        report("open", "socket", rv);
        free_socket(sock);
        return PEER_FAILED;
    }
    const char *step = "pipe notify";
    rv = nng_pipe_notify(sock->socket, NNG_PIPE_EV_ADD_POST, on_pipe_event, sock);
    if (rv == 0) {
        rv = nng_pipe_notify(sock->socket, NNG_PIPE_EV_REM_POST, on_pipe_event, sock);
    }
    if (rv == 0 && opts->maxsize != -2) {
        /* NNG spells "unlimited" 0, nanomsg -1. */
        step = NNG_OPT_RECVMAXSZ;
        rv = nng_socket_set_size(sock->socket, NNG_OPT_RECVMAXSZ,
                                 opts->maxsize < 0 ? 0 : (size_t)opts->maxsize);
    }
    if (rv == 0 && proto == PEER_SUB) {
        step = NNG_OPT_SUB_SUBSCRIBE;
        rv = nng_socket_set(sock->socket, NNG_OPT_SUB_SUBSCRIBE, "", 0);
    }
    if (rv == 0 && proto == PEER_SURVEYOR) {
        /* A survey stays open for the whole run: the lock-step sender decides
         * itself when to give up on an answer and survey again. */
        step = NNG_OPT_SURVEYOR_SURVEYTIME;
        rv = nng_socket_set_ms(sock->socket, NNG_OPT_SURVEYOR_SURVEYTIME, opts->timeout_ms);
    }
    if (rv != 0) {
        report("setting", step, rv);
        nng_close(sock->socket);
        free_socket(sock);
        return PEER_FAILED;
    }
    sock->opts = opts;
    *out = sock;
    return PEER_OK;
}

/* Reads a whole (PEM) file into a NUL-terminated string; NULL on failure. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s peer: cannot open %s\n", peer_backend_name, path);
        return NULL;
    }
    char *text = NULL;
    size_t size = 0;
    if (fseek(f, 0, SEEK_END) == 0) {
        long end = ftell(f);
        if (end >= 0 && fseek(f, 0, SEEK_SET) == 0) {
            size = (size_t)end;
            text = malloc(size + 1);
        }
    }
    if (text != NULL && fread(text, 1, size, f) != size) {
        free(text);
        text = NULL;
    }
    fclose(f);
    if (text == NULL) {
        fprintf(stderr, "%s peer: cannot read %s\n", peer_backend_name, path);
        return NULL;
    }
    text[size] = '\0';
    return text;
}

/* The name a dialer asks the server's certificate for: the host of `url`.
 * NNG's TLS engine in Debian (mbedtls 2.28) matches only DNS names, never an
 * IP address, so for an IP literal the peer asks for "localhost", which the
 * test certificates carry beside IP:127.0.0.1 (tests/support/tls_certs.sh). */
static int set_server_name(nng_tls_config *config, const char *url)
{
    nng_url *parsed;
    int rv = nng_url_parse(&parsed, url);
    if (rv != 0) {
        return rv;
    }
    const char *host = parsed->u_hostname;
    unsigned char address[16];
    if (inet_pton(AF_INET, host, address) == 1 || inet_pton(AF_INET6, host, address) == 1) {
        host = "localhost";
    }
    rv = nng_tls_config_server_name(config, host);
    nng_url_free(parsed);
    return rv;
}

/* Makes the TLS configuration for a dialer (NNG_TLS_MODE_CLIENT) or listener
 * of `url` from the --ca, --cert and --key files. */
static int make_tls_config(const struct peer_options *opts, nng_tls_mode mode, const char *url,
                           nng_tls_config **out)
{
    nng_tls_config *config;
    int rv = nng_tls_config_alloc(&config, mode);
    if (rv != 0) {
        return rv;
    }
    if (opts->tls_ca_file != NULL) {
        rv = nng_tls_config_ca_file(config, opts->tls_ca_file);
    }
    if (rv == 0 && opts->tls_cert_file != NULL && opts->tls_key_file == NULL) {
        rv = nng_tls_config_cert_key_file(config, opts->tls_cert_file, NULL);
    } else if (rv == 0 && opts->tls_cert_file != NULL) {
        char *cert = read_file(opts->tls_cert_file);
        char *key = cert != NULL ? read_file(opts->tls_key_file) : NULL;
        rv = key != NULL ? nng_tls_config_own_cert(config, cert, key, NULL) : NNG_EINVAL;
        free(cert);
        free(key);
    }
    if (rv == 0 && mode == NNG_TLS_MODE_CLIENT) {
        rv = set_server_name(config, url);
    }
    if (rv != 0) {
        nng_tls_config_free(config);
        return rv;
    }
    *out = config;
    return 0;
}

static int uses_tls(const struct peer_options *opts)
{
    return opts->tls_ca_file != NULL || opts->tls_cert_file != NULL;
}

enum peer_status backend_bind(struct peer_socket *sock, const char *url)
{
    nng_listener listener;
    const char *step = "nng_listener_create";
    int rv = nng_listener_create(&listener, sock->socket, url);
    if (rv == 0 && uses_tls(sock->opts)) {
        nng_tls_config *config;
        step = "TLS configuration for";
        rv = make_tls_config(sock->opts, NNG_TLS_MODE_SERVER, url, &config);
        if (rv == 0) {
            step = "setting " NNG_OPT_TLS_CONFIG " on";
            rv = nng_listener_set_ptr(listener, NNG_OPT_TLS_CONFIG, config);
            nng_tls_config_free(config); /* the listener holds its own reference */
        }
    }
    if (rv == 0) {
        step = "nng_listener_start";
        rv = nng_listener_start(listener, 0);
    }
    if (rv != 0) {
        report(step, url, rv);
    }
    return status_from(rv);
}

enum peer_status backend_connect(struct peer_socket *sock, const char *url)
{
    nng_dialer dialer;
    const char *step = "nng_dialer_create";
    int rv = nng_dialer_create(&dialer, sock->socket, url);
    if (rv == 0 && uses_tls(sock->opts)) {
        nng_tls_config *config;
        step = "TLS configuration for";
        rv = make_tls_config(sock->opts, NNG_TLS_MODE_CLIENT, url, &config);
        if (rv == 0) {
            step = "setting " NNG_OPT_TLS_CONFIG " on";
            rv = nng_dialer_set_ptr(dialer, NNG_OPT_TLS_CONFIG, config);
            nng_tls_config_free(config); /* the dialer holds its own reference */
        }
    }
    if (rv == 0) {
        /* Without NNG_FLAG_NONBLOCK, the dialer fails at once when nobody
         * listens yet instead of retrying in the background like
         * nn_connect. */
        step = "nng_dialer_start";
        rv = nng_dialer_start(dialer, NNG_FLAG_NONBLOCK);
    }
    if (rv != 0) {
        report(step, url, rv);
    }
    return status_from(rv);
}

/* Sets a timeout option to the time left before `deadline`. */
static enum peer_status arm_timeout(struct peer_socket *sock, const char *option, int64_t deadline)
{
    int64_t left = deadline - peer_now_ms();
    if (left <= 0) {
        return PEER_TIMEDOUT;
    }
    int rv = nng_socket_set_ms(sock->socket, option,
                               left > INT32_MAX ? INT32_MAX : (nng_duration)left);
    if (rv != 0) {
        report("setting", option, rv);
        return PEER_FAILED;
    }
    return PEER_OK;
}

enum peer_status backend_send(struct peer_socket *sock, const unsigned char *data, size_t size,
                              int64_t deadline)
{
    enum peer_status st = arm_timeout(sock, NNG_OPT_SENDTIMEO, deadline);
    if (st != PEER_OK) {
        return st;
    }
    nng_msg *msg;
    int rv = nng_msg_alloc(&msg, 0);
    if (rv == 0 && size > 0) {
        rv = nng_msg_append(msg, data, size);
        if (rv != 0) {
            nng_msg_free(msg);
        }
    }
    if (rv != 0) {
        report("nng_msg_alloc", "", rv);
        return PEER_FAILED;
    }
    rv = nng_sendmsg(sock->socket, msg, 0);
    if (rv != 0) {
        nng_msg_free(msg); /* still ours when nng_sendmsg fails */
        if (rv != NNG_ETIMEDOUT) {
            report("nng_sendmsg", "", rv);
        }
    }
    return status_from(rv);
}

enum peer_status backend_recv(struct peer_socket *sock, struct peer_message *msg,
                              int64_t deadline)
{
    enum peer_status st = arm_timeout(sock, NNG_OPT_RECVTIMEO, deadline);
    if (st != PEER_OK) {
        return st;
    }
    nng_msg *m;
    int rv = nng_recvmsg(sock->socket, &m, 0);
    if (rv != 0) {
        if (rv != NNG_ETIMEDOUT) {
            report("nng_recvmsg", "", rv);
        }
        return status_from(rv);
    }
    msg->data = nng_msg_body(m);
    msg->size = nng_msg_len(m);
    msg->owner = m;
    return PEER_OK;
}

void backend_release(struct peer_message *msg)
{
    nng_msg_free(msg->owner);
    msg->owner = NULL;
    msg->data = NULL;
}

int backend_wait_disconnected(struct peer_socket *sock, int64_t deadline)
{
    nng_mtx_lock(sock->mutex);
    while (sock->pipes > 0) {
        int64_t left = deadline - peer_now_ms();
        if (left <= 0 || nng_cv_until(sock->pipes_changed, nng_clock() + (nng_time)left) ==
                             NNG_ETIMEDOUT) {
            break;
        }
    }
    int gone = sock->pipes == 0;
    nng_mtx_unlock(sock->mutex);
    return gone;
}

void backend_close(struct peer_socket *sock)
{
    nng_close(sock->socket); /* pipe callbacks have finished when this returns */
    free_socket(sock);
}

int main(int argc, char **argv)
{
    return peer_main(argc, argv);
}
