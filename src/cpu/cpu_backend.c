/* The CPU backend's driver: create (the kernels for this machine, the folded weights, how a run
 * is split and on how many threads, the workspace), run, describe, destroy.
 *
 * Each (n, c) plane is independent (the layer is depthwise); cpu/cascade.c computes one. A run
 * is split into tasks, one per thread, for a shared pool or the application's parallel-for to
 * run (cpu/schedule.h; docs/threads.md), in one of three ways (cpu/run.h): when the planes
 * divide evenly between the workers (or are many), whole planes; otherwise the deeper levels of
 * every plane, then the output rows of all planes together; and small planes with enough
 * channels in channel blocks (cpu/channel_block.h). Every output element is computed the same
 * way whatever the split, so results are bit-identical for any thread count. A small layer runs
 * on fewer threads than asked for (see fit_threads).
 *
 *   cpu/weights.c    the folded and packed weights
 *   cpu/workspace.c  the workspace: its layout, sized and carved by one walk
 *   cpu/schedule.c   the chunks each task takes, and what runs the tasks
 *   cpu/run_*.c      the three ways to run */
#include "cpu/cpu_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "cpu/isa.h"
#include "cpu/run.h"
#include "cpu/state.h"
#include "cpu/thread_pool.h"
#include "cpu/weights.h"
#include "platform/threads.h"

/* More workers than this gain nothing on a depthwise layer's memory traffic. */
#define CPU_MAX_THREADS 256
/* With at least this many planes per worker, whole planes balance well enough. */
#define PLANES_PER_WORKER_FOR_WHOLE_PLANES 16

static int cpu_available(void) { return 1; }

static void cpu_destroy(void *opaque) {
    wtconv_cpu_state *s = opaque;
    if (!s)
        return;
    free(s->ws.memory);
    free(s->weights);
    free(s->block_weights);
    free(s);
}

/* Small planes go through the channel-block path (cpu/channel_block.h) where the kernels have
 * one: up to this many elements a plane, its rows are short enough that masks and calls cost
 * more than a transpose in and out (AVX-512 on Zen 5, one thread: 26 x 26 and 28 x 28 layers
 * 1.1-1.4x faster by channel blocks; 32 x 32 1.2x slower, its grids outgrowing L1). Each worker
 * taking blocks needs its own grids: the path is taken only where those of two workers fit in half
 * the input, and no more workers take part than have room there beside the rest of the workspace
 * (see cpu/workspace.h). Decided by the shape alone, never by the thread count, so that every
 * thread count gives the same bits. WTCONV_CPU_CHANNEL_BLOCKS (wtconv_cpu_block_mode, read by
 * create) can turn the path off or take it for every shape it can run (one worker if need be), for
 * tests and benchmarks. */
#define BLOCK_MAX_PLANE (28 * 28)

/* mode: as wtconv_cpu_block_mode gives it. */
static int use_channel_blocks(const wtconv_cpu_state *s, int mode) {
    const wtconv_plan *plan = &s->plan;
    const int lanes = s->layer.kernels->block_lanes;
    const size_t grid_bytes = s->block_layout.floats * sizeof(float);
    if (!s->layer.kernels->channel_block || lanes <= 0 || plan->channels < lanes ||
        s->block_layout.floats == 0 ||
        s->block_layout.floats > (size_t)-1 / sizeof(float) / CPU_MAX_THREADS)
        return 0;
    if (mode >= 0)
        return mode;
    /* Workers whose grids alone fit in half the input: at least two. */
    return plan->plane <= BLOCK_MAX_PLANE && wtconv_cpu_half_input_bytes(plan) / grid_bytes >= 2;
}

/* Sets the thread count and how the planes are shared out between the threads. */
static void set_threads(wtconv_cpu_state *s, int threads) {
    const size_t planes = (size_t)s->plan.batch * (size_t)s->plan.channels;
    s->threads = threads;
    s->whole_planes = s->blocks != 0 || /* the channels left over, if any, go whole */
                      planes % (size_t)threads == 0 ||
                      planes >= (size_t)PLANES_PER_WORKER_FOR_WHOLE_PLANES * (size_t)threads;
}

