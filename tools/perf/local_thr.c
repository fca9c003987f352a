/* np_local_thr <bind-to> <msg-size> <msg-count> [--json]
 * nanomsg's local_thr: binds a PAIR socket, receives one empty start message
 * and then msg-count messages of msg-size bytes from np_remote_thr (or
 * nanomsg's remote_thr), and prints the throughput. */
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
        return PERF_USAGE_EXIT;
    }
    const char *url = pos[0];
    long size = perf_size(pos[1], usage);
    long count = perf_number(pos[2], "message count", usage);
    char *buf = perf_buffer(size);

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
    perf_print_throughput("local_thr", "throughput", size, count, perf_now_us() - start, json);
    free(buf);
    nn_close(s);
    return 0;
}
