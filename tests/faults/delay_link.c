/* delay_link: a network link with delay and jitter between two network
 * namespaces, for kernels without `tc netem`.
 *
 *   delay_link --ns-a NS --ns-b NS --dev-a NAME --dev-b NAME
 *              --delay-ms D [--jitter-ms J] --seconds S --ready FILE
 *
 * It makes a TUN device in each namespace (NS as named by `ip netns`), and
 * every IP packet one device sends out is written into the other D ms later,
 * give or take up to J ms drawn at random for each packet, so that packets
 * also overtake one another as they do on a jittery path. The caller gives
 * the devices their addresses once FILE exists (`ip -n NS addr add LOCAL
 * peer REMOTE dev NAME`, `ip -n NS link set NAME up`).
 *
 * The devices live as long as this process: it ends by itself after S
 * seconds, or on SIGTERM, and prints what it did on stdout:
 *   forwarded=N dropped=M min_delay_us=A max_delay_us=B
 * (a packet is dropped only if more than max_in_flight are in flight, or the
 * receiving device refuses it). Exit status 0, or 70 on a set-up error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

enum { max_in_flight = 8192, max_packet = 2048 };

struct packet {
    int64_t release_ns; /* when it leaves the link */
    int64_t queued_ns;  /* when it entered */
    int to;             /* 0: device a, 1: device b */
    int size;
    unsigned char data[max_packet];
};

static struct packet pool[max_in_flight];
static int free_slots[max_in_flight];
static int free_count;
static int heap[max_in_flight]; /* slots, ordered by release_ns */
static int heap_size;
static volatile sig_atomic_t stop_requested;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void on_term(int sig) {
    (void)sig;
    stop_requested = 1;
}

static int earlier(int a, int b) { return pool[heap[a]].release_ns < pool[heap[b]].release_ns; }

static void swap(int a, int b) {
    int t = heap[a];
    heap[a] = heap[b];
    heap[b] = t;
}

