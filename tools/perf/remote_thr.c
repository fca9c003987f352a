/* np_remote_thr <connect-to> <msg-size> <msg-count> [--json]
 * Connects a PAIR socket to np_local_thr and sends an empty start message,
 * then msg-count messages of msg-size bytes. Closing waits (NN_LINGER) until
 * they are all on their way. */
#include "perf_common.h"

#include <nanomsg/pair.h>

static const char usage[] =
    "usage: np_remote_thr <connect-to> <msg-size> <msg-count> [--json]\n"
    "  Sends <msg-count> messages of <msg-size> bytes on a PAIR socket connected\n"
    "  to <connect-to>, where np_local_thr receives them.\n";

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
    char *buf = calloc(1, (size_t)size);
    if (!buf) perf_fail("calloc");

    int s = nn_socket(AF_SP, NN_PAIR);
    if (s < 0) perf_fail("nn_socket");
    int linger = 10000;
    nn_setsockopt(s, NN_SOL_SOCKET, NN_LINGER, &linger, sizeof linger);
    if (nn_connect(s, url) < 0) perf_fail("nn_connect");

    if (nn_send(s, "", 0, 0) != 0) perf_fail("nn_send (start message)");
    double start = perf_now_us();
    for (long i = 0; i != count; i++) {
        int n = nn_send(s, buf, (size_t)size, 0);
        if (n != size) perf_fail("nn_send");
    }
    double elapsed_us = perf_now_us() - start;
    if (json) {
        printf("{\"tool\":\"remote_thr\",\"size\":%ld,\"count\":%ld,\"seconds\":%.6f}\n", size,
               count, elapsed_us / 1e6);
    }
    free(buf);
    nn_close(s);
    return 0;
}
