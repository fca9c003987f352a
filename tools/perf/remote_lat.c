/* np_remote_lat <connect-to> <msg-size> <roundtrips> [--json]
 * nanomsg's remote_lat: sends a message to np_local_lat (or nanomsg's
 * local_lat) and waits for its echo, <roundtrips> times; prints the average
 * one-way latency (round trip / 2) as nanomsg's tool does, and with --json
 * the round-trip percentiles too. */
#include "perf_common.h"

#include <nanomsg/pair.h>
#include <nanomsg/tcp.h>

static const char usage[] =
    "usage: np_remote_lat <connect-to> <msg-size> <roundtrips> [--json]\n"
    "  Measures <roundtrips> round trips of <msg-size> bytes to np_local_lat\n"
    "  listening at <connect-to>.\n";

int main(int argc, char **argv) {
    const char *pos[3];
    int json;
    if (perf_args(argc, argv, usage, pos, 3, &json) != 3) {
        fputs(usage, stderr);
        return PERF_USAGE_EXIT;
    }
    const char *url = pos[0];
    long size = perf_size(pos[1], usage);
    long roundtrips = perf_number(pos[2], "roundtrip count", usage);
    char *buf = perf_buffer(size);
    double *samples = malloc(sizeof(double) * (size_t)roundtrips);
    if (!samples) perf_fail("malloc");

    int s = nn_socket(AF_SP, NN_PAIR);
    if (s < 0) perf_fail("nn_socket");
    int one = 1, maxsize = -1;
    nn_setsockopt(s, NN_TCP, NN_TCP_NODELAY, &one, sizeof one);
    nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &maxsize, sizeof maxsize);
    if (nn_connect(s, url) < 0) perf_fail("nn_connect");

    double start = perf_now_us();
    for (long i = 0; i != roundtrips; i++) {
        double t0 = perf_now_us();
        if (nn_send(s, buf, (size_t)size, 0) != size) perf_fail("nn_send");
        if (nn_recv(s, buf, (size_t)size, 0) != size) perf_fail("nn_recv");
        samples[i] = perf_now_us() - t0;
    }
    perf_print_latency("remote_lat", size, roundtrips, perf_now_us() - start, samples, json);
    free(samples);
    free(buf);
    nn_close(s);
    return 0;
}
