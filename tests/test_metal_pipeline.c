/*
 * test_metal_pipeline - the Apple backend's run, carried out on Linux: the dispatch plan that
 * the Objective-C++ layer executes on a GPU (src/apple/dispatch_plan.c) is executed here by a
 * CPU grid emulator running the real kernels of metal/wtconv_kernels.metal (compiled as C++
 * through tests/metal_emu/shim), with a CPU stand-in for the Core ML prediction between the
 * two Metal stages:
 *
 *   input -> x -> [Metal: Haar forward cascade] -> coeffs_i
 *         -> [Core ML stand-in: base, filtered_i per the export tool's contract]
 *         -> [Metal: inverse cascade + base + stride] -> y -> output
 *
 * The Core ML stand-in finds its inputs and outputs by feature name, as Core ML does, and
 * computes them with the float64 convolution of the independent reference
 * (tests/support/ref_wtconv.c). The result must match the CPU backend (through the public
 * API) to 1e-5 relative, and the float64 reference too. The emulator also checks the
 * dispatches for races (see tests/metal_emu/grid_emulator.h), and every buffer starts as NaN,
 * so a stage that leaves part of its output unwritten fails.
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apple/dispatch_plan.h"
#include "grid_emulator.h"
#include "model/model.h"
#include "plan/plan.h"
#include "ref_wtconv.h"
#include "st_writer.h"
#include "wtconv/wtconv.h"

typedef struct pipeline_case {
    int batch, channels, height, width, kernel, levels, stride, bias;
} pipeline_case;

static int g_failed = 0, g_passed = 0;

static uint64_t g_rng = 0x6d6574616cULL;
static uint64_t rng_next(void) {
    uint64_t z = (g_rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static int rng_int(int lo, int hi) { return lo + (int)(rng_next() % (uint64_t)(hi - lo + 1)); }
/* Values m/256: exact in float, so the file holds exactly what the reference uses. */
static float rng_weight(void) { return (float)rng_int(-255, 255) / 256.0f; }
static float rng_input(void) { return (float)rng_int(-(1 << 20), 1 << 20) / (float)(1 << 20); }

static void fill(float *v, size_t n, float (*gen)(void)) {
    for (size_t i = 0; i < n; i++)
        v[i] = gen();
}

/* Fills n values and keeps them, as doubles, at *at (advanced) for the reference. */
static const double *draw(float *values, size_t n, double **at) {
    double *kept = *at;
    fill(values, n, rng_weight);
    for (size_t i = 0; i < n; i++)
        kept[i] = values[i];
    *at += n;
    return kept;
}

/* Writes a random layer for `pc` to `path` (standard parameter names, F32), and the same
 * weights into *ref (in *arena, freed by the caller), so that the float64 reference takes them
 * as generated, not as the library's loader read them back. */
static int write_model(const pipeline_case *pc, const char *path, ref_layer *ref, double **arena) {
    const int c = pc->channels, k = pc->kernel;
    const size_t kk = (size_t)k * (size_t)k;
    float *values = malloc(sizeof(float) * 4 * (size_t)c * kk);
    double *at = *arena =
        calloc((size_t)c * kk + 2 * (size_t)c + (size_t)pc->levels * 4 * (size_t)c * (kk + 1),
               sizeof(double));
    st_writer *w = st_writer_new();
    char name[64];
    int rc = values && w && at ? 0 : -1;
    long long conv_shape[4] = {c, 1, k, k}, vec_shape[1] = {c}, scale_shape[4] = {1, c, 1, 1};
    memset(ref, 0, sizeof *ref);
    ref->channels = c, ref->kernel = k, ref->levels = pc->levels, ref->has_bias = pc->bias;
    if (rc == 0) {
        ref->base_weight = draw(values, (size_t)c * kk, &at);
        rc |= st_writer_add(w, "base_conv.weight", "F32", 4, conv_shape, values);
        ref->base_scale = draw(values, (size_t)c, &at);
        rc |= st_writer_add(w, "base_scale.weight", "F32", 4, scale_shape, values);
        if (pc->bias) {
            ref->base_bias = draw(values, (size_t)c, &at);
            rc |= st_writer_add(w, "base_conv.bias", "F32", 1, vec_shape, values);
        }
        conv_shape[0] = 4 * c, scale_shape[1] = 4 * c;
        for (int i = 0; i < pc->levels; i++) {
            ref->wavelet_weight[i] = draw(values, 4 * (size_t)c * kk, &at);
            snprintf(name, sizeof name, "wavelet_convs.%d.weight", i);
            rc |= st_writer_add(w, name, "F32", 4, conv_shape, values);
            ref->wavelet_scale[i] = draw(values, 4 * (size_t)c, &at);
            snprintf(name, sizeof name, "wavelet_scale.%d.weight", i);
            rc |= st_writer_add(w, name, "F32", 4, scale_shape, values);
        }
        rc |= st_writer_save(w, path);
        if (rc != 0)
            fprintf(stderr, "writing the model: %s\n", st_writer_error(w));
    }
    st_writer_free(w);
    free(values);
    return rc;
}

