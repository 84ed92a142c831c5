/* Internal: the CPU backend's state (one per context), shared by its driver (cpu_backend.c),
 * its workspace (workspace.c) and its three ways to run (cpu/run.h). */
#ifndef WTCONV_CPU_STATE_H
#define WTCONV_CPU_STATE_H

#include <stddef.h>

#include "cpu/cascade.h"
#include "cpu/channel_block.h"
#include "cpu/schedule.h"
#include "cpu/workspace.h"
#include "plan/plan.h"
#include "platform/threads.h"

typedef struct wtconv_cpu_state {
    wtconv_plan plan;
    wtconv_cpu_layer layer; /* the kernels and the folded weights */
    float *weights;         /* the allocation behind the layer's folded weights */
    wtconv_cpu_runner runner;
    /* How a run is split (chosen by create, see cpu_backend.c). */
    int threads;          /* tasks per run: the work split, which alone decides the bits */
    int whole_planes;     /* 1: workers take whole planes; 0: two steps (deep levels, then rows) */
    size_t blocks;        /* channel blocks per batch item (0: the path is not taken) */
    float *block_weights; /* their packed weights */
    wtconv_cpu_block_layout block_layout;
    wtconv_cpu_workspace ws;
    /* The buffers of the run in progress, for the workers. */
    const float *input;
    float *output;
    wtconv_atomic next_plane; /* wtconv_cpu_run_deep_levels' */
    /* For cpu_describe: the threads asked for (0 resolved to the online cores), and the
     * switches from the environment that took effect (0: none). */
    int asked_threads;
    int isa_forced;
    int block_mode; /* as wtconv_cpu_block_mode gives it */
} wtconv_cpu_state;

#endif
