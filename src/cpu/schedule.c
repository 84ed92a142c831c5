/* The work sharing of cpu/schedule.h. */
#include "cpu/schedule.h"

/* A share has CHUNKS_PER_SHARE chunks, shrinking from about 2/CHUNKS_PER_SHARE of it to a small
 * fraction, so that the workers also finish close together: chunk b of n is
 * [start(b), start(b + 1)) with start(b) = count * (1 - ((n - b) / n)^2). */
#define CHUNKS_PER_SHARE 16

static size_t chunk_start(size_t total, size_t chunks, size_t b) {
    const double left = (double)(chunks - b) / (double)chunks;
    const size_t rest = (size_t)((double)total * left * left);
    return b >= chunks ? total : total - (rest < total ? rest : total);
}

/* Where share `owner` of `workers` starts in [0, total): total * owner / workers, without
 * overflow. */
static size_t share_start(size_t total, int owner, int workers) {
    const size_t n = (size_t)workers, o = (size_t)owner;
    return total / n * o + total % n * o / n;
}

void wtconv_cpu_reset_shares(wtconv_cpu_share *shares, int workers) {
    for (int t = 0; t < workers; t++)
        wtconv_atomic_store(&shares[t].next, 0);
}

int wtconv_cpu_next_chunk(wtconv_cpu_share *shares, int worker, int workers, size_t total,
                          size_t *begin, size_t *end) {
    for (int i = 0; i < workers; i++) {
        const int owner = (worker + i) % workers; /* its own share first */
        const size_t first = share_start(total, owner, workers);
        const size_t count = share_start(total, owner + 1, workers) - first;
        const size_t chunks = count < CHUNKS_PER_SHARE ? count : CHUNKS_PER_SHARE;
        size_t b;
        if (chunks == 0 || (size_t)wtconv_atomic_load(&shares[owner].next) >= chunks)
            continue; /* taken: no write to its line */
        b = (size_t)wtconv_atomic_fetch_add(&shares[owner].next, 1);
        if (b >= chunks)
            continue;
        *begin = first + chunk_start(count, chunks, b);
        *end = first + chunk_start(count, chunks, b + 1);
        if (*end < *begin) /* rounding: keep the chunks in order */
            *end = *begin;
        return 1;
    }
    return 0;
}

/* A task of the application's parallel-for: task `index` of `tasks`. */
typedef struct host_job {
    wtconv_pool_job job;
    void *arg;
    int tasks;
} host_job;

static void host_task(void *opaque, size_t index) {
    const host_job *h = opaque;
    if (index < (size_t)h->tasks)
        h->job(h->arg, (int)index, h->tasks);
}

void wtconv_cpu_run_tasks(const wtconv_cpu_runner *runner, wtconv_pool_job job, void *arg,
                          int tasks) {
    if (tasks == 1) {
        job(arg, 0, 1);
    } else if (runner->parallel_for) {
        host_job h;
        h.job = job;
        h.arg = arg;
        h.tasks = tasks;
        runner->parallel_for(runner->parallel_for_data, host_task, &h, (size_t)tasks);
    } else {
        wtconv_pool_run(runner->pool, job, arg, tasks);
    }
}