static const wtconv_mtl_buffer *find_feature(const wtconv_mtl_plan *mp, float *const *buffers,
                                             const char *name, float **data) {
    for (int b = 0; b < mp->buffer_count; b++)
        if (strcmp(mp->buffers[b].name, name) == 0) {
            *data = buffers[b];
            return &mp->buffers[b];
        }
    return NULL;
}

/* out[plane] = scale[ch] * (conv(in[plane], weight[ch]) + bias[ch]), per the export tool's
 * contract, with ch the plane's channel; all in float64. */
static int depthwise(const float *in, float *out, const int shape[4], const float *weight,
                     const float *bias, const float *scale, int k) {
    const int channels = shape[1], h = shape[2], w = shape[3];
    const size_t plane = (size_t)h * (size_t)w, kk = (size_t)k * (size_t)k;
    double *x = malloc(sizeof(double) * plane), *y = malloc(sizeof(double) * plane);
    double *ker = malloc(sizeof(double) * kk);
    int rc = x && y && ker ? 0 : -1;
    for (int p = 0; rc == 0 && p < shape[0] * channels; p++) {
        const int ch = p % channels;
        for (size_t i = 0; i < plane; i++)
            x[i] = in[(size_t)p * plane + i];
        for (size_t t = 0; t < kk; t++)
            ker[t] = weight[(size_t)ch * kk + t];
        rc = ref_conv_same(x, h, w, ker, k, y);
        for (size_t i = 0; rc == 0 && i < plane; i++)
            out[(size_t)p * plane + i] =
                (float)((double)scale[ch] * (y[i] + (bias ? (double)bias[ch] : 0.0)));
    }
    free(x), free(y), free(ker);
    return rc;
}

/* The Core ML stage's stand-in: reads x and coeffs_i, writes base and filtered_i. */
static int coreml_stand_in(const wtconv_mtl_plan *mp, float *const *buffers,
                           const wtconv_model *m) {
    float *in = NULL, *out = NULL;
    char name[32]; /* room for "filtered_" and any int, which gcc's -Wformat-truncation asks */
    const wtconv_mtl_buffer *src = find_feature(mp, buffers, "x", &in);
    const wtconv_mtl_buffer *dst = find_feature(mp, buffers, "base", &out);
    if (!src || !dst || !src->is_coreml_input || !dst->is_coreml_output ||
        memcmp(src->shape, dst->shape, sizeof src->shape) != 0)
        return -1;
    if (depthwise(in, out, dst->shape, m->base_weight, m->has_bias ? m->base_bias : NULL,
                  m->base_scale, m->kernel) != 0)
        return -1;
    for (int i = 0; i < m->levels; i++) {
        snprintf(name, sizeof name, "coeffs_%d", i);
        src = find_feature(mp, buffers, name, &in);
        snprintf(name, sizeof name, "filtered_%d", i);
        dst = find_feature(mp, buffers, name, &out);
        if (!src || !dst || !src->is_coreml_input || !dst->is_coreml_output ||
            memcmp(src->shape, dst->shape, sizeof src->shape) != 0)
            return -1;
        if (depthwise(in, out, dst->shape, m->wavelet_weight[i], NULL, m->wavelet_scale[i],
                      m->kernel) != 0)
            return -1;
    }
    return 0;
}

