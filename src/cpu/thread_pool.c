#include "cpu/thread_pool.h"

#include <stdlib.h>

#include "base/error.h"
#include "platform/threads.h"

/* How long a thread busy-waits (pause instructions) for the next job, or for the workers to
 * finish, before it sleeps on a condition variable: roughly a millisecond. Runs follow one
 * another closely in inference loops, and a sleeping thread takes tens of microseconds to
 * wake, or much longer when another process holds its core; a layer runs in well under a
 * millisecond on small inputs. Only when the pool has no more threads than the machine has
 * processors: otherwise spinning would take their time from the threads with work. */
#define SPIN_ROUNDS 20000

struct wtconv_thread_pool {
    int threads;            /* including the caller */
    int started;            /* workers actually started */
    int spin_rounds;        /* SPIN_ROUNDS, or 0 */
    wtconv_thread *workers; /* threads - 1 */
    struct worker_start *starts;
    wtconv_mutex lock;
    wtconv_cond wake;         /* a new job, or shutdown */
    wtconv_cond finished;     /* the last worker finished the current job */
    wtconv_atomic generation; /* bumped per job (after job, arg, running), so a worker runs
                                 each job once */
    wtconv_atomic running;    /* workers still busy with the current job */
    wtconv_atomic shutdown;
    wtconv_pool_job job;
    void *arg;
};

typedef struct worker_start {
    wtconv_thread_pool *pool;
    int index;
} worker_start;

/* The generation after `seen`: busy-waits for it a while, then sleeps. Changes of generation
 * are broadcast under the lock, so checking it under the lock before waiting loses none. */
static long wait_for_job(wtconv_thread_pool *pool, long seen) {
    long generation = wtconv_atomic_load(&pool->generation);
    for (int i = 0; generation == seen && i < pool->spin_rounds; i++) {
        wtconv_spin_pause();
        generation = wtconv_atomic_load(&pool->generation);
    }
    if (generation == seen) {
        wtconv_mutex_lock(&pool->lock);
        while ((generation = wtconv_atomic_load(&pool->generation)) == seen)
            wtconv_cond_wait(&pool->wake, &pool->lock);
        wtconv_mutex_unlock(&pool->lock);
    }
    return generation;
}

static void worker_main(void *opaque) {
    worker_start *start = opaque;
    wtconv_thread_pool *pool = start->pool;
    const int index = start->index;
    long seen = 0;
    for (;;) {
        seen = wait_for_job(pool, seen);
        if (wtconv_atomic_load(&pool->shutdown))
            break;
        pool->job(pool->arg, index, pool->threads);
        if (wtconv_atomic_decrement(&pool->running) == 0) {
            wtconv_mutex_lock(&pool->lock);
            wtconv_cond_broadcast(&pool->finished);
            wtconv_mutex_unlock(&pool->lock);
        }
    }
}

wtconv_status wtconv_pool_create(int threads, wtconv_thread_pool **out_pool) {
    const size_t workers = (size_t)(threads - 1);
    wtconv_thread_pool *pool = calloc(1, sizeof *pool);
    int have_lock = 0, have_wake = 0, have_finished = 0;
    *out_pool = NULL;
    if (!pool)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory for a thread pool");
    pool->threads = threads;
    pool->spin_rounds = threads <= wtconv_online_cpus() ? SPIN_ROUNDS : 0;
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
    /* Workers are between jobs (running is 0), so nobody reads these now; the release
     * store of the generation publishes them. */
    pool->job = job;
    pool->arg = arg;
    wtconv_atomic_store(&pool->running, pool->threads - 1);
    wtconv_mutex_lock(&pool->lock);
    wtconv_atomic_store(&pool->generation, wtconv_atomic_load(&pool->generation) + 1);
    wtconv_cond_broadcast(&pool->wake);
    wtconv_mutex_unlock(&pool->lock);

    job(arg, 0, pool->threads);

    for (int i = 0; wtconv_atomic_load(&pool->running) > 0 && i < pool->spin_rounds; i++)
        wtconv_spin_pause();
    if (wtconv_atomic_load(&pool->running) > 0) {
        wtconv_mutex_lock(&pool->lock);
        while (wtconv_atomic_load(&pool->running) > 0)
            wtconv_cond_wait(&pool->finished, &pool->lock);
        wtconv_mutex_unlock(&pool->lock);
    }
}

void wtconv_pool_destroy(wtconv_thread_pool *pool) {
    if (!pool)
        return;
    wtconv_atomic_store(&pool->shutdown, 1);
    wtconv_mutex_lock(&pool->lock); /* a new generation wakes the workers, spinning or not */
    wtconv_atomic_store(&pool->generation, wtconv_atomic_load(&pool->generation) + 1);
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
