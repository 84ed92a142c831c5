/* Internal: a fixed pool of worker threads, started once at create time. A job is a function
 * called once per worker with the worker's index; the calling thread is worker 0, so a pool
 * of one thread starts no thread at all. */
#ifndef WTCONV_CPU_THREAD_POOL_H
#define WTCONV_CPU_THREAD_POOL_H

#include "wtconv/wtconv.h"

typedef struct wtconv_thread_pool wtconv_thread_pool;
typedef void (*wtconv_pool_job)(void *arg, int worker, int worker_count);

/* Starts `threads - 1` workers (threads >= 1). */
wtconv_status wtconv_pool_create(int threads, wtconv_thread_pool **out_pool);
/* Runs job(arg, w, threads) for every worker w in parallel; returns when all have finished. */
void wtconv_pool_run(wtconv_thread_pool *pool, wtconv_pool_job job, void *arg);
void wtconv_pool_destroy(wtconv_thread_pool *pool);

#endif
