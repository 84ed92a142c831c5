#if !defined(_WIN32)
#define _POSIX_C_SOURCE 200809L /* pthread_atfork */
#endif

#include "cpu/thread_pool.h"

#include <stdlib.h>

#include "base/error.h"
#include "platform/threads.h"

/* How long an idle thread busy-waits for the next run, or the caller for the workers' last
 * tasks, before it sleeps on a condition variable: SPIN_ROUNDS pause instructions, yielding
 * the core every YIELD_EVERY of them to any other runnable thread: a few hundred
 * microseconds at most, and never a core another thread wants (see docs/threads.md for why
 * the millisecond of pure spinning this replaces made networks slower). Only in pools with no
 * more threads than the machine has cores. */
#define SPIN_ROUNDS 4096
#define YIELD_EVERY 64
/* The most threads a pool may have (none of a context's runs has more tasks). */
#define POOL_MAX_THREADS 256

struct wtconv_threadpool {
    int threads;     /* including the caller */
    int started;     /* workers actually started */
    int spin_rounds; /* SPIN_ROUNDS, or 0 */
    wtconv_thread *workers;
    wtconv_mutex lock;
    wtconv_cond wake;         /* a new run, or shutdown */
    wtconv_cond finished;     /* the run's last task finished */
    wtconv_atomic generation; /* bumped (under the lock) by every run and by shutdown */
    wtconv_atomic unfinished; /* the run's tasks not yet finished */
    wtconv_atomic busy;       /* 1 while a run holds the pool */
    wtconv_atomic spinning;   /* workers busy-waiting for the next run */
    wtconv_atomic shutdown;
    /* The run in progress, under the lock. */
    wtconv_pool_job job;
    void *arg;
    int tasks, next_task;
};

/* Busy-waits while `*value == seen` (or, with until_zero, while it is not 0) for at most the
 * pool's spin rounds, yielding now and then; returns the last value read. */
static long spin_while(const wtconv_threadpool *pool, const wtconv_atomic *value, long seen,
                       int until_zero) {
    long v = wtconv_atomic_load(value);
    for (int i = 0; (until_zero ? v != 0 : v == seen) && i < pool->spin_rounds; i++) {
        if (i % YIELD_EVERY == YIELD_EVERY - 1)
            wtconv_thread_yield();
        else
            wtconv_spin_pause();
        v = wtconv_atomic_load(value);
    }
    return v;
}

/* The generation after `seen`: busy-waits for it a while (if `spin`), counted in `spinning`,
 * then sleeps. Generations change under the lock, so checking under the lock before waiting
 * loses none; a spinner leaves the count under the lock too, so that a run either counts it
 * (and it sees that run's generation before it sleeps) or wakes a sleeper in its place. */
static long wait_for_run(wtconv_threadpool *pool, long seen, int spin) {
    long generation;
    if (spin) {
        wtconv_atomic_fetch_add(&pool->spinning, 1);
        generation = spin_while(pool, &pool->generation, seen, 0);
        if (generation != seen) {
            wtconv_atomic_fetch_add(&pool->spinning, -1);
            return generation;
        }
        wtconv_mutex_lock(&pool->lock);
        wtconv_atomic_fetch_add(&pool->spinning, -1);
    } else {
        if ((generation = wtconv_atomic_load(&pool->generation)) != seen)
            return generation;
        wtconv_mutex_lock(&pool->lock);
    }
    while ((generation = wtconv_atomic_load(&pool->generation)) == seen)
        wtconv_cond_wait(&pool->wake, &pool->lock);
    wtconv_mutex_unlock(&pool->lock);
    return generation;
}

/* The generation after the current one, wrapping around instead of overflowing a long. */
static long next_generation(const wtconv_threadpool *pool) {
    return (long)((unsigned long)wtconv_atomic_load(&pool->generation) + 1u);
}

/* Takes the next task of the run in progress, if any is left; 0 if none. */
static int claim_task(wtconv_threadpool *pool, wtconv_pool_job *job, void **arg, int *task,
                      int *tasks) {
    int got = 0;
    wtconv_mutex_lock(&pool->lock);
    if (pool->next_task < pool->tasks) {
        *job = pool->job;
        *arg = pool->arg;
        *task = pool->next_task++;
        *tasks = pool->tasks;
        got = 1;
    }
    wtconv_mutex_unlock(&pool->lock);
    return got;
}