static int run_cpu_backend(const char *path, const pipeline_case *pc, const float *input,
                           float *output) {
    wtconv_options opts;
    wtconv_ctx *ctx = NULL;
    wtconv_status st;
    wtconv_options_init(&opts);
    opts.backend = WTCONV_BACKEND_CPU;
    opts.batch = pc->batch;
    opts.stride = pc->stride;
    opts.num_threads = 1;
    st = wtconv_create_with_options(path, pc->channels, pc->height, pc->width, &opts, &ctx);
    if (st == WTCONV_OK)
        st = wtconv_run(ctx, input, output);
    if (st != WTCONV_OK)
        fprintf(stderr, "CPU backend: %s\n", wtconv_last_error());
    wtconv_destroy(ctx);
    return st == WTCONV_OK ? 0 : -1;
}

/* The float64 reference on the layer as generated (write_model), a second, independent truth:
 * neither the loader nor the CPU backend is involved. */
static int run_reference(const ref_layer *layer, const pipeline_case *pc, const float *input,
                         size_t in_n, double *out) {
    double *x = malloc(sizeof(double) * in_n);
    int rc;
    if (!x)
        return -1;
    for (size_t i = 0; i < in_n; i++)
        x[i] = input[i];
    rc = ref_wtconv_forward(layer, pc->batch, pc->height, pc->width, pc->stride, x, out);
    free(x);
    return rc;
}

static void run_case(const pipeline_case *pc, const char *path) {
    static const uint32_t group_limits[] = {1024, 64, 7};
    wtconv_model model;
    wtconv_plan plan;
    wtconv_mtl_plan mp;
    float *input = NULL, *expect = NULL, *got = NULL;
    double *ref = NULL, *arena = NULL;
    ref_layer generated;
    float *buffers[WTCONV_MTL_MAX_BUFFERS] = {0};
    char error[256] = "";
    size_t in_n, out_n;
    int ok = 0;

    memset(&model, 0, sizeof model);
    printf("N=%d C=%d H=%d W=%d k=%d L=%d stride=%d bias=%d: ", pc->batch, pc->channels, pc->height,
           pc->width, pc->kernel, pc->levels, pc->stride, pc->bias);
    if (write_model(pc, path, &generated, &arena) != 0 ||
        wtconv_model_load(path, NULL, 0, &model) != WTCONV_OK ||
        wtconv_plan_make(&model, pc->batch, pc->channels, pc->height, pc->width, pc->stride,
                         &plan) != WTCONV_OK) {
        snprintf(error, sizeof error, "setup: %s", wtconv_last_error());
        goto done;
    }
    in_n = plan.input_elements, out_n = plan.output_elements;
    input = malloc(sizeof(float) * in_n);
    expect = malloc(sizeof(float) * out_n);
    got = malloc(sizeof(float) * out_n);
    ref = malloc(sizeof(double) * out_n);
    if (!input || !expect || !got || !ref) {
        snprintf(error, sizeof error, "out of memory");
        goto done;
    }
    fill(input, in_n, rng_input);
    if (run_cpu_backend(path, pc, input, expect) != 0 ||
        run_reference(&generated, pc, input, in_n, ref) != 0) {
        snprintf(error, sizeof error, "the CPU backend or the reference failed");
        goto done;
    }

    for (size_t g = 0; g < sizeof group_limits / sizeof group_limits[0]; g++) {
        double max_err = 0, max_ref = 0, max_ref_err = 0;
        if (wtconv_mtl_plan_make(&plan, group_limits[g], &mp) != WTCONV_OK) {
            snprintf(error, sizeof error, "plan: %s", wtconv_last_error());
            goto done;
        }
        for (int b = 0; b < mp.buffer_count; b++) {
            buffers[b] = malloc(mp.buffers[b].bytes); /* exact sizes, for ASan */
            if (!buffers[b]) {
                snprintf(error, sizeof error, "out of memory");
                goto done;
            }
            for (size_t e = 0; e < mp.buffers[b].elements; e++)
                buffers[b][e] = NAN;
        }
        memcpy(buffers[mp.input_buffer], input, sizeof(float) * in_n);
        if (wtconv_emu_run(&mp, group_limits[g], 0, mp.forward_count, buffers, 1, error,
                           sizeof error) != 0)
            goto done;
        if (coreml_stand_in(&mp, buffers, &model) != 0) {
            snprintf(error, sizeof error, "the Core ML stage's features do not match the plan");
            goto done;
        }
        if (wtconv_emu_run(&mp, group_limits[g], mp.forward_count, mp.inverse_count, buffers, 1,
                           error, sizeof error) != 0)
            goto done;
        memcpy(got, buffers[mp.output_buffer], sizeof(float) * out_n);
        for (size_t i = 0; i < out_n; i++) {
            const double e = fabs((double)got[i] - (double)expect[i]);
            const double r = fabs((double)got[i] - ref[i]);
            if (!(e <= max_err)) /* NaN-safe */
                max_err = isnan(e) ? INFINITY : e;
            if (!(r <= max_ref_err))
                max_ref_err = isnan(r) ? INFINITY : r;
            if (fabs(ref[i]) > max_ref)
                max_ref = fabs(ref[i]);
        }
        for (int b = 0; b < mp.buffer_count; b++)
            free(buffers[b]), buffers[b] = NULL;
        if (!(max_err <= 1e-5 * max_ref + 1e-6) || !(max_ref_err <= 1e-5 * max_ref + 1e-6)) {
            snprintf(error, sizeof error,
                     "threadgroups of <= %u: max |metal - cpu| = %.3g, max |metal - ref| = %.3g, "
                     "max |ref| = %.3g",
                     (unsigned)group_limits[g], max_err, max_ref_err, max_ref);
            goto done;
        }
        if (g == 0)
            printf("max |metal - cpu| = %.2g, |metal - ref| = %.2g (max |ref| %.2g) ", max_err,
                   max_ref_err, max_ref);
    }
    ok = 1;
done:
    for (int b = 0; b < WTCONV_MTL_MAX_BUFFERS; b++)
        free(buffers[b]);
    wtconv_model_free(&model);
    free(input), free(expect), free(got), free(ref), free(arena);
    printf("%s%s\n", ok ? "ok" : "FAILED: ", error);
    if (ok)
        g_passed++;
    else
        g_failed++;
}

