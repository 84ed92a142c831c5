/* Channel blocks (cpu/run.h): small planes, a block of channels at a time. */
#include "cpu/run.h"

#include "cpu/kernels/prefetch.h"
#include "cpu/state.h"

/* Work items are the blocks of every batch item, block-major (a block's packed weights serve
 * every batch item in turn while in cache), then the planes of the channels left over (fewer
 * than a block per batch item), which go whole.
 * A block's planes are as many short streams as it has lanes, too short for the hardware
 * prefetchers to follow when they come from L3 or memory, and in a network each layer's weights
 * come from there too; so the next block's input, output and weights are requested while one
 * is computed, a few lines after each grid row (cpu/kernels.h's wtconv_cpu_prefetch) rather
 * than all at once. */
void wtconv_cpu_run_channel_blocks(void *opaque, int worker, int workers) {
    wtconv_cpu_state *s = opaque;
    const wtconv_plan *plan = &s->plan;
    const size_t lanes = (size_t)s->layer.kernels->block_lanes;
    const size_t channels = (size_t)plan->channels, batch = (size_t)plan->batch;
    const size_t blocked = s->blocks * lanes, left = channels - blocked;
    const size_t items = batch * (s->blocks + left);
    const size_t block_weights = wtconv_cpu_block_weight_floats(plan, (int)lanes);
    float *grids = s->ws.block_scratch + (size_t)worker * s->block_layout.floats;
    /* Prefetch steps in a block: one per grid row filtered (four subbands a level) or output */
    size_t block_rows = (size_t)plan->height;
    for (int i = 0; i < plan->levels; i++)
        block_rows += 4 * (size_t)plan->level[i].half_height;
    size_t begin, end;
    (void)workers; /* the block workers, which fit_threads makes all the threads */
    if (worker >= s->ws.block_workers)
        return; /* no room for its grids (never, as said) */
    while (wtconv_cpu_next_chunk(s->ws.shares, worker, s->ws.block_workers, items, &begin, &end)) {
        for (size_t item = begin; item < end; item++) {
            if (item < batch * s->blocks) {
                const size_t b = item / batch, n = item % batch;
                const size_t p = n * channels + b * lanes;
                wtconv_cpu_prefetch prefetch = wtconv_cpu_prefetch_none();
                if (item + 1 < batch * s->blocks) { /* the next block's planes */
                    const size_t next = (item + 1) % batch * channels + (item + 1) / batch * lanes;
                    const float *in = s->input + next * plan->plane;
                    const float *out = s->output + next * plan->out_plane;
                    prefetch.read = (uintptr_t)in;
                    prefetch.read_end = (uintptr_t)(in + lanes * plan->plane);
                    prefetch.write = (uintptr_t)out;
                    prefetch.write_end = (uintptr_t)(out + lanes * plan->out_plane);
                    if ((item + 1) / batch != b) { /* and its weights, when they change */
                        const float *w = s->block_weights + (b + 1) * block_weights;
                        prefetch.read2 = (uintptr_t)w;
                        prefetch.read2_end = (uintptr_t)(w + block_weights);
                    }
                    wtconv_cpu_prefetch_pace(&prefetch, block_rows);
                }
                s->layer.kernels->channel_block(
                    plan, &s->block_layout, s->block_weights + b * block_weights,
                    s->input + p * plan->plane, s->output + p * plan->out_plane, grids, &prefetch);
            } else {
                const size_t rest = item - batch * s->blocks;
                wtconv_cpu_run_plane(s, worker, rest / left * channels + blocked + rest % left,
                                     NULL);
            }
        }
    }
}
