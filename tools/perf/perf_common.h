/* Shared by nanoport's perf tools: argument parsing, timing and result
 * printing. The tools use only the public nanomsg C API, so the same sources
 * build against nanoport (np_local_thr, ...) and against any other library
 * that offers that API - which is how interop and speed are compared. */
#ifndef NANOPORT_PERF_COMMON_H
#define NANOPORT_PERF_COMMON_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep under -std=c11 */
#endif

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nanomsg/nn.h>

/* Monotonic time in microseconds. */
static inline double perf_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Exits with a message naming the failed call and nn_strerror. */
static inline void perf_fail(const char *what) {
    fprintf(stderr, "%s: %s\n", what, nn_strerror(nn_errno()));
    exit(1);
}

/* Exit status for a bad command line; nanomsg's perf tools return 1. */
#define PERF_USAGE_EXIT 1

/* Parses an integer argument of at least min (and at most INT_MAX, as
 * nanomsg's tools keep sizes and counts in an int) or exits with usage. */
static inline long perf_number_min(const char *text, const char *name, const char *usage, long min) {
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || v < min || v > INT_MAX) {
        fprintf(stderr, "invalid %s '%s'\n%s", name, text, usage);
        exit(PERF_USAGE_EXIT);
    }
    return v;
}

/* A count: at least 1. */
static inline long perf_number(const char *text, const char *name, const char *usage) {
    return perf_number_min(text, name, usage, 1);
}

/* A message size: 0 or more bytes. */
static inline long perf_size(const char *text, const char *usage) {
    return perf_number_min(text, "message size", usage, 0);
}

/* malloc that never returns NULL for 0 bytes. */
static inline char *perf_buffer(long size) {
    char *buf = (char *)malloc(size > 0 ? (size_t)size : 1);
    if (!buf) perf_fail("malloc");
    memset(buf, 111, size > 0 ? (size_t)size : 1); /* nanomsg's tools send 'o's */
    return buf;
}

/* Sleeps for ms milliseconds. */
static inline void perf_sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Waits, up to timeout_ms, until socket s has no connection left, i.e. until
 * the peer has received everything it wanted and closed its socket; then the
 * caller may close s without dropping a message still on its way.
 *
 * NN_LINGER alone is not enough for a sender built against a library that
 * ignores it (nanomsg 1.1.5 does; its own perf tools sleep for a second
 * before closing instead). NN_STAT_CURRENT_CONNECTIONS is checked every
 * millisecond; a library without that statistic returns at once. */
static inline void perf_wait_peer_gone(int s, long timeout_ms) {
    double deadline = perf_now_us() + timeout_ms * 1e3;
    for (;;) {
        errno = 0;
        uint64_t current = nn_get_statistic(s, NN_STAT_CURRENT_CONNECTIONS);
        if (current == 0 || (current == (uint64_t)-1 && errno != 0)) return;
        if (perf_now_us() >= deadline) return;
        perf_sleep_ms(1);
    }
}

/* Splits argv into positional arguments and the --json flag; handles --help.
 * Returns the number of positional arguments (stored in pos). */
static inline int perf_args(int argc, char **argv, const char *usage, const char **pos, int max, int *json) {
    int n = 0, i;
    *json = 0;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            *json = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            exit(0);
        } else if (n < max) {
            pos[n++] = argv[i];
        } else {
            fprintf(stderr, "too many arguments\n%s", usage);
            exit(PERF_USAGE_EXIT);
        }
    }
    return n;
}

static inline int perf_compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The p-th percentile (0..100) of n sorted samples, nearest rank. */
static inline double perf_percentile(const double *sorted, long n, double p) {
    long rank = (long)(p / 100.0 * n + 0.5);
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return sorted[rank - 1];
}

/* Prints a throughput result: nanomsg's four lines (LABEL is "throughput"
 * for local_thr, "mean throughput" for inproc_thr), with nanomsg's integer
 * arithmetic (whole microseconds, whole messages per second), or one JSON
 * line with --json. */
static inline void perf_print_throughput(const char *tool, const char *label, long size, long count,
                                         double elapsed_us, int json) {
    uint64_t total_us = (uint64_t)elapsed_us;
    if (total_us == 0) total_us = 1;
    uint64_t msgs_per_s = (uint64_t)((double)count / (double)total_us * 1000000);
    double megabits = (double)(msgs_per_s * (uint64_t)size * 8) / 1000000;
    if (json) {
        printf("{\"tool\":\"%s\",\"size\":%ld,\"count\":%ld,\"seconds\":%.6f,"
               "\"msgs_per_s\":%llu,\"mbit_per_s\":%.3f}\n",
               tool, size, count, total_us / 1e6, (unsigned long long)msgs_per_s, megabits);
    } else {
        printf("message size: %d [B]\n", (int)size);
        printf("message count: %d\n", (int)count);
        printf("%s: %d [msg/s]\n", label, (int)msgs_per_s);
        printf("%s: %.3f [Mb/s]\n", label, megabits);
    }
}

/* Prints a latency result: nanomsg's three lines (average one-way latency,
 * the round trip halved) or one JSON line with --json, which adds the
 * round-trip percentiles of SAMPLES (one per round trip; sorted here). */
static inline void perf_print_latency(const char *tool, long size, long roundtrips, double total_us,
                                      double *samples, int json) {
    double average_us = total_us / ((double)roundtrips * 2);
    qsort(samples, (size_t)roundtrips, sizeof(double), perf_compare_double);
    if (json) {
        printf("{\"tool\":\"%s\",\"size\":%ld,\"roundtrips\":%ld,\"latency_us\":%.3f,"
               "\"rtt_p50_us\":%.3f,\"rtt_p99_us\":%.3f}\n",
               tool, size, roundtrips, average_us, perf_percentile(samples, roundtrips, 50),
               perf_percentile(samples, roundtrips, 99));
    } else {
        printf("message size: %d [B]\n", (int)size);
        printf("roundtrip count: %d\n", (int)roundtrips);
        printf("average latency: %.3f [us]\n", average_us);
    }
}

#endif