static void heap_push(int slot) {
    int i = heap_size++;
    heap[i] = slot;
    while (i > 0 && earlier(i, (i - 1) / 2)) {
        swap(i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static int heap_pop(void) {
    int top = heap[0];
    heap[0] = heap[--heap_size];
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < heap_size && earlier(l, m)) m = l;
        if (r < heap_size && earlier(r, m)) m = r;
        if (m == i) break;
        swap(i, m);
        i = m;
    }
    return top;
}

/* Enters the network namespace `ip netns` calls name. */
static int enter_namespace(const char* name) {
    char path[256];
    snprintf(path, sizeof path, "/var/run/netns/%s", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "delay_link: %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = setns(fd, CLONE_NEWNET);
    if (rc != 0) fprintf(stderr, "delay_link: setns %s: %s\n", name, strerror(errno));
    close(fd);
    return rc;
}

/* A TUN device named name in the current namespace, non-blocking. */
static int open_tun(const char* name) {
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "delay_link: /dev/net/tun: %s\n", strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        fprintf(stderr, "delay_link: TUNSETIFF %s: %s\n", name, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static uint64_t rng_state;
static uint64_t next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

int main(int argc, char** argv) {
    const char *ns[2] = {0, 0}, *dev[2] = {0, 0}, *ready = 0;
    long delay_ms = -1, jitter_ms = 0, seconds = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--ns-a")) ns[0] = v;
        else if (!strcmp(k, "--ns-b")) ns[1] = v;
        else if (!strcmp(k, "--dev-a")) dev[0] = v;
        else if (!strcmp(k, "--dev-b")) dev[1] = v;
        else if (!strcmp(k, "--delay-ms")) delay_ms = atol(v);
        else if (!strcmp(k, "--jitter-ms")) jitter_ms = atol(v);
        else if (!strcmp(k, "--seconds")) seconds = atol(v);
        else if (!strcmp(k, "--ready")) ready = v;
        else {
            fprintf(stderr, "delay_link: unknown option %s\n", k);
            return 70;
        }
    }
    if (argc % 2 != 1 || !ns[0] || !ns[1] || !dev[0] || !dev[1] || !ready || delay_ms < 0 ||
        jitter_ms < 0 || jitter_ms > delay_ms || seconds <= 0) {
        fprintf(stderr,
                "usage: delay_link --ns-a NS --ns-b NS --dev-a NAME --dev-b NAME --delay-ms D "
                "[--jitter-ms J<=D] --seconds S --ready FILE\n");
        return 70;
    }

    int fds[2];
    for (int side = 0; side < 2; ++side) {
        if (enter_namespace(ns[side]) != 0) return 70;
        fds[side] = open_tun(dev[side]);
        if (fds[side] < 0) return 70;
    }
    FILE* f = fopen(ready, "w");
    if (!f) {
        fprintf(stderr, "delay_link: %s: %s\n", ready, strerror(errno));
        return 70;
    }
    fclose(f);

    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    rng_state = (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < max_in_flight; ++i) free_slots[i] = max_in_flight - 1 - i;
    free_count = max_in_flight;

    const int64_t deadline = now_ns() + (int64_t)seconds * 1000000000;
    const int64_t delay_ns = (int64_t)delay_ms * 1000000, jitter_ns = (int64_t)jitter_ms * 1000000;
    unsigned long long forwarded = 0, dropped = 0;
    int64_t min_delay = -1, max_delay = 0;
    unsigned char scratch[max_packet];

    while (!stop_requested) {
        int64_t now = now_ns();
        if (now >= deadline) break;
        /* Everything due leaves the link. */
        while (heap_size > 0 && pool[heap[0]].release_ns <= now) {
            int slot = heap_pop();
            struct packet* p = &pool[slot];
            if (write(fds[p->to], p->data, (size_t)p->size) == p->size) {
                ++forwarded;
                int64_t held = now - p->queued_ns;
                if (min_delay < 0 || held < min_delay) min_delay = held;
                if (held > max_delay) max_delay = held;
            } else {
                ++dropped;
            }
            free_slots[free_count++] = slot;
        }
        int64_t wait_ns = deadline - now;
        if (heap_size > 0 && pool[heap[0]].release_ns - now < wait_ns) wait_ns = pool[heap[0]].release_ns - now;
        struct pollfd pfd[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
        int timeout_ms = (int)((wait_ns + 999999) / 1000000);
        if (timeout_ms > 100) timeout_ms = 100;
        if (poll(pfd, 2, timeout_ms) < 0 && errno != EINTR) {
            fprintf(stderr, "delay_link: poll: %s\n", strerror(errno));
            return 70;
        }
        for (int side = 0; side < 2; ++side) {
            if (!(pfd[side].revents & POLLIN)) continue;
            for (;;) {
                if (free_count == 0) {
                    /* Full: read and drop, as an overflowing queue would. */
                    if (read(fds[side], scratch, sizeof scratch) <= 0) break;
                    ++dropped;
                    continue;
                }
                int slot = free_slots[free_count - 1];
                struct packet* p = &pool[slot];
                ssize_t n = read(fds[side], p->data, sizeof p->data);
                if (n <= 0) break;
                --free_count;
                p->size = (int)n;
                p->to = 1 - side;
                p->queued_ns = now_ns();
                int64_t spread =
                    jitter_ns > 0 ? (int64_t)(next_random() % (uint64_t)(2 * jitter_ns + 1)) - jitter_ns : 0;
                p->release_ns = p->queued_ns + delay_ns + spread;
                heap_push(slot);
            }
        }
    }
    printf("forwarded=%llu dropped=%llu min_delay_us=%lld max_delay_us=%lld\n", forwarded, dropped,
           (long long)(min_delay < 0 ? 0 : min_delay / 1000), (long long)(max_delay / 1000));
    return 0;
}
