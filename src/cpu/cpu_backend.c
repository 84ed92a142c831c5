/* The CPU backend: each (n, c) plane is independent (the layer is depthwise), so a run splits
 * the planes between the pool's workers, and each worker takes its planes one at a time through
 * the whole cascade in a workspace of its own. */
#include "cpu/cpu_backend.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/error.h"
#include "cpu/dwconv.h"
#include "cpu/haar.h"
#include "cpu/thread_pool.h"
#include "platform/threads.h"

/* More workers than this gain nothing on a depthwise layer's memory traffic. */
#define CPU_MAX_THREADS 256

/* One worker's scratch: every level's raw Haar coefficients, the filtered coefficients of the
 * level being reconstructed, and the reconstruction passed up the cascade. */
typedef struct cpu_workspace {
    float *coeffs[WTCONV_MAX_LEVELS]; /* 4 * half_plane_i each */
    float *filtered;                  /* 4 * half_plane_0 */
    float *next;                      /* H*W */
} cpu_workspace;

typedef struct cpu_state {
    wtconv_plan plan;
    /* Weights with the scales folded in at create time:
     * base: scale*(conv(x, w) + b) = conv(x, scale*w) + scale*b; levels: conv(x, scale*w). */
    float *base_weight;                       /* C*k*k */
    float *base_bias;                         /* C */
    float *wavelet_weight[WTCONV_MAX_LEVELS]; /* 4C*k*k each */
    float *weights;                           /* the allocation behind the arrays above */
    wtconv_thread_pool *pool;
    int threads;
    cpu_workspace *workspaces; /* one per thread */
    float *workspace;          /* the allocation behind them */
    size_t workspace_bytes;
    /* The buffers of the run in progress, for the workers. */
    const float *input;
    float *output;
} cpu_state;

static int cpu_available(void) { return 1; }

static void cpu_destroy(void *opaque) {
    cpu_state *s = opaque;
    if (!s)
        return;
    wtconv_pool_destroy(s->pool);
    free(s->workspaces);
    free(s->weights);
    free(s->workspace);
    free(s);
}

static wtconv_status fold_weights(cpu_state *s, const wtconv_model *m) {
    const size_t c = (size_t)m->channels, kk = (size_t)m->kernel * (size_t)m->kernel;
    /* Fewer floats than the loader's overflow-checked allocation of the same weights. */
    const size_t total = c * kk + c + (size_t)m->levels * 4 * c * kk;
    float *p = malloc(total * sizeof(float));
    if (!p)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY,
                           "out of memory for the CPU backend's weights (%zu bytes)",
                           total * sizeof(float));
    s->weights = p;
    s->base_weight = p, p += c * kk;
    s->base_bias = p, p += c;
    for (size_t ch = 0; ch < c; ch++) {
        const float scale = m->base_scale[ch];
        for (size_t t = 0; t < kk; t++)
            s->base_weight[ch * kk + t] = scale * m->base_weight[ch * kk + t];
        s->base_bias[ch] = scale * m->base_bias[ch];
    }
    for (int i = 0; i < m->levels; i++) {
        s->wavelet_weight[i] = p, p += 4 * c * kk;
        for (size_t ch = 0; ch < 4 * c; ch++)
            for (size_t t = 0; t < kk; t++)
                s->wavelet_weight[i][ch * kk + t] =
                    m->wavelet_scale[i][ch] * m->wavelet_weight[i][ch * kk + t];
    }
    return WTCONV_OK;
}

static wtconv_status allocate_workspaces(cpu_state *s) {
    const wtconv_plan *plan = &s->plan;
    size_t per_thread = 0, total, offset = 0;
    int overflow = 0;
    size_t coeff_floats[WTCONV_MAX_LEVELS];
    size_t filtered_floats = wtconv_mul_size(4, plan->level[0].half_plane, &overflow);
    for (int i = 0; i < plan->levels; i++) {
        coeff_floats[i] = wtconv_mul_size(4, plan->level[i].half_plane, &overflow);
        if (SIZE_MAX - per_thread < coeff_floats[i])
            overflow = 1;
        per_thread += coeff_floats[i];
    }
    if (SIZE_MAX - per_thread < filtered_floats ||
        SIZE_MAX - per_thread - filtered_floats < plan->plane)
        overflow = 1;
    per_thread += filtered_floats + plan->plane;
    total = wtconv_mul_size(per_thread, (size_t)s->threads, &overflow);
    if (overflow || total > SIZE_MAX / sizeof(float))
        return wtconv_fail(WTCONV_ERR_SHAPE_MISMATCH,
                           "the CPU workspace for %d threads on %dx%d planes overflows the "
                           "address range",
                           s->threads, plan->height, plan->width);
    s->workspaces = calloc((size_t)s->threads, sizeof *s->workspaces);
    s->workspace = malloc(total * sizeof(float));
    if (!s->workspaces || !s->workspace)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY,
                           "out of memory for the CPU workspace (%zu bytes for %d threads)",
                           total * sizeof(float), s->threads);
    s->workspace_bytes = total * sizeof(float);
    for (int t = 0; t < s->threads; t++) {
        cpu_workspace *ws = &s->workspaces[t];
        for (int i = 0; i < plan->levels; i++) {
            ws->coeffs[i] = s->workspace + offset;
            offset += coeff_floats[i];
        }
        ws->filtered = s->workspace + offset;
        offset += filtered_floats;
        ws->next = s->workspace + offset;
        offset += plan->plane;
    }
    return WTCONV_OK;
}