/* Each thread needs its own scratch (k + 7 rows of the level-0 subbands and 16 of W; with
 * L >= 2 also a third of a plane): no more threads run than have room for theirs in half the
 * input, so that the workspace stays within half the input wherever one thread's does (the
 * bound issue 4 sets). That takes threads only from small layers, with few channels or tiny
 * planes (4 channels of 56 x 56 run on one thread). On the channel-block path the threads are
 * then the block workers, those with room for their grids: others would only take a task, a
 * share and scratch each (and wake a pool worker for nothing). Fewer threads give the same
 * bits. */
static wtconv_status fit_threads(wtconv_cpu_state *s, int requested) {
    const size_t half_input = wtconv_cpu_half_input_bytes(&s->plan);
    for (int threads = requested;;) {
        set_threads(s, threads);
        if (!wtconv_cpu_workspace_size(s))
            return wtconv_fail(WTCONV_ERR_SHAPE_MISMATCH,
                               "the CPU workspace for %d threads on %dx%d planes overflows the "
                               "address range",
                               threads, s->plan.height, s->plan.width);
        if (threads > 1 && s->ws.bytes > half_input)
            threads--;
        else if (s->blocks && s->ws.block_workers < threads)
            threads = s->ws.block_workers;
        else
            return WTCONV_OK;
    }
}

/* The threads asked for: num_threads, or for 0 one per online core, or the application's
 * pool's threads. */
static int asked_threads(const wtconv_backend_config *config) {
    return config->num_threads > 0 ? config->num_threads
           : config->threadpool    ? wtconv_pool_threads(config->threadpool)
                                   : wtconv_online_cpus();
}

/* The threads asked for, never more than planes to share out. */
static int choose_threads(const wtconv_backend_config *config, const wtconv_plan *plan) {
    size_t planes = (size_t)plan->batch * (size_t)plan->channels;
    int threads = asked_threads(config);
    if (threads > CPU_MAX_THREADS)
        threads = CPU_MAX_THREADS;
    if ((size_t)threads > planes)
        threads = (int)planes;
    return threads;
}

/* 1 if WTCONV_CPU_ISA asks for a particular table (set, neither empty nor "auto"): once create
 * has its kernels, that is the table it got. */
static int isa_forced(void) {
    const char *wanted = getenv(WTCONV_CPU_ISA_ENV);
    return wanted && *wanted && strcmp(wanted, "auto") != 0;
}

/* See wtconv_backend_detail: "avx2 kernels (WTCONV_CPU_ISA=avx2), 2 threads (capped from 8),
 * channel blocks of 8 (WTCONV_CPU_CHANNEL_BLOCKS=1)", each parenthesis only where it applies.
 * The threads are those that work (on the channel-block path, the block workers: fit_threads). */
static void cpu_describe(const void *opaque, int *threads, char *detail, size_t size) {
    const wtconv_cpu_state *s = opaque;
    const char *isa = s->layer.kernels->name;
    const int working = s->threads;
    char isa_note[48] = "", capped[40] = "", split[40], blocks_note[48] = "";
    if (s->isa_forced)
        snprintf(isa_note, sizeof isa_note, " (%s=%s)", WTCONV_CPU_ISA_ENV, isa);
    if (working != s->asked_threads)
        snprintf(capped, sizeof capped, " (capped from %d)", s->asked_threads);
    if (s->blocks)
        snprintf(split, sizeof split, "channel blocks of %d", s->layer.kernels->block_lanes);
    else
        snprintf(split, sizeof split, "%s",
                 s->whole_planes ? "whole planes" : "rows of all planes");
    if (s->block_mode >= 0)
        snprintf(blocks_note, sizeof blocks_note, " (%s=%d)", WTCONV_CPU_BLOCKS_ENV, s->block_mode);
    *threads = working;
    snprintf(detail, size, "%s kernels%s, %d thread%s%s, %s%s", isa, isa_note, working,
             working == 1 ? "" : "s", capped, split, blocks_note);
}

