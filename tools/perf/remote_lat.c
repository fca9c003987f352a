/* np_remote_lat <connect-to> <msg-size> <roundtrips> [--json]
 * Sends a message to np_local_lat and waits for its echo, <roundtrips> times;
 * prints the average one-way latency (round trip / 2) as nanomsg's tool does,
 * and with --json the round-trip percentiles too. */
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
        return 2;
    }
    const char *url = pos[0];
    long size = perf_number(pos[1], "message size", usage);
    long roundtrips = perf_number(pos[2], "roundtrip count", usage);
    char *buf = calloc(1, (size_t)size);
    double *samples = malloc(sizeof(double) * (size_t)roundtrips);
    if (!buf || !samples) perf_fail("malloc");

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
    double total_us = perf_now_us() - start;
    double average_us = total_us / ((double)roundtrips * 2);
    qsort(samples, (size_t)roundtrips, sizeof(double), perf_compare_double);
    if (json) {
        printf("{\"tool\":\"remote_lat\",\"size\":%ld,\"roundtrips\":%ld,\"latency_us\":%.3f,"
               "\"rtt_p50_us\":%.3f,\"rtt_p99_us\":%.3f}\n",
               size, roundtrips, average_us, perf_percentile(samples, roundtrips, 50),
               perf_percentile(samples, roundtrips, 99));
    } else {
        printf("message size: %ld [B]\n", size);
        printf("roundtrip count: %ld\n", roundtrips);
        printf("average latency: %.3f [us]\n", average_us);
    }
    free(samples);
    free(buf);
    nn_close(s);
    return 0;
}
