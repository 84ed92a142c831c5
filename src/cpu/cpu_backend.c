/* The CPU backend's driver: create (the kernels for this machine, the folded weights, how a run
 * is split and on how many threads, the workspace), run, describe, destroy.
 *
 * Each (n, c) plane is independent (the layer is depthwise); cpu/cascade.c computes one. A run
 * is split into tasks, one per thread, for a shared pool or the application's parallel-for to
 * run (cpu/schedule.h; docs/threads.md), in one of three ways (below): when the planes
 * divide evenly between the workers (or are many), whole planes; otherwise the deeper levels of
 * every plane, then the output rows of all planes together; and small planes with enough
 * channels in channel blocks (cpu/channel_block.h). Every output element is computed the same
 * way whatever the split, so results are bit-identical for any thread count. A small layer runs
 * on fewer threads than asked for (see fit_threads).
 *
 *   cpu/weights.c    the folded and packed weights
 *   cpu/workspace.c  the workspace: its layout, sized and carved by one walk
 *   cpu/schedule.c   the chunks each task takes, and what runs the tasks
 */
#include "cpu/cpu_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "cpu/isa.h"
#include "cpu/prefetch.h"
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
 * more than a transpose in and out. Each worker taking blocks needs its own grids: the path
 * is taken only where those of two workers fit in half the input, and no more workers take
 * part than have room there beside the rest of the workspace (see cpu/workspace.h).
 * Decided by the shape alone, never by the thread count, so that every thread count gives
 * the same bits.
 * WTCONV_CPU_CHANNEL_BLOCKS (wtconv_cpu_block_mode, read by create) can turn the path off or
 * take it for every shape it can run (one worker if need be), for tests and benchmarks. */
#define BLOCK_MAX_PLANE (24 * 24)

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
 * planes (4 channels of 56 x 56 run on one thread). Fewer threads give the same bits. */
static wtconv_status fit_threads(wtconv_cpu_state *s, int requested) {
    const size_t half_input = wtconv_cpu_half_input_bytes(&s->plan);
    for (int threads = requested;; threads--) {
        set_threads(s, threads);
        if (!wtconv_cpu_workspace_size(s))
            return wtconv_fail(WTCONV_ERR_SHAPE_MISMATCH,
                               "the CPU workspace for %d threads on %dx%d planes overflows the "
                               "address range",
                               threads, s->plan.height, s->plan.width);
        if (threads == 1 || s->ws.bytes <= half_input)
            return WTCONV_OK;
    }
}

/* num_threads 0 means one per online core, or the application's pool's threads; never more
 * threads than planes to share out. */