static wtconv_status cpu_create(const wtconv_model *model, const wtconv_plan *plan,
                                const wtconv_backend_config *config, void **out_state) {
    wtconv_status status;
    const wtconv_cpu_kernels *kernels;
    wtconv_cpu_state *s;
    int block_mode;
    if ((status = wtconv_cpu_choose_kernels(&kernels)) != WTCONV_OK ||
        (status = wtconv_cpu_block_mode(&block_mode)) != WTCONV_OK)
        return status;
    s = calloc(1, sizeof *s);
    if (!s)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory creating the CPU backend");
    s->plan = *plan;
    s->asked_threads = asked_threads(config); /* as choose_threads counts them */
    s->isa_forced = isa_forced();
    s->block_mode = block_mode;
    /* The kernels. */
    s->layer.plan = &s->plan;
    s->layer.kernels = kernels;
    s->layer.dwconv = wtconv_cpu_dwconv_for(kernels, plan->kernel);
    s->layer.dwconv_bands = wtconv_cpu_dwconv_bands_for(kernels, plan->kernel);
    s->layer.dwconv_subbands = wtconv_cpu_dwconv_subbands_for(kernels, plan->kernel);
    /* The split, the threads and the workspace's size. */
    if (kernels->channel_block) {
        int overflow = 0;
        wtconv_cpu_block_layout_make(plan, kernels->block_lanes, &s->block_layout, &overflow);
        if (!overflow && use_channel_blocks(s, block_mode))
            s->blocks = (size_t)(plan->channels / kernels->block_lanes);
    }
    status = fit_threads(s, choose_threads(config, plan));
    /* The weights, and the workspace. */
    if (status == WTCONV_OK)
        status = wtconv_cpu_fold_weights(model, &s->layer, &s->weights);
    if (status == WTCONV_OK && s->blocks)
        status = wtconv_cpu_pack_block_weights(&s->layer, s->blocks, &s->block_weights);
    if (status == WTCONV_OK)
        status = wtconv_cpu_workspace_allocate(s);
    /* One thread needs no pool; else the application's parallel-for or pool, or the
     * process-wide one. */
    s->runner.parallel_for = config->parallel_for;
    s->runner.parallel_for_data = config->parallel_for_data;
    s->runner.pool = config->threadpool;
    if (status == WTCONV_OK && s->threads > 1 && !s->runner.parallel_for && !s->runner.pool)
        status = wtconv_pool_default(&s->runner.pool);
    if (status != WTCONV_OK) {
        cpu_destroy(s);
        return status;
    }
    *out_state = s;
    return WTCONV_OK;
}

static wtconv_status cpu_run(void *opaque, const float *input, float *output) {
    wtconv_cpu_state *s = opaque;
    s->input = input;
    s->output = output;
    wtconv_cpu_reset_shares(s->ws.shares, s->threads);
    if (s->blocks) {
        wtconv_cpu_run_tasks(&s->runner, wtconv_cpu_run_channel_blocks, s, s->threads);
    } else if (s->whole_planes) {
        wtconv_cpu_run_tasks(&s->runner, wtconv_cpu_run_whole_planes, s, s->threads);
    } else {
        if (s->ws.level1) {
            wtconv_atomic_store(&s->next_plane, 0);
            wtconv_cpu_run_tasks(&s->runner, wtconv_cpu_run_deep_levels, s, s->threads);
        }
        wtconv_cpu_run_tasks(&s->runner, wtconv_cpu_run_output_rows, s, s->threads);
    }
    s->input = NULL;
    s->output = NULL;
    return WTCONV_OK;
}

static size_t cpu_workspace_size(const void *opaque) {
    return ((const wtconv_cpu_state *)opaque)->ws.bytes;
}

const wtconv_backend_ops wtconv_cpu_backend = {
    .name = "cpu",
    .kind = WTCONV_BACKEND_CPU,
    .formats = WTCONV_MODEL_SAFETENSORS,
    .available = cpu_available,
    .create = cpu_create,
    .run = cpu_run,
    .workspace_size = cpu_workspace_size,
    .destroy = cpu_destroy,
    .describe = cpu_describe,
};
