/* np_inproc_lat <msg-size> <roundtrips> [--json]
 * nanomsg's inproc_lat: two PAIR sockets joined over inproc in one process;
 * the main thread sends a message of msg-size bytes, a second thread echoes
 * it, <roundtrips> times; prints the average one-way latency (round trip /
 * 2), and with --json the round-trip percentiles too. One round trip before
 * the clock starts lets the echoing thread reach its first nn_recv (where
 * nanomsg's tool sleeps 100 ms instead). */
#include "perf_common.h"

#include <pthread.h>

#include <nanomsg/pair.h>

static const char usage[] =
    "usage: np_inproc_lat <msg-size> <roundtrips> [--json]\n"
    "  Measures <roundtrips> round trips of <msg-size> bytes between two threads\n"
    "  over inproc PAIR sockets and prints the latency.\n";

static long message_size;
static long roundtrips;

static void *echo(void *arg) {
    int s = *(int *)arg;
    char *buf = perf_buffer(message_size);
    for (long i = 0; i != roundtrips + 1; i++) { /* + 1: the warm-up */
        if (nn_recv(s, buf, (size_t)message_size, 0) != message_size) perf_fail("nn_recv (echo)");
        if (nn_send(s, buf, (size_t)message_size, 0) != message_size) perf_fail("nn_send (echo)");
    }
    free(buf);
    return NULL;
}

static void roundtrip(int s, char *buf) {
    if (nn_send(s, buf, (size_t)message_size, 0) != message_size) perf_fail("nn_send");
    if (nn_recv(s, buf, (size_t)message_size, 0) != message_size) perf_fail("nn_recv");
}

int main(int argc, char **argv) {
    const char *pos[2];
    int json;
    if (perf_args(argc, argv, usage, pos, 2, &json) != 2) {
        fputs(usage, stderr);
        return PERF_USAGE_EXIT;
    }
    message_size = perf_size(pos[0], usage);
    roundtrips = perf_number(pos[1], "roundtrip count", usage);
    double *samples = malloc(sizeof(double) * (size_t)roundtrips);
    if (!samples) perf_fail("malloc");

    int s = nn_socket(AF_SP, NN_PAIR);
    if (s < 0) perf_fail("nn_socket");
    int maxsize = -1;
    nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &maxsize, sizeof maxsize);
    if (nn_bind(s, "inproc://inproc_lat") < 0) perf_fail("nn_bind");
    int w = nn_socket(AF_SP, NN_PAIR);
    if (w < 0) perf_fail("nn_socket");
    nn_setsockopt(w, NN_SOL_SOCKET, NN_RCVMAXSIZE, &maxsize, sizeof maxsize);
    if (nn_connect(w, "inproc://inproc_lat") < 0) perf_fail("nn_connect");
    char *buf = perf_buffer(message_size);

    pthread_t thread;
    if (pthread_create(&thread, NULL, echo, &w) != 0) {
        fputs("pthread_create failed\n", stderr);
        return 1;
    }
    roundtrip(s, buf); /* warm-up, not measured */
    double start = perf_now_us();
    for (long i = 0; i != roundtrips; i++) {
        double t0 = perf_now_us();
        roundtrip(s, buf);
        samples[i] = perf_now_us() - t0;
    }
    double total_us = perf_now_us() - start;
    pthread_join(thread, NULL);
    perf_print_latency("inproc_lat", message_size, roundtrips, total_us, samples, json);
    free(samples);
    free(buf);
    nn_close(s);
    nn_close(w);
    return 0;
}
