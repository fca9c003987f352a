/* np_local_lat <bind-to> <msg-size> <roundtrips> [--json]
 * nanomsg's local_lat: binds a PAIR socket and echoes every message back
 * (np_remote_lat, or nanomsg's remote_lat, measures), then waits until the
 * last echo has arrived (the measuring side hangs up) before closing. */
#include "perf_common.h"

#include <nanomsg/pair.h>
#include <nanomsg/tcp.h>

static const char usage[] =
    "usage: np_local_lat <bind-to> <msg-size> <roundtrips> [--json]\n"
    "  Echoes <roundtrips> messages of <msg-size> bytes on a PAIR socket bound to\n"
    "  <bind-to>, for np_remote_lat, which measures the latency.\n";

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

    int s = nn_socket(AF_SP, NN_PAIR);
    if (s < 0) perf_fail("nn_socket");
    int one = 1, maxsize = -1, linger = 10000;
    nn_setsockopt(s, NN_TCP, NN_TCP_NODELAY, &one, sizeof one);
    nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &maxsize, sizeof maxsize);
    nn_setsockopt(s, NN_SOL_SOCKET, NN_LINGER, &linger, sizeof linger);
    if (nn_bind(s, url) < 0) perf_fail("nn_bind");
    for (long i = 0; i != roundtrips; i++) {
        int n = nn_recv(s, buf, (size_t)size, 0);
        if (n != size) perf_fail("nn_recv");
        if (nn_send(s, buf, (size_t)size, 0) != size) perf_fail("nn_send");
    }
    if (json) printf("{\"tool\":\"local_lat\",\"size\":%ld,\"roundtrips\":%ld}\n", size, roundtrips);
    perf_wait_peer_gone(s, linger);
    free(buf);
    nn_close(s);
    return 0;
}
