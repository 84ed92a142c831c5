/* Channel blocks (cpu/run.h): small planes, a block of channels at a time. */
#include "cpu/run.h"

#include "cpu/kernels/prefetch.h"
#include "cpu/state.h"

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

/* Work items are the blocks of every batch item, block-major (a block's packed weights serve
 * every batch item in turn while in cache), then the planes of the channels left over (fewer
 * than a block per batch item), which go whole. */
void wtconv_cpu_run_channel_blocks(void *opaque, int worker, int workers) {
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
                wtconv_cpu_run_plane(s, worker, rest / left * channels + blocked + rest % left,
                                     NULL);
            }
        }
    }
}
