/* free_port.c -- prints a TCP port on 127.0.0.1 that is free right now.
 *
 * Used by run_case.sh to give each interop case its own ports at run time.
 * The port is drawn at random from the 12000 ports just below the kernel's
 * ephemeral range, so outgoing connections (which take ephemeral ports) do
 * not race for it; the caller still reserves it and retries on EADDRINUSE. */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int ephemeral_low(void)
{
    int low = 32768, high;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (f != NULL) {
        if (fscanf(f, "%d %d", &low, &high) != 2) {
            low = 32768;
        }
        fclose(f);
    }
    return low;
}

static int bindable(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return 0;
    }
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
    close(fd);
    return ok;
}

int main(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    srand((unsigned)(now.tv_nsec ^ (getpid() << 16)));
    int high = ephemeral_low();
    int low = high > 13024 ? high - 12000 : 1024;
    for (int attempt = 0; attempt < 1000; attempt++) {
        int port = low + rand() % (high - low);
        if (bindable(port)) {
            printf("%d\n", port);
            return 0;
        }
    }
    fprintf(stderr, "free_port: no free port in %d..%d\n", low, high - 1);
    return 1;
}
