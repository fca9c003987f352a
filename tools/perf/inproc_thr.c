/* np_inproc_thr <msg-size> <msg-count> [--json]
 * nanomsg's inproc_thr: two PAIR sockets joined over inproc in one process;
 * a second thread sends an empty start message and then msg-count messages
 * of msg-size bytes, the main thread receives them and prints the
 * throughput ("mean throughput", as nanomsg's tool prints it). */
#include "perf_common.h"

#include <pthread.h>

#include <nanomsg/pair.h>

static const char usage[] =
    "usage: np_inproc_thr <msg-size> <msg-count> [--json]\n"
    "  Sends <msg-count> messages of <msg-size> bytes from one thread to another\n"
    "  over inproc PAIR sockets and prints the throughput.\n";

static long message_size;
static long message_count;

static void *sender(void *arg) {
    int s = *(int *)arg;
    char *buf = perf_buffer(message_size);
    if (nn_send(s, buf, 0, 0) != 0) perf_fail("nn_send (start message)");
    for (long i = 0; i != message_count; i++) {
        if (nn_send(s, buf, (size_t)message_size, 0) != message_size) perf_fail("nn_send");
    }
    free(buf);
    return NULL;
}

int main(int argc, char **argv) {
    const char *pos[2];
    int json;
    if (perf_args(argc, argv, usage, pos, 2, &json) != 2) {
        fputs(usage, stderr);
        return PERF_USAGE_EXIT;
    }
    message_size = perf_size(pos[0], usage);
    message_count = perf_number(pos[1], "message count", usage);

    int s = nn_socket(AF_SP, NN_PAIR);
    if (s < 0) perf_fail("nn_socket");
    int maxsize = -1;
    nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &maxsize, sizeof maxsize);
    if (nn_bind(s, "inproc://inproc_thr") < 0) perf_fail("nn_bind");
    int w = nn_socket(AF_SP, NN_PAIR);
    if (w < 0) perf_fail("nn_socket");
    if (nn_connect(w, "inproc://inproc_thr") < 0) perf_fail("nn_connect");
    char *buf = perf_buffer(message_size);

    pthread_t thread;
    if (pthread_create(&thread, NULL, sender, &w) != 0) {
        fputs("pthread_create failed\n", stderr);
        return 1;
    }
    if (nn_recv(s, buf, (size_t)message_size, 0) != 0) perf_fail("nn_recv (start message)");
    double start = perf_now_us();
    for (long i = 0; i != message_count; i++) {
        int n = nn_recv(s, buf, (size_t)message_size, 0);
        if (n != message_size) perf_fail("nn_recv");
    }
    double elapsed_us = perf_now_us() - start;
    pthread_join(thread, NULL);
    perf_print_throughput("inproc_thr", "mean throughput", message_size, message_count, elapsed_us,
                          json);
    free(buf);
    nn_close(s);
    nn_close(w);
    return 0;
}
