/* Deep levels, then output rows (cpu/run.h): where the planes do not divide evenly between the
 * workers, two steps, each shared out finer than whole planes. */
#include "cpu/run.h"

#include "cpu/state.h"

/* Step 1: the deeper levels of every plane, a plane at a time. */
void wtconv_cpu_run_deep_levels(void *opaque, int worker, int workers) {
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
void wtconv_cpu_run_output_rows(void *opaque, int worker, int workers) {
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
