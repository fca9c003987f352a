/* np_local_thr <bind-to> <msg-size> <msg-count> [--json]
 * Binds a PAIR socket, receives one empty start message and then msg-count
 * messages of msg-size bytes from np_remote_thr, and prints the throughput. */
#include "perf_common.h"

#include <nanomsg/pair.h>

static const char usage[] =
    "usage: np_local_thr <bind-to> <msg-size> <msg-count> [--json]\n"
    "  Receives <msg-count> messages of <msg-size> bytes on a PAIR socket bound\n"
    "  to <bind-to> (sent by np_remote_thr) and prints the throughput.\n";

int main(int argc, char **argv) {
    const char *pos[3];
    int json;
    if (perf_args(argc, argv, usage, pos, 3, &json) != 3) {
        fputs(usage, stderr);
        return 2;
    }
    const char *url = pos[0];
    long size = perf_number(pos[1], "message size", usage);
    long count = perf_number(pos[2], "message count", usage);
    char *buf = malloc((size_t)size);
    if (!buf) perf_fail("malloc");

    int s = nn_socket(AF_SP, NN_PAIR);
    if (s < 0) perf_fail("nn_socket");
    int maxsize = -1;
    if (nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &maxsize, sizeof maxsize) < 0) perf_fail("nn_setsockopt");
    if (nn_bind(s, url) < 0) perf_fail("nn_bind");

    int n = nn_recv(s, buf, (size_t)size, 0);
    if (n != 0) perf_fail("nn_recv (start message)");
    double start = perf_now_us();
    for (long i = 0; i != count; i++) {
        n = nn_recv(s, buf, (size_t)size, 0);
        if (n < 0) perf_fail("nn_recv");
        if (n != size) {
            fprintf(stderr, "message %ld has %d bytes, expected %ld\n", i, n, size);
            return 1;
        }
    }
    double elapsed_us = perf_now_us() - start;
    if (elapsed_us <= 0) elapsed_us = 1;
    double msgs_per_s = count / (elapsed_us / 1e6);
    double megabits = msgs_per_s * size * 8 / 1e6;
    if (json) {
        printf("{\"tool\":\"local_thr\",\"size\":%ld,\"count\":%ld,\"seconds\":%.6f,"
               "\"msgs_per_s\":%.0f,\"mbit_per_s\":%.3f}\n",
               size, count, elapsed_us / 1e6, msgs_per_s, megabits);
    } else {
        printf("message size: %ld [B]\n", size);
        printf("message count: %ld\n", count);
        printf("throughput: %.0f [msg/s]\n", msgs_per_s);
        printf("throughput: %.3f [Mb/s]\n", megabits);
    }
    free(buf);
    nn_close(s);
    return 0;
}
