/* Internal: the three ways the CPU backend shares a run out between its tasks, as pool jobs
 * (cpu/thread_pool.h) on a wtconv_cpu_state (cpu/state.h), each taking its items in chunks
 * (cpu/schedule.h). Every output element is computed the same way whatever the split, so the
 * results are bit-identical for any thread count.
 *   whole planes (run_planes.c): each worker takes planes, both parts of the cascade
 *       (cpu/cascade.h) in turn while the plane is in cache;
 *   channel blocks (run_blocks.c): small planes, a block of channels at a time
 *       (cpu/channel_block.h), then the channels left over as whole planes;
 *   deep levels, then output rows (run_rows.c): where the planes do not divide evenly between
 *       the workers, part 1 of every plane, plane by plane, then part 2 of all planes' rows
 *       together, in chunks of rows. */
#ifndef WTCONV_CPU_RUN_H
#define WTCONV_CPU_RUN_H

#include <stddef.h>

struct wtconv_cpu_state;

/* Plane p whole, by `worker`, while next_x (or nothing) is fetched into the cache. */
void wtconv_cpu_run_plane(struct wtconv_cpu_state *s, int worker, size_t p, const float *next_x);

/* The jobs, with opaque a wtconv_cpu_state: */
void wtconv_cpu_run_whole_planes(void *opaque, int worker, int workers);
void wtconv_cpu_run_channel_blocks(void *opaque, int worker, int workers);
void wtconv_cpu_run_deep_levels(void *opaque, int worker, int workers); /* step 1 */
void wtconv_cpu_run_output_rows(void *opaque, int worker, int workers); /* step 2 */

#endif
