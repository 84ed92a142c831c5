/* Internal: how a run's work is shared out between its tasks, and how the tasks are run (on a
 * pool of cpu/thread_pool.h or the application's parallel-for).
 *
 * Work is handed out in chunks. Each task (worker) has a share of the run's items, the same
 * one in every run, and takes its share's chunks in order: the plane it prefetches while
 * computing one is then the one it computes next, and what it touched in the last run may
 * still be in its core's caches. When its share is done it takes the other shares' remaining
 * chunks, so that a worker whose core is busy with another process delays the run by one chunk
 * at most, not by its whole share. See docs/threads.md. */
#ifndef WTCONV_CPU_SCHEDULE_H
#define WTCONV_CPU_SCHEDULE_H

#include <stddef.h>

#include "cpu/thread_pool.h"
#include "platform/threads.h"
#include "wtconv/wtconv.h"

/* The next chunk of a worker's share (see wtconv_cpu_next_chunk), on a cache line of its own. */
typedef union wtconv_cpu_share {
    wtconv_atomic next;
    unsigned char line[64];
} wtconv_cpu_share;

/* Before a run: every share's chunks untaken (published to the workers by the pool). */
void wtconv_cpu_reset_shares(wtconv_cpu_share *shares, int workers);

/* For `worker` of `workers` (whose shares are shares[0 .. workers)), the next chunk of
 * [0, total): [*begin, *end), possibly empty; 0 when every share's chunks are taken. */
int wtconv_cpu_next_chunk(wtconv_cpu_share *shares, int worker, int workers, size_t total,
                          size_t *begin, size_t *end);

/* What runs a context's tasks: the application's parallel-for, else a pool; neither is needed
 * for one task. */
typedef struct wtconv_cpu_runner {
    wtconv_threadpool *pool;             /* not owned; or NULL */
    wtconv_parallel_for_fn parallel_for; /* or NULL */
    void *parallel_for_data;
} wtconv_cpu_runner;

/* job(arg, t, tasks) for every task t in [0, tasks) on whatever runs the tasks; each task takes
 * its share of the run's chunks and then the others' (wtconv_cpu_next_chunk), so that who runs
 * which task, and when, changes nothing but the time. */
void wtconv_cpu_run_tasks(const wtconv_cpu_runner *runner, wtconv_pool_job job, void *arg,
                          int tasks);

#endif
