/* np_remote_thr <connect-to> <msg-size> <msg-count> [--json]
 * nanomsg's remote_thr: connects a PAIR socket to np_local_thr (or nanomsg's
 * local_thr), sends an empty start message, then msg-count messages of
 * msg-size bytes, and waits until they have all arrived (the receiver hangs
 * up) before closing. */
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
        return PERF_USAGE_EXIT;
    }
    const char *url = pos[0];
    long size = perf_size(pos[1], usage);
    long count = perf_number(pos[2], "message count", usage);
    char *buf = perf_buffer(size);

    int s = nn_socket(AF_SP, NN_PAIR);
    if (s < 0) perf_fail("nn_socket");
    int linger = 10000;
    nn_setsockopt(s, NN_SOL_SOCKET, NN_LINGER, &linger, sizeof linger);
    if (nn_connect(s, url) < 0) perf_fail("nn_connect");

    if (nn_send(s, buf, 0, 0) != 0) perf_fail("nn_send (start message)");
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
    perf_wait_peer_gone(s, linger);
    free(buf);
    nn_close(s);
    return 0;
}
