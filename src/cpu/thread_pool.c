#include "cpu/thread_pool.h"

#include <stdlib.h>

#include "api/error.h"
#include "platform/threads.h"

struct wtconv_thread_pool {
    int threads;            /* including the caller */
    int started;            /* workers actually started */
    wtconv_thread *workers; /* threads - 1 */
    struct worker_start *starts;
    wtconv_mutex lock;
    wtconv_cond wake;         /* a new job, or shutdown */
    wtconv_cond finished;     /* a worker finished the current job */
    unsigned long generation; /* bumped per job, so a worker runs each job once */
    int running;              /* workers still busy with the current job */
    int shutdown;
    wtconv_pool_job job;
    void *arg;
};

typedef struct worker_start {
    wtconv_thread_pool *pool;
    int index;
} worker_start;

static void worker_main(void *opaque) {
    worker_start *start = opaque;
    wtconv_thread_pool *pool = start->pool;
    const int index = start->index;
    unsigned long seen = 0;
    wtconv_mutex_lock(&pool->lock);
    for (;;) {
        while (!pool->shutdown && pool->generation == seen)
            wtconv_cond_wait(&pool->wake, &pool->lock);
        if (pool->shutdown)
            break;
        seen = pool->generation;
        {
            wtconv_pool_job job = pool->job;
            void *arg = pool->arg;
            wtconv_mutex_unlock(&pool->lock);
            job(arg, index, pool->threads);
            wtconv_mutex_lock(&pool->lock);
        }
        if (--pool->running == 0)
            wtconv_cond_broadcast(&pool->finished);
    }
    wtconv_mutex_unlock(&pool->lock);
}

wtconv_status wtconv_pool_create(int threads, wtconv_thread_pool **out_pool) {
    const size_t workers = (size_t)(threads - 1);
    wtconv_thread_pool *pool = calloc(1, sizeof *pool);
    int have_lock = 0, have_wake = 0, have_finished = 0;
    *out_pool = NULL;
    if (!pool)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory for a thread pool");
    pool->threads = threads;
    if (workers > 0) {
        pool->workers = malloc(workers * sizeof *pool->workers);
        pool->starts = malloc(workers * sizeof *pool->starts);
        if (!pool->workers || !pool->starts)
            goto no_resources;
    }
    /* The primitives can fail only for lack of resources (pthreads) or not at all (Win32). */
    have_lock = wtconv_mutex_init(&pool->lock) == 0;
    have_wake = have_lock && wtconv_cond_init(&pool->wake) == 0;
    have_finished = have_wake && wtconv_cond_init(&pool->finished) == 0;
    if (!have_finished)
        goto no_resources;
    for (size_t i = 0; i < workers; i++) {
        worker_start *start = &pool->starts[i];
        start->pool = pool;
        start->index = (int)i + 1;
        if (wtconv_thread_start(&pool->workers[i], worker_main, start) != 0) {
            wtconv_pool_destroy(pool);
            return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY,
                               "cannot start worker thread %zu of %d (num_threads)", i + 1,
                               threads - 1);
        }
        pool->started++;
    }
    *out_pool = pool;
    return WTCONV_OK;

no_resources:
    if (have_wake)
        wtconv_cond_destroy(&pool->wake);
    if (have_lock)
        wtconv_mutex_destroy(&pool->lock);
    free(pool->workers);
    free(pool->starts);
    free(pool);
    return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of resources for a pool of %d threads",
                       threads);
}

void wtconv_pool_run(wtconv_thread_pool *pool, wtconv_pool_job job, void *arg) {
    if (pool->threads == 1) {
        job(arg, 0, 1);
        return;
    }
    wtconv_mutex_lock(&pool->lock);
    pool->job = job;
    pool->arg = arg;
    pool->running = pool->threads - 1;
    pool->generation++;
    wtconv_cond_broadcast(&pool->wake);
    wtconv_mutex_unlock(&pool->lock);

    job(arg, 0, pool->threads);

    wtconv_mutex_lock(&pool->lock);
    while (pool->running > 0)
        wtconv_cond_wait(&pool->finished, &pool->lock);
    wtconv_mutex_unlock(&pool->lock);
}

void wtconv_pool_destroy(wtconv_thread_pool *pool) {
    if (!pool)
        return;
    wtconv_mutex_lock(&pool->lock);
    pool->shutdown = 1;
    wtconv_cond_broadcast(&pool->wake);
    wtconv_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->started; i++)
        wtconv_thread_join(pool->workers[i]);
    wtconv_cond_destroy(&pool->wake);
    wtconv_cond_destroy(&pool->finished);
    wtconv_mutex_destroy(&pool->lock);
    free(pool->workers);
    free(pool->starts);
    free(pool);
}
