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

#include "cpu/schedule.h"
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

/* Tasks that each wait, up to 10 s, until every task of the run has started: they can only all
 * finish in time if they run at once, on as many threads. */
typedef struct meeting {
    wtconv_atomic started, timed_out;
    pthread_t who[MAX_TASKS];
} meeting;

static void meet(void *arg, int task, int tasks) {
    meeting *m = arg;
    struct timespec pause = {0, 1000000};
    m->who[task] = pthread_self();
    wtconv_atomic_fetch_add(&m->started, 1);
    for (int waited = 0; wtconv_atomic_load(&m->started) < tasks; waited++) {
        if (waited == 10000) {
            wtconv_atomic_fetch_add(&m->timed_out, 1);
            return;
        }
        nanosleep(&pause, NULL);
    }
}

/* The CPU backend's way of running tasks (wtconv_cpu_run_tasks on a pool) really runs them on
 * several threads at once: every other case here would pass with the tasks run one after
 * another on the calling thread. */
static int concurrency(int threads) {
    wtconv_threadpool *pool = NULL;
    wtconv_cpu_runner runner;
    meeting m;
    int distinct = 1, ok;
    if (wtconv_pool_create(threads, 0, &pool) != WTCONV_OK) {
        printf("FAIL pool of %d threads: not created\n", threads);
        return 0;
    }
    memset(&runner, 0, sizeof runner);
    memset(&m, 0, sizeof m);
    runner.pool = pool;
    wtconv_cpu_run_tasks(&runner, meet, &m, threads);
    for (int t = 1; t < threads; t++) {
        int seen = 0;
        for (int u = 0; u < t; u++)
            seen |= pthread_equal(m.who[t], m.who[u]);
        distinct += !seen;
    }
    ok = wtconv_atomic_load(&m.timed_out) == 0 && distinct == threads;
    printf("%s %d tasks on a pool of %d threads at once: %d distinct threads, %ld timed out\n",
           ok ? "ok  " : "FAIL", threads, threads, distinct, wtconv_atomic_load(&m.timed_out));
    wtconv_pool_destroy(pool);
    return ok;
}

int main(void) {
    int failed = 0;
    failed += !concurrency(2);
    failed += !concurrency(4);
    for (int threads = 1; threads <= 4; threads++) {
        wtconv_threadpool *pool = NULL;
        pthread_t ids[APP_THREADS];
        app apps[APP_THREADS];
        int errors = 0, started = 0;
        if (wtconv_pool_create(threads, 0, &pool) != WTCONV_OK) {
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
    printf("%d passed, %d failed\n", 6 - failed, failed);
    return failed ? 1 : 0;
}