/* num_threads 0 means one per online core; never more threads than planes to share out. */
static int choose_threads(int requested, const wtconv_plan *plan) {
    size_t planes = (size_t)plan->batch * (size_t)plan->channels;
    int threads = requested > 0 ? requested : wtconv_online_cpus();
    if (threads > CPU_MAX_THREADS)
        threads = CPU_MAX_THREADS;
    if ((size_t)threads > planes)
        threads = (int)planes;
    return threads;
}

static wtconv_status cpu_create(const wtconv_model *model, const wtconv_plan *plan,
                                const wtconv_backend_config *config, void **out_state) {
    wtconv_status status;
    cpu_state *s = calloc(1, sizeof *s);
    if (!s)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory creating the CPU backend");
    s->plan = *plan;
    s->threads = choose_threads(config->num_threads, plan);
    status = fold_weights(s, model);
    if (status == WTCONV_OK)
        status = allocate_workspaces(s);
    if (status == WTCONV_OK)
        status = wtconv_pool_create(s->threads, &s->pool);
    if (status != WTCONV_OK) {
        cpu_destroy(s);
        return status;
    }
    *out_state = s;
    return WTCONV_OK;
}

/* The whole layer for one (n, c) plane. */
static void run_plane(const cpu_state *s, cpu_workspace *ws, int c, const float *x, float *y) {
    const wtconv_plan *plan = &s->plan;
    const int k = plan->kernel, L = plan->levels;
    const size_t kk = (size_t)k * (size_t)k;

    /* Forward cascade: each level transforms the raw LL band of the level above. */
    const float *level_in = x;
    for (int i = 0; i < L; i++) {
        const wtconv_level_plan *lv = &plan->level[i];
        wtconv_cpu_haar_forward_plane(level_in, lv->height, lv->width, ws->coeffs[i]);
        level_in = ws->coeffs[i]; /* its first plane is LL */
    }

    /* Inverse cascade, deepest first: filter the level's four bands, add the reconstruction
     * from below to the filtered LL, and invert into `next` (cropped to the level's size). */
    for (int i = L - 1; i >= 0; i--) {
        const wtconv_level_plan *lv = &plan->level[i];
        const size_t hp = lv->half_plane;
        for (int band = 0; band < 4; band++)
            wtconv_cpu_dwconv_plane(
                ws->coeffs[i] + (size_t)band * hp, lv->half_height, lv->half_width,
                s->wavelet_weight[i] + ((size_t)c * 4 + (size_t)band) * kk, k, 0.0f, 1,
                ws->filtered + (size_t)band * hp, lv->half_height, lv->half_width);
        if (i < L - 1) /* `next` holds level i+1's output, exactly half_height x half_width */
            for (size_t p = 0; p < hp; p++)
                ws->filtered[p] += ws->next[p];
        wtconv_cpu_haar_inverse_plane(ws->filtered, lv->half_height, lv->half_width, ws->next,
                                      lv->height, lv->width);
    }

    /* Base branch written straight into the output at the strided positions, then the
     * wavelet branch added at the same positions. */
    wtconv_cpu_dwconv_plane(x, plan->height, plan->width, s->base_weight + (size_t)c * kk, k,
                            s->base_bias[c], plan->stride, y, plan->out_height, plan->out_width);
    for (int oy = 0; oy < plan->out_height; oy++) {
        float *row_out = y + (size_t)oy * (size_t)plan->out_width;
        const float *row_next = ws->next + (size_t)oy * (size_t)plan->stride * (size_t)plan->width;
        for (int ox = 0; ox < plan->out_width; ox++)
            row_out[ox] += row_next[(size_t)ox * (size_t)plan->stride];
    }
}

/* One worker's share of a run: a contiguous range of the N*C planes. */
static void run_planes(void *opaque, int worker, int workers) {
    cpu_state *s = opaque;
    const wtconv_plan *plan = &s->plan;
    const size_t planes = (size_t)plan->batch * (size_t)plan->channels;
    const size_t begin = planes * (size_t)worker / (size_t)workers;
    const size_t end = planes * ((size_t)worker + 1) / (size_t)workers;
    for (size_t p = begin; p < end; p++)
        run_plane(s, &s->workspaces[worker], (int)(p % (size_t)plan->channels),
                  s->input + p * plan->plane, s->output + p * plan->out_plane);
}

static wtconv_status cpu_run(void *opaque, const float *input, float *output) {
    cpu_state *s = opaque;
    s->input = input;
    s->output = output;
    wtconv_pool_run(s->pool, run_planes, s);
    s->input = NULL;
    s->output = NULL;
    return WTCONV_OK;
}

static size_t cpu_workspace_size(const void *opaque) {
    return ((const cpu_state *)opaque)->workspace_bytes;
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
};
