/* Shared by nanoport's perf tools: argument parsing, timing and result
 * printing. The tools use only the public nanomsg C API, so the same sources
 * build against nanoport (np_local_thr, ...) and against any other library
 * that offers that API - which is how interop and speed are compared. */
#ifndef NANOPORT_PERF_COMMON_H
#define NANOPORT_PERF_COMMON_H

#include <errno.h>
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

/* Parses a positive integer argument or exits with usage. */
static inline long perf_number(const char *text, const char *name, const char *usage) {
    char *end = NULL;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || v <= 0) {
        fprintf(stderr, "invalid %s '%s'\n%s", name, text, usage);
        exit(2);
    }
    return v;
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
            exit(2);
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

#endif
