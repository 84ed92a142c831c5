/* Internal: the worker pools behind the public wtconv_threadpool, and the process-wide default
 * one. A run is a number of tasks, job(arg, task, tasks) for task in [0, tasks), taken one at a
 * time by the calling thread and the pool's workers, whichever comes first; see
 * docs/threads.md. */
#ifndef WTCONV_CPU_THREAD_POOL_H
#define WTCONV_CPU_THREAD_POOL_H

#include "wtconv/wtconv.h"

typedef void (*wtconv_pool_job)(void *arg, int task, int tasks);

/* Starts `threads - 1` workers (threads >= 1); where one cannot start, fails, or with
 * allow_fewer keeps those that did (wtconv_pool_threads then counts them and the caller). */
wtconv_status wtconv_pool_create(int threads, int allow_fewer, wtconv_threadpool **out_pool);
void wtconv_pool_destroy(wtconv_threadpool *pool);
/* Its threads, the caller's included. */
int wtconv_pool_threads(const wtconv_threadpool *pool);
/* The process-wide pool, one thread per online core, made on the first call. */
wtconv_status wtconv_pool_default(wtconv_threadpool **out_pool);
/* Runs job(arg, t, tasks) for every t in [0, tasks) and returns when all have returned. When
 * another run holds the pool, the calling thread runs every task itself. */
void wtconv_pool_run(wtconv_threadpool *pool, wtconv_pool_job job, void *arg, int tasks);

#endif