static int choose_threads(const wtconv_backend_config *config, const wtconv_plan *plan) {
    size_t planes = (size_t)plan->batch * (size_t)plan->channels;
    int threads = config->num_threads > 0 ? config->num_threads
                  : config->threadpool    ? wtconv_pool_threads(config->threadpool)
                                          : wtconv_online_cpus();
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
 * The threads are those that work: on the channel-block path, the block workers. */
static void cpu_describe(const void *opaque, int *threads, char *detail, size_t size) {
    const wtconv_cpu_state *s = opaque;
    const char *isa = s->layer.kernels->name;
    const int working = s->blocks ? s->ws.block_workers : s->threads;
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
    s->asked_threads = config->num_threads > 0 ? config->num_threads : wtconv_online_cpus();
    s->isa_forced = isa_forced();
    s->block_mode = block_mode;
    /* The kernels. */
    s->layer.plan = &s->plan;
    s->layer.kernels = kernels;
    s->layer.dwconv = wtconv_cpu_dwconv_for(kernels, plan->kernel);
    s->layer.dwconv_bands = wtconv_cpu_dwconv_bands_for(kernels, plan->kernel);
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

/* Plane p whole, by `worker`, while next_x (or nothing) is fetched into the cache. */
static void whole_plane(wtconv_cpu_state *s, int worker, size_t p, const float *next_x) {
    const wtconv_plan *plan = &s->plan;
    const int rows = plan->level[0].half_height;
    const int channel = (int)(p % (size_t)plan->channels);
    const float *x = s->input + p * plan->plane;
    wtconv_cpu_scratch *scratch = &s->ws.workers[worker].scratch;
    float *level1 = s->ws.level1 ? s->ws.level1 + (size_t)worker * s->ws.level1_floats : NULL;
    float *bands = s->ws.bands ? s->ws.bands + (size_t)worker * s->ws.bands_floats : NULL;
    if (bands) {
        wtconv_cpu_level1_bands(&s->layer, x, bands, level1);
        wtconv_cpu_plane_deep_levels(&s->layer, scratch, channel, level1);
    } else if (level1) {
        wtconv_cpu_level1_input(&s->layer, x, level1, 0, rows);
        wtconv_cpu_plane_deep_levels(&s->layer, scratch, channel, level1);
    }
    wtconv_cpu_plane_output(&s->layer, scratch, channel, x, bands, level1,
                            s->output + p * plan->out_plane, 0, rows, next_x);
}

/* Whole planes, each while the next one is fetched into the cache. */
static void run_whole_planes(void *opaque, int worker, int workers) {
    wtconv_cpu_state *s = opaque;
    const wtconv_plan *plan = &s->plan;
    const size_t planes = (size_t)plan->batch * (size_t)plan->channels;
    size_t begin, end;
    while (wtconv_cpu_next_chunk(s->ws.shares, worker, workers, planes, &begin, &end))
        for (size_t p = begin; p < end; p++)
            /* The next plane: this worker's, unless p ends its share. */
            whole_plane(s, worker, p, p + 1 < planes ? s->input + (p + 1) * plan->plane : NULL);
}

/* Asks for `floats` floats from p to be fetched into the cache (to be written: `write`). A block's
 * planes are as many short streams as it has lanes, too short for the hardware prefetchers to
 * follow when they come from L3 or memory (batch > 1), so the next block's are requested while one
 * is computed. */
static void prefetch_lines(const float *p, size_t floats, int write) {
    const char *c = (const char *)p;
    for (size_t i = 0; i < floats * sizeof(float); i += 64) {
        if (write)
            WTCONV_PREFETCH_WRITE(c + i);
        else
            WTCONV_PREFETCH_READ(c + i);
    }
}

/* The channel-block path: work items are the blocks of every batch item, block-major (a block's
 * packed weights serve every batch item in turn while in cache), then the planes of the channels
 * left over (fewer than a block per batch item), which go whole. */
static void run_channel_blocks(void *opaque, int worker, int workers) {
    wtconv_cpu_state *s = opaque;
    const wtconv_plan *plan = &s->plan;
    const size_t lanes = (size_t)s->layer.kernels->block_lanes;
    const size_t channels = (size_t)plan->channels, batch = (size_t)plan->batch;
    const size_t blocked = s->blocks * lanes, left = channels - blocked;
    const size_t items = batch * (s->blocks + left);
    const size_t block_weights = wtconv_cpu_block_weight_floats(plan, (int)lanes);
    float *grids = s->ws.block_scratch + (size_t)worker * s->block_layout.floats;
    size_t begin, end;
    (void)workers; /* the first block_workers of them share the items */
    if (worker >= s->ws.block_workers)
        return; /* no room for its grids */
    while (wtconv_cpu_next_chunk(s->ws.shares, worker, s->ws.block_workers, items, &begin, &end)) {
        for (size_t item = begin; item < end; item++) {
            if (item < batch * s->blocks) {
                const size_t b = item / batch, n = item % batch;
                const size_t p = n * channels + b * lanes;
                if (item + 1 < batch * s->blocks) { /* the next block's planes */
                    const size_t next = (item + 1) % batch * channels + (item + 1) / batch * lanes;
                    prefetch_lines(s->input + next * plan->plane, lanes * plan->plane, 0);
                    prefetch_lines(s->output + next * plan->out_plane, lanes * plan->out_plane, 1);
                    if ((item + 1) / batch != b) /* and its weights, when they change */
                        prefetch_lines(s->block_weights + (b + 1) * block_weights, block_weights,
                                       0);
                }
                s->layer.kernels->channel_block(
                    plan, &s->block_layout, s->block_weights + b * block_weights,
                    s->input + p * plan->plane, s->output + p * plan->out_plane, grids);
            } else {
                const size_t rest = item - batch * s->blocks;
                whole_plane(s, worker, rest / left * channels + blocked + rest % left, NULL);
            }
        }
    }
}

/* Step 1: the deeper levels of every plane, a plane at a time. */
static void run_deep_levels(void *opaque, int worker, int workers) {
    wtconv_cpu_state *s = opaque;
    const wtconv_plan *plan = &s->plan;
    const size_t planes = (size_t)plan->batch * (size_t)plan->channels;
    size_t p;
    (void)workers;
    while ((p = (size_t)wtconv_atomic_fetch_add(&s->next_plane, 1)) < planes) {
        float *level1 = s->ws.level1 + p * s->ws.level1_floats;
        wtconv_cpu_level1_input(&s->layer, s->input + p * plan->plane, level1, 0,
                                plan->level[0].half_height);
        wtconv_cpu_plane_deep_levels(&s->layer, &s->ws.workers[worker].scratch,
                                     (int)(p % (size_t)plan->channels), level1);
    }
}

/* Step 2: the planes' level-0 coefficient rows, one plane after another, in chunks of rows. */
static void run_output_rows(void *opaque, int worker, int workers) {
    wtconv_cpu_state *s = opaque;
    const wtconv_plan *plan = &s->plan;
    const size_t rows_per_plane = (size_t)plan->level[0].half_height;
    const size_t total = (size_t)plan->batch * (size_t)plan->channels * rows_per_plane;
    size_t begin, end;
    while (wtconv_cpu_next_chunk(s->ws.shares, worker, workers, total, &begin, &end)) {
        while (begin < end) {
            const size_t p = begin / rows_per_plane, first = begin % rows_per_plane;
            const size_t stop = end - p * rows_per_plane < rows_per_plane ? end - p * rows_per_plane
                                                                          : rows_per_plane;
            wtconv_cpu_plane_output(&s->layer, &s->ws.workers[worker].scratch,
                                    (int)(p % (size_t)plan->channels), s->input + p * plan->plane,
                                    NULL,
                                    s->ws.level1 ? s->ws.level1 + p * s->ws.level1_floats : NULL,
                                    s->output + p * plan->out_plane, (int)first, (int)stop, NULL);
            begin = p * rows_per_plane + stop;
        }
    }
}

static wtconv_status cpu_run(void *opaque, const float *input, float *output) {
    wtconv_cpu_state *s = opaque;
    s->input = input;
    s->output = output;
    wtconv_cpu_reset_shares(s->ws.shares, s->threads);
    if (s->blocks) {
        wtconv_cpu_run_tasks(&s->runner, run_channel_blocks, s, s->threads);
    } else if (s->whole_planes) {
        wtconv_cpu_run_tasks(&s->runner, run_whole_planes, s, s->threads);
    } else {
        if (s->ws.level1) {
            wtconv_atomic_store(&s->next_plane, 0);
            wtconv_cpu_run_tasks(&s->runner, run_deep_levels, s, s->threads);
        }
        wtconv_cpu_run_tasks(&s->runner, run_output_rows, s, s->threads);
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
