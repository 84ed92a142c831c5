/* Internal: the CPU backend's workspace, one allocation made at create time, in 64-byte lines
 * so that no two workers ever write to the same line. Its regions, in this order:
 *   per worker, its scratch descriptor (whose row-pointer arrays change with every block);
 *   per worker, its share of the run's chunks (cpu/schedule.h);
 *   per worker, its row pointers and its scratch floats (plane path only);
 *   the level-1 buffers (R_1: one per worker with whole planes, else one per plane);
 *   per worker, the kept level-0 Haar rows of a plane (whole planes, L >= 2, where they fit);
 *   per block worker, the channel-block grids (zeroed: their borders are the padding).
 * One walk over these regions (workspace.c) both sizes the workspace and carves it, so the two
 * cannot disagree. With several workers, each worker's scratch, level-1 buffer and kept rows
 * start on a page of their own where that keeps the workspace within half the input (see
 * WTCONV_CPU_WORKER_PAGE). */
#ifndef WTCONV_CPU_WORKSPACE_H
#define WTCONV_CPU_WORKSPACE_H

#include <stddef.h>

#include "cpu/cascade.h"
#include "cpu/schedule.h"
#include "plan/plan.h"
#include "wtconv/wtconv.h"

/* With several workers, what one worker writes starts on a page of its own, apart from what
 * the others write: the cores' prefetchers read ahead of a worker's stores within a page, and a
 * line they take from the next worker's buffer while that worker writes it moves between the
 * cores. In a spell where two threads made 56 x 56 layers with L >= 2 (whose level-1 buffer and
 * kept Haar rows are written whole at each plane's start) only 1.1-1.5x faster than one, while
 * two processes got 2x, 4 KiB between those buffers made it 1.4-1.6x (docs/cpu-kernel-bounds.md,
 * ninth round). */
#define WTCONV_CPU_WORKER_PAGE 4096

/* A worker's scratch descriptor, padded to whole cache lines. */
typedef union wtconv_cpu_worker {
    wtconv_cpu_scratch scratch;
    unsigned char lines[(sizeof(wtconv_cpu_scratch) + 63) / 64 * 64];
} wtconv_cpu_worker;

typedef struct wtconv_cpu_workspace {
    /* Sizes, set by wtconv_cpu_workspace_size. */
    size_t pointers;       /* row pointers per worker (plane path) */
    size_t scratch_floats; /* scratch floats per worker (plane path; 0: none) */
    size_t level1_floats;  /* per level-1 buffer (0: none, L = 1) */
    size_t bands_floats;   /* per worker's kept Haar rows (0: not kept) */
    int paged;             /* workers' buffers on pages of their own (WTCONV_CPU_WORKER_PAGE) */
    int block_workers;     /* the workers with grids, that take channel blocks (0: no blocks) */
    size_t bytes;          /* all of it, the room to align the allocation included */
    /* The regions, carved by wtconv_cpu_workspace_allocate. */
    void *memory;               /* the allocation (to free) */
    wtconv_cpu_worker *workers; /* one per thread */
    wtconv_cpu_share *shares;   /* one per thread */
    float *level1;              /* or NULL */
    float *bands;               /* or NULL */
    float *block_scratch;       /* or NULL */
} wtconv_cpu_workspace;

struct wtconv_cpu_state;

/* The workspace bound: half the input tensor, in bytes. */
static inline size_t wtconv_cpu_half_input_bytes(const wtconv_plan *plan) {
    return plan->input_elements / 2 * sizeof(float);
}

/* Sizes s's workspace (s->ws) for s->threads threads, with s->whole_planes and s->blocks
 * decided: as many workers take channel blocks as have room for their grids in what half the
 * input leaves beside the rest (at least one). 0 where the sizes overflow. */
int wtconv_cpu_workspace_size(struct wtconv_cpu_state *s);

/* Allocates the workspace that wtconv_cpu_workspace_size sized and carves it. */
wtconv_status wtconv_cpu_workspace_allocate(struct wtconv_cpu_state *s);

#endif
