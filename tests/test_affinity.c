/* The default thread count follows the process's CPU affinity (Linux): pinned to one CPU, a
 * context asked for num_threads = 0 on a layer of many planes runs on one thread, not one per
 * online core of the machine. Skipped (77) off Linux and where fewer than two CPUs are allowed
 * (nothing to tell apart). */
#if defined(__linux__)
#define _GNU_SOURCE
#include <sched.h>
#endif
#include <stdio.h>

#include "wtconv/wtconv.h"

#define TEST_SKIPPED 77

int main(int argc, char **argv) {
#if defined(__linux__) && defined(CPU_COUNT)
    cpu_set_t all, one;
    wtconv_ctx *ctx = NULL;
    wtconv_options o;
    int first = -1, threads;
    if (argc != 2) {
        fprintf(stderr, "usage: test_affinity MODEL (32 channels, 64 x 64)\n");
        return 2;
    }
    if (sched_getaffinity(0, sizeof all, &all) != 0 || CPU_COUNT(&all) < 2) {
        printf("skipped: fewer than two CPUs allowed\n");
        return TEST_SKIPPED;
    }
    for (int c = 0; c < CPU_SETSIZE && first < 0; c++)
        if (CPU_ISSET(c, &all))
            first = c;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) {
        printf("skipped: cannot pin the process to one CPU\n");
        return TEST_SKIPPED;
    }
    wtconv_options_init(&o);
    o.backend = WTCONV_BACKEND_CPU;
    if (wtconv_create_with_options(argv[1], 32, 64, 64, &o, &ctx) != WTCONV_OK) {
        fprintf(stderr, "FAIL create: %s\n", wtconv_last_error());
        return 1;
    }
    threads = wtconv_num_threads(ctx);
    printf("%s pinned to CPU %d of %d allowed: %d thread(s) (%s)\n", threads == 1 ? "ok  " : "FAIL",
           first, CPU_COUNT(&all), threads, wtconv_backend_detail(ctx));
    wtconv_destroy(ctx);
    return threads == 1 ? 0 : 1;
#else
    (void)argc;
    (void)argv;
    printf("skipped: the CPU affinity is read on Linux only\n");
    return TEST_SKIPPED;
#endif
}
