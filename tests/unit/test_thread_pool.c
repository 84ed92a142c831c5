/* The worker pool (src/cpu/thread_pool.c) on its own, under stress: runs of 1 to 6 tasks on
 * pools of 1 to 4 threads, from 3 application threads at once sharing one pool, each task
 * checked to run exactly once per run and every run to return only after all its tasks; with
 * pauses between some runs so that the workers go to sleep and must be woken. Run under
 * ThreadSanitizer, ASan and Valgrind in CI like every test. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cpu/thread_pool.h"
#include "platform/threads.h"

#define APP_THREADS 3
#define RUNS 400
#define MAX_TASKS 6

typedef struct run_state {
    wtconv_atomic done[MAX_TASKS];
    wtconv_atomic total;
} run_state;

static void job(void *arg, int task, int tasks) {
    run_state *r = arg;
    volatile double x = 0;
    for (int i = 0; i < 200 * (task + 1); i++) /* uneven tasks */
        x += i;
    (void)x;
    if (task >= 0 && task < tasks && tasks <= MAX_TASKS)
        wtconv_atomic_fetch_add(&r->done[task], 1);
    wtconv_atomic_fetch_add(&r->total, 1);
}

typedef struct app {
    wtconv_threadpool *pool;
    int id, errors;
} app;

static void *app_main(void *opaque) {
    app *a = opaque;
    for (int run = 0; run < RUNS; run++) {
        run_state r;
        const int tasks = 1 + (run + a->id) % MAX_TASKS;
        memset(&r, 0, sizeof r);
        wtconv_pool_run(a->pool, job, &r, tasks);
        for (int t = 0; t < MAX_TASKS; t++)
            if (wtconv_atomic_load(&r.done[t]) != (t < tasks))
                a->errors++;
        if (wtconv_atomic_load(&r.total) != tasks)
            a->errors++;
        if (run % 50 == 49) { /* long enough for the workers to sleep */
            struct timespec pause = {0, 2000000};
            nanosleep(&pause, NULL);
        }
    }
    return NULL;
}

int main(void) {
    int failed = 0;
    for (int threads = 1; threads <= 4; threads++) {
        wtconv_threadpool *pool = NULL;
        pthread_t ids[APP_THREADS];
        app apps[APP_THREADS];
        int errors = 0, started = 0;
        if (wtconv_pool_create(threads, &pool) != WTCONV_OK) {
            printf("FAIL pool of %d threads: not created\n", threads);
            failed++;
            continue;
        }
        for (int i = 0; i < APP_THREADS; i++) {
            apps[i].pool = pool, apps[i].id = i, apps[i].errors = 0;
            if (pthread_create(&ids[i], NULL, app_main, &apps[i]) == 0)
                started++;
            else
                break;
        }
        for (int i = 0; i < started; i++) {
            pthread_join(ids[i], NULL);
            errors += apps[i].errors;
        }
        wtconv_pool_destroy(pool);
        printf("%s pool of %d threads, %d application threads x %d runs of 1..%d tasks: %d "
               "errors\n",
               errors || started != APP_THREADS ? "FAIL" : "ok  ", threads, started, RUNS,
               MAX_TASKS, errors);
        failed += errors || started != APP_THREADS;
    }
    printf("%d passed, %d failed\n", 4 - failed, failed);
    return failed ? 1 : 0;
}
