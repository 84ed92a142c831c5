/* A CPU grid emulator for the Metal backend's dispatch plan (src/apple/dispatch_plan.h): it
 * runs each planned dispatch the way a GPU would -- every thread of every threadgroup, the grid
 * rounded up to whole threadgroups -- on ordinary memory, and checks the assumptions a GPU
 * makes parallel: no thread may depend on another thread's writes in the same dispatch, and no
 * two threads may write one element. */
#ifndef WTCONV_TESTS_GRID_EMULATOR_H
#define WTCONV_TESTS_GRID_EMULATOR_H

#include <stddef.h>
#include <stdint.h>

#include "apple/dispatch_plan.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs one kernel for the thread at (x, y, z); bound[i] is the buffer at [[buffer(i)]]. */
void wtconv_emu_invoke(wtconv_mtl_kernel kernel, float *const *bound, const wtconv_mtl_args *args,
                       uint32_t x, uint32_t y, uint32_t z);

/* Runs dispatches [first, first + count) of `plan` in order; buffers[b] is the memory of the
 * plan's buffer b (exactly plan->buffers[b].elements floats). `max_threads_per_group`: the limit
 * the plan was made for, which no threadgroup may pass. With check_races, each dispatch
 * is also run in the reverse thread order on copies and must give bit-identical buffers, and
 * for small dispatches every thread's writes are traced, and must not touch an element another
 * thread writes. Returns 0, or -1 with a message in `error`. */
int wtconv_emu_run(const wtconv_mtl_plan *plan, uint32_t max_threads_per_group, int first,
                   int count, float *const *buffers, int check_races, char *error,
                   size_t error_size);

#ifdef __cplusplus
}
#endif

#endif
