/* Whole planes (cpu/run.h): each worker takes planes, both parts of the cascade in turn. */
#include "cpu/run.h"

#include "cpu/state.h"

void wtconv_cpu_run_plane(wtconv_cpu_state *s, int worker, size_t p, const float *next_x) {
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
void wtconv_cpu_run_whole_planes(void *opaque, int worker, int workers) {
    wtconv_cpu_state *s = opaque;
    const wtconv_plan *plan = &s->plan;
    const size_t planes = (size_t)plan->batch * (size_t)plan->channels;
    size_t begin, end;
    while (wtconv_cpu_next_chunk(s->ws.shares, worker, workers, planes, &begin, &end))
        for (size_t p = begin; p < end; p++)
            /* The next plane: this worker's, unless p ends its share. */
            wtconv_cpu_run_plane(s, worker, p,
                                 p + 1 < planes ? s->input + (p + 1) * plan->plane : NULL);
}