/* Runs tasks of the run in progress until none is left to take; returns how many it ran. */
static int take_tasks(wtconv_threadpool *pool) {
    wtconv_pool_job job;
    void *arg;
    int task, tasks, taken = 0;
    while (claim_task(pool, &job, &arg, &task, &tasks)) {
        taken++;
        job(arg, task, tasks);
        /* The run cannot end (nor the pool go away) before this decrement. */
        if (wtconv_atomic_decrement(&pool->unfinished) == 0) {
            wtconv_mutex_lock(&pool->lock);
            wtconv_cond_broadcast(&pool->finished);
            wtconv_mutex_unlock(&pool->lock);
        }
    }
    return taken;
}

/* A worker spins for the next run only if it had a task in one of the last two it woke for
 * (it may have taken the next run's task before seeing that run's generation): in a pool
 * larger than the runs (a 2-thread context on a 64-core machine's default pool) the workers
 * left without tasks go back to sleep. */
static void worker_main(void *opaque) {
    wtconv_threadpool *pool = opaque;
    long seen = 0;
    int idle = 2;                             /* wake-ups since it last had a task */
    wtconv_thread_name_self("wtconv-worker"); /* in top, gdb and /proc/PID/task/N/comm */
    for (;;) {
        seen = wait_for_run(pool, seen, idle < 2);
        if (wtconv_atomic_load(&pool->shutdown))
            break;
        idle = take_tasks(pool) > 0 ? 0 : idle + (idle < 2);
    }
}

wtconv_status wtconv_pool_create(int threads, int allow_fewer, wtconv_threadpool **out_pool) {
    const size_t workers = (size_t)(threads - 1);
    wtconv_threadpool *pool = calloc(1, sizeof *pool);
    int have_lock = 0, have_wake = 0, have_finished = 0;
    *out_pool = NULL;
    if (!pool)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory for a thread pool");
    pool->threads = threads;
    /* Workers inherit the creating thread's scheduling: under a real-time policy a yield gives
     * the core to no lower-priority thread, so spinning would take it from them. */
    pool->spin_rounds =
        threads <= wtconv_online_cpus() && !wtconv_thread_is_realtime() ? SPIN_ROUNDS : 0;
    if (workers > 0 && !(pool->workers = malloc(workers * sizeof *pool->workers)))
        goto no_resources;
    /* The primitives can fail only for lack of resources (pthreads) or not at all (Win32). */
    have_lock = wtconv_mutex_init(&pool->lock) == 0;
    have_wake = have_lock && wtconv_cond_init(&pool->wake) == 0;
    have_finished = have_wake && wtconv_cond_init(&pool->finished) == 0;
    if (!have_finished)
        goto no_resources;
    for (size_t i = 0; i < workers; i++) {
        if (wtconv_thread_start(&pool->workers[i], worker_main, pool) != 0) {
            if (allow_fewer) { /* the threads that started: runs need none but the caller */
                pool->threads = pool->started + 1;
                break;
            }
            wtconv_pool_destroy(pool);
            return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY,
                               "cannot start worker thread %zu of %d for a pool of %d threads",
                               i + 1, threads - 1, threads);
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
    free(pool);
    return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of resources for a pool of %d threads",
                       threads);
}

void wtconv_pool_destroy(wtconv_threadpool *pool) {
    if (!pool)
        return;
    wtconv_atomic_store(&pool->shutdown, 1);
    wtconv_mutex_lock(&pool->lock); /* a new generation wakes the workers, spinning or not */
    wtconv_atomic_store(&pool->generation, next_generation(pool));
    wtconv_cond_broadcast(&pool->wake);
    wtconv_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->started; i++)
        wtconv_thread_join(pool->workers[i]);
    wtconv_cond_destroy(&pool->wake);
    wtconv_cond_destroy(&pool->finished);
    wtconv_mutex_destroy(&pool->lock);
    free(pool->workers);
    free(pool);
}

int wtconv_pool_threads(const wtconv_threadpool *pool) { return pool->threads; }

