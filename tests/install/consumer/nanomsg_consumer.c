/*  A nanomsg program, unchanged: it is built against an installed nanoport by
    tests/install/install_test.sh, once through pkg-config (nanoport-nanomsg)
    and once through find_package(nanoport). With NANOPORT_CONSUMER_CALLS_API
    it calls into the library, so that linking it proves libnanoport exports
    the nanomsg API; without, it only uses the headers' constants. */

#include <nanomsg/nn.h>
#include <nanomsg/pair.h>

#include <stdio.h>

int main(void) {
#ifdef NANOPORT_CONSUMER_CALLS_API
    int s = nn_socket(AF_SP, NN_PAIR);
    if (s < 0) {
        fprintf(stderr, "nn_socket: %s\n", nn_strerror(nn_errno()));
        return 1;
    }
    if (nn_close(s) != 0) {
        fprintf(stderr, "nn_close: %s\n", nn_strerror(nn_errno()));
        return 1;
    }
    printf("nn_socket(AF_SP, NN_PAIR) and nn_close succeeded\n");
#else
    printf("AF_SP=%d NN_PAIR=%d\n", AF_SP, NN_PAIR);
#endif
    return 0;
}