int main(int argc, char **argv) {
    /* The shapes the Apple issue names -- odd sizes, L = 1..5, stride 2, batch 2 -- and more:
     * even k, 1x1 images, levels past the 1x1 point (up to the library's 32), no bias. */
    static const pipeline_case cases[] = {
        {1, 3, 17, 13, 5, 1, 1, 1}, {1, 3, 17, 13, 5, 2, 1, 1},  {1, 3, 17, 13, 5, 3, 1, 0},
        {1, 3, 17, 13, 5, 4, 2, 1}, {1, 3, 17, 13, 5, 5, 2, 1},  {2, 2, 31, 23, 3, 3, 2, 1},
        {2, 4, 64, 48, 7, 5, 2, 1}, {2, 2, 33, 65, 4, 2, 3, 0},  {1, 1, 1, 1, 3, 2, 1, 1},
        {2, 1, 2, 3, 5, 4, 2, 1},   {1, 5, 9, 1, 1, 3, 1, 1},    {2, 3, 45, 39, 6, 5, 1, 1},
        {1, 1, 1, 1, 3, 32, 1, 1},  {1, 2, 37, 41, 4, 32, 3, 1},
    };
    const char *dir = argc > 1 ? argv[1] : ".";
    char path[1024];
    const int randoms = 12;
    snprintf(path, sizeof path, "%s/metal_pipeline_model.safetensors", dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i], path);
    for (int i = 0; i < randoms; i++) {
        pipeline_case pc;
        pc.batch = rng_int(1, 2), pc.channels = rng_int(1, 4);
        pc.height = rng_int(1, 40), pc.width = rng_int(1, 40);
        pc.kernel = rng_int(1, 8), pc.levels = rng_int(1, 5);
        pc.stride = rng_int(1, 3), pc.bias = rng_int(0, 1);
        run_case(&pc, path);
    }
    remove(path);
    printf("metal pipeline: %d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