void wtconv_pool_run(wtconv_threadpool *pool, wtconv_pool_job job, void *arg, int tasks) {
    /* One run at a time: a caller that finds the pool busy runs its tasks itself, which gives
     * the same bits (they depend on `tasks` only) without waiting for the other run. (A
     * compare-and-swap: with an increment undone later, a third caller could find an idle pool
     * busy in between.) */
    const int mine =
        tasks > 1 && pool->threads > 1 && wtconv_atomic_compare_exchange(&pool->busy, 0, 1);
    if (!mine) {
        for (int t = 0; t < tasks; t++)
            job(arg, t, tasks);
        return;
    }
    wtconv_mutex_lock(&pool->lock);
    pool->job = job;
    pool->arg = arg;
    pool->tasks = tasks;
    pool->next_task = 0;
    wtconv_atomic_store(&pool->unfinished, tasks);
    wtconv_atomic_store(&pool->generation, next_generation(pool));
    /* Wakes as many sleeping workers as there are tasks besides the caller's and the spinning
     * workers', which see the generation change by themselves: waking a sleeper for a task a
     * spinner takes would cost a context switch for nothing, and rotate the runs over all the
     * workers instead of keeping them on those that ran the last one. */
    for (int i = 1 + (int)wtconv_atomic_load(&pool->spinning); i < tasks && i < pool->threads; i++)
        wtconv_cond_signal(&pool->wake);
    wtconv_mutex_unlock(&pool->lock);

    /* The caller takes tasks too; when its own are done and none is left, it waits only for
     * those a worker took (a chunk of work at most: the tasks share their work out). */
    take_tasks(pool);
    if (spin_while(pool, &pool->unfinished, 0, 1) != 0) {
        wtconv_mutex_lock(&pool->lock);
        while (wtconv_atomic_load(&pool->unfinished) != 0)
            wtconv_cond_wait(&pool->finished, &pool->lock);
        wtconv_mutex_unlock(&pool->lock);
    }
    wtconv_atomic_store(&pool->busy, 0);
}

/* ---- The process-wide pool ------------------------------------------------------------- */
#if defined(_WIN32)
static wtconv_mutex default_lock = SRWLOCK_INIT;
#else
static wtconv_mutex default_lock = PTHREAD_MUTEX_INITIALIZER;
#endif
static wtconv_threadpool *default_pool; /* under default_lock */

#if !defined(_WIN32)
/* A child of fork() has none of the parent's workers: it forgets the parent's pool (whose
 * memory it leaks) and makes its own on first use. The lock is held across the fork so that
 * the child never inherits it locked. */
static void before_fork(void) { wtconv_mutex_lock(&default_lock); }
static void after_fork_parent(void) { wtconv_mutex_unlock(&default_lock); }
static void after_fork_child(void) {
    default_pool = NULL;
    wtconv_mutex_unlock(&default_lock);
}
static int fork_handlers_set;
#endif

/* One thread per CPU the process may use, within the pools' limit. */
static int default_thread_count(void) {
    const int cpus = wtconv_online_cpus(); /* reads the affinity and cgroup files: once */
    return cpus < POOL_MAX_THREADS ? cpus : POOL_MAX_THREADS;
}

wtconv_status wtconv_pool_default(wtconv_threadpool **out_pool) {
    wtconv_status status = WTCONV_OK;
    wtconv_mutex_lock(&default_lock);
#if !defined(_WIN32)
    if (!fork_handlers_set)
        fork_handlers_set = pthread_atfork(before_fork, after_fork_parent, after_fork_child) == 0;
#endif
    if (!default_pool) { /* the CPU count (affinity, cgroup files) only when making it */
        int threads = default_thread_count();
#if !defined(_WIN32)
        /* Without the handlers a forked child would keep this pool, whose workers it lacks:
         * then a pool of the caller alone (no workers to lose). */
        if (!fork_handlers_set)
            threads = 1;
#endif
        /* The threads that start: a process near its thread limit still runs its layers. */
        status = wtconv_pool_create(threads, 1, &default_pool);
    }
    *out_pool = default_pool;
    wtconv_mutex_unlock(&default_lock);
    return status;
}

#if defined(__GNUC__) && !defined(_WIN32)
/* At exit, and when the shared library is unloaded (dlclose), the default pool's workers are
 * joined and its memory freed: no thread is left running code that is about to be unmapped,
 * and leak checkers see nothing. (No context may be running then.) On Windows the threads
 * are left parked: the system ends them at exit, and DllMain may not join threads. */
__attribute__((destructor)) static void destroy_default_pool(void) {
    wtconv_mutex_lock(&default_lock);
    wtconv_pool_destroy(default_pool);
    default_pool = NULL;
    wtconv_mutex_unlock(&default_lock);
}
#endif

/* ---- The public API -------------------------------------------------------------------- */
wtconv_status wtconv_threadpool_create(int num_threads, wtconv_threadpool **out_pool) {
    if (!out_pool)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT, "out_pool is NULL");
    *out_pool = NULL;
    if (num_threads < 0 || num_threads > POOL_MAX_THREADS)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "num_threads is %d; must be 0 (one per online core) to %d", num_threads,
                           POOL_MAX_THREADS);
    if (num_threads == 0)
        num_threads = default_thread_count();
    return wtconv_pool_create(num_threads, 0, out_pool);
}

void wtconv_threadpool_destroy(wtconv_threadpool *pool) { wtconv_pool_destroy(pool); }
