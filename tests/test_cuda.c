/*
 * test_cuda - the CUDA backend against the float64 reference (tests/support/ref_wtconv.c):
 * host-pointer runs (wtconv_run) and device-pointer runs on a stream (wtconv_run_device) for
 * shapes that reach every kernel path (k = 3, 5, 7 register tiles, other k from shared memory,
 * kernels too large for shared memory, several tiles per plane, several planes per block, odd
 * sizes at every level, deep cascades needing two down passes, the smallest deep levels on a
 * quad's lanes, strides, batches, no bias),
 * device runs enqueued back to back, device runs on pointers 4 bytes past 16-byte alignment, then
 * the error paths of wtconv_run_device. Pass iff max|y - y_ref| <= 1e-5 * max|y_ref| + 1e-6. The
 * golden and random tests also run on this backend (golden_cuda, random_cuda).
 *
 * Without a CUDA device it prints why and exits with 77 (ctest: skipped).
 */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "wtconv/wtconv.h"

#include <cuda.h>
#include <cuda_runtime_api.h>

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref_wtconv.h"
#include "st_writer.h"
#include "test_util.h"

static int g_passed, g_failed;

static void check(int ok, const char *what) {
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (ok)
        g_passed++;
    else
        g_failed++;
}

static uint64_t g_rng = 0x5eedc0da2024ULL;
static uint64_t rng_next(void) {
    uint64_t z = (g_rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
/* m/256, |m| <= range: exact in float. */
static double rng_q(int range) {
    return (double)((int)(rng_next() % (uint64_t)(2 * range + 1)) - range) / 256.0;
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "test_cuda: out of memory\n");
        exit(2);
    }
    return p;
}

typedef struct layer {
    int C, k, L, bias;
    double *bw, *bb, *bs, *ww[REF_MAX_LEVELS], *ws[REF_MAX_LEVELS];
} layer;

static void layer_make(layer *d, int C, int k, int L, int bias) {
    const size_t kk = (size_t)k * k;
    memset(d, 0, sizeof *d);
    d->C = C, d->k = k, d->L = L, d->bias = bias;
    d->bw = xmalloc(C * kk * sizeof(double));
    d->bb = xmalloc(C * sizeof(double));
    d->bs = xmalloc(C * sizeof(double));
    for (size_t i = 0; i < C * kk; i++)
        d->bw[i] = rng_q(64);
    for (int c = 0; c < C; c++) {
        d->bs[c] = rng_q(255);
        d->bb[c] = bias ? rng_q(255) : 0.0;
    }
    for (int l = 0; l < L; l++) {
        d->ww[l] = xmalloc(4 * C * kk * sizeof(double));
        d->ws[l] = xmalloc(4 * C * sizeof(double));
        for (size_t i = 0; i < 4 * C * kk; i++)
            d->ww[l][i] = rng_q(64);
        for (int i = 0; i < 4 * C; i++)
            d->ws[l][i] = rng_q(255);
    }
}

static void layer_free(layer *d) {
    free(d->bw), free(d->bb), free(d->bs);
    for (int l = 0; l < d->L; l++)
        free(d->ww[l]), free(d->ws[l]);
}

static int add(st_writer *w, const char *name, int ndim, const long long *shape, const double *v,
               size_t n) {
    float *f = xmalloc(n * sizeof(float));
    int rc;
    for (size_t i = 0; i < n; i++)
        f[i] = (float)v[i];
    rc = st_writer_add(w, name, "F32", ndim, shape, f);
    free(f);
    return rc;
}

static int layer_save(const layer *d, const char *path) {
    const long long C = d->C, k = d->k;
    const long long sbw[4] = {C, 1, k, k}, sb[1] = {C}, sbs[4] = {1, C, 1, 1};
    const long long sww[4] = {4 * C, 1, k, k}, sws[4] = {1, 4 * C, 1, 1};
    char name[64];
    st_writer *w = st_writer_new();
    int rc = !w || add(w, "base_conv.weight", 4, sbw, d->bw, (size_t)(C * k * k)) ||
             (d->bias && add(w, "base_conv.bias", 1, sb, d->bb, (size_t)C)) ||
             add(w, "base_scale.weight", 4, sbs, d->bs, (size_t)C);
    for (int l = 0; l < d->L && !rc; l++) {
        snprintf(name, sizeof name, "wavelet_convs.%d.weight", l);
        rc = add(w, name, 4, sww, d->ww[l], (size_t)(4 * C * k * k));
        snprintf(name, sizeof name, "wavelet_scale.%d.weight", l);
        rc = rc || add(w, name, 4, sws, d->ws[l], (size_t)(4 * C));
    }
    rc = rc || st_writer_save(w, path);
    if (rc)
        printf("st_writer: %s\n", st_writer_error(w));
    st_writer_free(w);
    return rc;
}

typedef struct shape {
    int N, C, H, W, k, L, stride, bias;
    const char *why;
} shape;

/* Every path: see the file comment. */
static const shape k_shapes[] = {
    {2, 3, 255, 255, 5, 3, 1, 1, "several tiles per plane, odd sizes"},
    {1, 4, 130, 97, 3, 4, 2, 1, "k=3, stride 2, odd widths"},
    {2, 5, 70, 141, 7, 2, 1, 0, "k=7, no bias"},
    {3, 8, 7, 7, 5, 2, 1, 1, "7x7 planes, several per block, the deep level on quads"},
    {2, 5, 7, 9, 3, 3, 1, 1, "7x9, k=3, three levels: small planes, the deep levels on quads"},
    {1, 4, 8, 7, 7, 3, 2, 0, "8x7, k=7, stride 2, no bias: small planes on quads"},
    {2, 4, 9, 9, 5, 2, 1, 1, "9x9: 25 jobs a plane, the band-parallel deep level"},
    {2, 16, 14, 14, 5, 3, 1, 1, "14x14, three levels"},
    {2, 16, 28, 28, 5, 4, 1, 1, "28x28, four levels: the deep warp beside the level-0 jobs"},
    {2, 6, 27, 30, 7, 3, 2, 0, "27x30, k=7, stride 2, no bias: the deep warp, odd rows"},
    {1, 8, 56, 56, 5, 5, 1, 1, "56x56, five levels: one plane a block, 16-byte stores"},
    {2, 3, 53, 57, 5, 5, 1, 1, "53x57, five levels: the smallest deep levels on quads, odd sizes"},
    {1, 3, 49, 50, 7, 4, 2, 0, "49x50, k=7, stride 2, no bias: level 3 on quads, odd sizes"},
    {2, 5, 45, 43, 7, 3, 2, 0, "45x43, k=7, stride 2, no bias: one plane a block, odd sizes"},
    {1, 4, 51, 56, 3, 3, 1, 0, "51x56, k=3, no bias: eight lanes a coefficient row, one idle"},
    {2, 3, 60, 64, 7, 2, 1, 1, "60x64, k=7: eight level-0 jobs a row, none idle, 256 threads"},
    {2, 4, 52, 52, 5, 3, 2, 1, "52x52, stride 2: seven level-0 jobs a row, paired copies"},
    {1, 3, 55, 56, 5, 1, 1, 1, "55x56, one level, odd rows: eight lanes a row, one idle"},
    {1, 3, 45, 44, 5, 3, 1, 0, "45x44, three levels, no bias: six jobs a row on eight lanes"},
    {3, 8, 28, 30, 5, 1, 1, 1, "28x30, one level: one plane a block of 56 threads, no deep warp"},
    {1, 2, 16, 256, 3, 2, 1, 1, "16x256, k=3: a row of more copies than the block has threads"},
    {1, 2, 300, 300, 5, 9, 1, 1, "nine levels: two down passes, 1x1 at the bottom"},
    {1, 3, 66, 67, 4, 3, 3, 1, "even k (shared-memory path), stride 3"},
    {2, 2, 33, 20, 9, 2, 1, 1, "k=9"},
    {1, 2, 232, 232, 9, 3, 1, 1, "k=9, 232x232: levels 1 and 2 on one kernel, 56 and 52 KiB"},
    {1, 2, 9, 70, 31, 2, 1, 1, "k=31"},
    {1, 2, 9, 30, 64, 1, 2, 1, "k=64: too large for shared memory (direct kernel)"},
    {1, 3, 1, 37, 2, 4, 1, 0, "one row, deep, even k"},
    {4, 6, 5, 3, 1, 2, 2, 1, "k=1, tiny planes"},
    {1, 128, 16, 16, 1, 4, 1, 1, "k=1, 128 channels, 2x2 deepest: at most 64 planes a block"},
    {1, 32, 128, 128, 5, 1, 1, 1, "one level only"},
    {1, 3, 67, 70, 3, 2, 1, 1, "k=3, 67x70: 32x32 tiles (taps in registers), partial tiles"},
    {2, 3, 129, 131, 5, 2, 1, 0, "129x131, k=5, two levels, no bias: the cone, partial tiles"},
    {1, 4, 97, 200, 3, 3, 1, 1, "97x200, k=3, three levels: the cone, odd rows"},
    {1, 2, 63, 65, 5, 3, 1, 1, "63x65, three levels: the cone's smallest tiles, odd sizes"},
};

/* The case of k_shapes with this size and depth (each is there once). */
static const shape *shape_of(int H, int W, int L) {
    for (size_t i = 0; i < sizeof k_shapes / sizeof k_shapes[0]; i++)
        if (k_shapes[i].H == H && k_shapes[i].W == W && k_shapes[i].L == L)
            return &k_shapes[i];
    abort(); /* a case named below is missing from k_shapes */
}

/* Compares y (floats) with the reference; returns 1 if within the contract. */
static int within(const float *y, const double *ref, size_t n, double *err_out) {
    double err = 0.0, big = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double e = fabs((double)y[i] - ref[i]);
        if (!(e <= err)) /* NaN too */
            err = isnan(e) ? INFINITY : e;
        if (fabs(ref[i]) > big)
            big = fabs(ref[i]);
    }
    *err_out = err;
    return err <= 1e-5 * big + 1e-6;
}

/* Prints a case's result and counts it. */
static void tally(int ok, const char *kind, const char *what, double err) {
    printf("%s %s %s: max err %.3g\n", ok ? "ok  " : "FAIL", kind, what, err);
    if (ok)
        g_passed++;
    else
        g_failed++;
}

/* The float64 reference's view of layer d. */
static void reference_of(const layer *d, ref_layer *r) {
    memset(r, 0, sizeof *r);
    r->channels = d->C, r->kernel = d->k, r->levels = d->L, r->has_bias = d->bias;
    r->base_weight = d->bw, r->base_bias = d->bias ? d->bb : NULL, r->base_scale = d->bs;
    for (int l = 0; l < d->L; l++)
        r->wavelet_weight[l] = d->ww[l], r->wavelet_scale[l] = d->ws[l];
}

/* An input value in [-1, 1], a multiple of 2^-23 (exact in float). */
static float random_input(void) {
    return (float)((double)((int)(rng_next() % 16777217u) - 8388608) / 8388608.0);
}

/* Floats of a shape's input and output tensors. */
static size_t input_floats(const shape *s) { return (size_t)s->N * s->C * s->H * s->W; }
static size_t output_floats(const shape *s) {
    return (size_t)s->N * s->C * ref_out_dim(s->H, s->stride) * ref_out_dim(s->W, s->stride);
}

/* Options for a CUDA context of shape s. */
static void cuda_options(const shape *s, wtconv_options *opts) {
    wtconv_options_init(opts);
    opts->backend = WTCONV_BACKEND_CUDA;
    opts->batch = s->N;
    opts->stride = s->stride;
}

/* One test case: a layer of shape s saved at path, `runs` random inputs x (floats, one after
 * another) with their float64 references yref, host output room y, and what the case holds on
 * the device (context and buffers, made by the test itself). */
typedef struct gpu_case {
    layer d;
    wtconv_ctx *ctx;
    size_t nin, nout;                 /* floats of one input and one output */
    float *x, *y, *dx, *dy, *ox, *oy; /* ox, oy: device buffers one float longer */
    double *yref;
    char what[256];
} gpu_case;

/* Makes the layer, the inputs and their references; 0, or -1 (reported) on failure. */
static int case_open(gpu_case *c, const shape *s, int runs, const char *path) {
    ref_layer r;
    memset(c, 0, sizeof *c);
    c->nin = input_floats(s), c->nout = output_floats(s);
    c->x = xmalloc(runs * c->nin * sizeof(float));
    c->y = xmalloc(runs * c->nout * sizeof(float));
    c->yref = xmalloc(runs * c->nout * sizeof(double));
    double *xd = xmalloc(c->nin * sizeof(double));
    int rc = 0;
    layer_make(&c->d, s->C, s->k, s->L, s->bias);
    reference_of(&c->d, &r);
    for (int j = 0; j < runs && rc == 0; j++) {
        for (size_t i = 0; i < c->nin; i++) {
            c->x[j * c->nin + i] = random_input();
            xd[i] = c->x[j * c->nin + i];
        }
        rc = ref_wtconv_forward(&r, s->N, s->H, s->W, s->stride, xd, c->yref + j * c->nout);
    }
    free(xd);
    if (rc || layer_save(&c->d, path)) {
        check(0, "writing the model / the reference");
        return -1;
    }
    return 0;
}

static void case_close(gpu_case *c, const char *path) {
    wtconv_destroy(c->ctx);
    cudaFree(c->dx);
    cudaFree(c->dy);
    cudaFree(c->ox);
    cudaFree(c->oy);
    remove(path);
    layer_free(&c->d);
    free(c->x), free(c->y), free(c->yref);
}

/* Device room for `runs` of c's inputs and outputs, `extra` floats longer each, at *dx and *dy:
 * the inputs copied to *dx + extra, the outputs poisoned with NaN (all bits set). Synchronised:
 * the pageable copies may still be in flight when cudaMemcpy returns, and the legacy stream does
 * not order the non-blocking one the runs go to. 0, or -1 on failure. */
static int device_buffers(const gpu_case *c, int runs, int extra, float **dx, float **dy) {
    const size_t nin = (size_t)runs * c->nin + extra, nout = (size_t)runs * c->nout + extra;
    if (cudaMalloc((void **)dx, nin * sizeof(float)) != cudaSuccess ||
        cudaMalloc((void **)dy, nout * sizeof(float)) != cudaSuccess ||
        cudaMemcpy(*dx + extra, c->x, (nin - extra) * sizeof(float), cudaMemcpyHostToDevice) !=
            cudaSuccess ||
        cudaMemset(*dy, 0xff, nout * sizeof(float)) != cudaSuccess ||
        cudaDeviceSynchronize() != cudaSuccess)
        return -1;
    return 0;
}

/* After device runs of c that wrote dy (ran: they were enqueued): waits for the device, fetches
 * y and compares it with the reference, reported as `kind`; a run or copy that failed is
 * reported as `run` and counted. Returns 1 if y is within the contract. */
static int fetch_and_check(gpu_case *c, int ran, const float *dy, const char *kind,
                           const char *run) {
    double err;
    if (!ran || cudaDeviceSynchronize() != cudaSuccess ||
        cudaMemcpy(c->y, dy, c->nout * sizeof(float), cudaMemcpyDeviceToHost) != cudaSuccess) {
        printf("FAIL %s %s: %s\n", run, c->what, wtconv_last_error());
        g_failed++;
        return 0;
    }
    const int ok = within(c->y, c->yref, c->nout, &err);
    tally(ok, kind, c->what, err);
    return ok;
}

/* One shape through host pointers, device pointers on the stream (twice) and offset device
 * pointers; each result is tallied as it is checked. */
static void run_shape(const shape *s, const char *path, cudaStream_t stream) {
    gpu_case c;
    wtconv_options opts;
    double err;

    if (case_open(&c, s, 1, path))
        goto done;
    cuda_options(s, &opts);
    snprintf(c.what, sizeof c.what, "N=%d C=%d %dx%d k=%d L=%d stride=%d bias=%d (%s)", s->N, s->C,
             s->H, s->W, s->k, s->L, s->stride, s->bias, s->why);
    if (wtconv_create_with_options(path, s->C, s->H, s->W, &opts, &c.ctx) != WTCONV_OK) {
        printf("FAIL create %s: %s\n", c.what, wtconv_last_error());
        g_failed++;
        goto done;
    }
    /* Host pointers. */
    for (size_t i = 0; i < c.nout; i++)
        c.y[i] = NAN;
    if (wtconv_run(c.ctx, c.x, c.y) != WTCONV_OK) {
        printf("FAIL run %s: %s\n", c.what, wtconv_last_error());
        g_failed++;
        goto done;
    }
    const int host_ok = within(c.y, c.yref, c.nout, &err); /* before err is passed on */
    tally(host_ok, "host  ", c.what, err);
    /* Device pointers on the stream, output poisoned. */
    if (device_buffers(&c, 1, 0, &c.dx, &c.dy)) {
        check(0, "cudaMalloc/cudaMemcpy for the device run");
        goto done;
    }
    for (size_t i = 0; i < c.nout; i++)
        c.y[i] = 0.0f;
    if (wtconv_run_device(c.ctx, c.dx, c.dy, stream) != WTCONV_OK) {
        printf("FAIL run_device %s: %s\n", c.what, wtconv_last_error());
        g_failed++;
        goto done;
    }
    /* A second run, on the legacy default stream, right behind the first: it must wait. */
    fetch_and_check(&c, wtconv_run_device(c.ctx, c.dx, c.dy, NULL) == WTCONV_OK, c.dy, "device",
                    "run_device (second run)");
    /* x and y 4 bytes past 16-byte alignment, as a caller's sub-buffers may be: the kernels that
     * copy pairs of floats or store float4s must fall back to single floats. */
    if (device_buffers(&c, 1, 1, &c.ox, &c.oy)) {
        check(0, "cudaMalloc/cudaMemcpy for the offset run");
        goto done;
    }
    fetch_and_check(&c, wtconv_run_device(c.ctx, c.ox + 1, c.oy + 1, stream) == WTCONV_OK, c.oy + 1,
                    "offset", "run_device (offset pointers)");

done:
    case_close(&c, path);
}

/* The outputs of c's `runs` runs (fetched into c->y) against their references, tallied as one
 * case under `kind`, with the worst error of them. */
static void tally_runs(const gpu_case *c, int runs, const char *kind) {
    int failed = 0;
    double worst = 0.0, err;
    for (int j = 0; j < runs; j++) {
        failed += !within(c->y + j * c->nout, c->yref + j * c->nout, c->nout, &err);
        worst = err > worst ? err : worst;
    }
    tally(!failed, kind, c->what, worst);
}

/* Several device runs of one context enqueued back to back on one stream, each with its own
 * input and output, synchronised once at the end. Within a run the tiled path's level kernels
 * start while the kernel before them finishes (programmatic dependent launch) and all runs
 * share the context's scratch: an output that read a neighbour's or a stale intermediate
 * differs from its own reference. */
static void back_to_back(const shape *s, const char *path, cudaStream_t stream, int alternate) {
    enum { RUNS = 4 };
    gpu_case c;
    wtconv_options opts;
    int failed = 0;

    if (case_open(&c, s, RUNS, path))
        goto done;
    snprintf(c.what, sizeof c.what, "%d runs back to back%s, N=%d C=%d %dx%d k=%d L=%d (%s)", RUNS,
             alternate ? " on two streams" : "", s->N, s->C, s->H, s->W, s->k, s->L, s->why);
    cuda_options(s, &opts);
    if (wtconv_create_with_options(path, s->C, s->H, s->W, &opts, &c.ctx) ||
        device_buffers(&c, RUNS, 0, &c.dx, &c.dy)) {
        printf("FAIL setting up %s: %s\n", c.what, wtconv_last_error());
        g_failed++;
        goto done;
    }
    /* alternate: odd runs on the legacy stream, which does not order the non-blocking one: only
     * the context's own wait keeps them off each other's scratch. */
    for (int j = 0; j < RUNS && !failed; j++)
        failed = wtconv_run_device(c.ctx, c.dx + j * c.nin, c.dy + j * c.nout,
                                   alternate && j % 2 ? NULL : stream) != WTCONV_OK;
    if (failed || cudaDeviceSynchronize() != cudaSuccess ||
        cudaMemcpy(c.y, c.dy, RUNS * c.nout * sizeof(float), cudaMemcpyDeviceToHost) !=
            cudaSuccess) {
        printf("FAIL %s: %s\n", c.what, wtconv_last_error());
        g_failed++;
        goto done;
    }
    tally_runs(&c, RUNS, "device");
done:
    case_close(&c, path);
}

/* Two live contexts whose layers run on one kernel with different shared memory (56x56, k = 5,
 * L = 5 and 4: 55.2 and 53.7 KiB a block): the kernel's shared-memory limit is the process's,
 * and creating the second must not lower it under the first. Each runs after both exist. */
static void two_contexts(const char *path, const char *path2) {
    static const shape five = {1, 4, 56, 56, 5, 5, 1, 1, "created first"};
    static const shape four = {1, 4, 56, 56, 5, 4, 1, 1, "created second"};
    gpu_case a, b;
    wtconv_options opts;
    double err;
    int ok;

    memset(&b, 0, sizeof b);
    if (case_open(&a, &five, 1, path) || case_open(&b, &four, 1, path2))
        goto done;
    cuda_options(&five, &opts);
    if (wtconv_create_with_options(path, 4, 56, 56, &opts, &a.ctx) != WTCONV_OK ||
        wtconv_create_with_options(path2, 4, 56, 56, &opts, &b.ctx) != WTCONV_OK) {
        printf("FAIL two contexts: create: %s\n", wtconv_last_error());
        g_failed++;
        goto done;
    }
    for (int j = 0; j < 2; j++) {
        gpu_case *c = j ? &b : &a;
        snprintf(c->what, sizeof c->what, "two live contexts, 1x4x56x56 k=5 L=%d (%s)",
                 j ? four.L : five.L, j ? four.why : five.why);
        ok = wtconv_run(c->ctx, c->x, c->y) == WTCONV_OK;
        if (!ok) {
            printf("FAIL run %s: %s\n", c->what, wtconv_last_error());
            g_failed++;
            continue;
        }
        ok = within(c->y, c->yref, c->nout, &err); /* before err is passed on */
        tally(ok, "host  ", c->what, err);
    }
done:
    case_close(&b, path2);
    case_close(&a, path);
}

/* A run from a thread with no current CUDA context: it must leave none current. Putting back
 * the runtime's current device instead would make device 0's primary context current (created,
 * on a machine whose device 0 is not the context's), which the driver's current context shows
 * here on any device. */
typedef struct {
    gpu_case *c;
    CUresult (*current)(CUcontext *);
    int ran, before, after;
    char error[512]; /* the run's message: wtconv_last_error is the thread's own */
} bare_thread;

static void *run_on_bare_thread(void *arg) {
    bare_thread *t = (bare_thread *)arg;
    CUcontext ctx = NULL;
    t->before = t->current(&ctx) == CUDA_SUCCESS && ctx == NULL;
    t->ran = wtconv_run(t->c->ctx, t->c->x, t->c->y) == WTCONV_OK;
    snprintf(t->error, sizeof t->error, "%s", wtconv_last_error());
    ctx = NULL;
    t->after = t->current(&ctx) == CUDA_SUCCESS && ctx == NULL;
    return NULL;
}

static void thread_without_context(const shape *s, const char *path) {
    gpu_case c;
    bare_thread t;
    pthread_t thread;
    wtconv_options opts;
    void *fn = NULL;
    int ok;
    enum cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
    double err;
    memset(&t, 0, sizeof t);
    if (case_open(&c, s, 1, path))
        goto done;
    if (cudaGetDriverEntryPointByVersion("cuCtxGetCurrent", &fn, 4000, cudaEnableDefault, &found) !=
            cudaSuccess ||
        found != cudaDriverEntryPointSuccess) {
        check(0, "cuCtxGetCurrent through the runtime's entry points");
        goto done;
    }
    cuda_options(s, &opts);
    if (wtconv_create_with_options(path, s->C, s->H, s->W, &opts, &c.ctx) != WTCONV_OK) {
        printf("FAIL create for a bare thread: %s\n", wtconv_last_error());
        g_failed++;
        goto done;
    }
    t.c = &c;
    memcpy(&t.current, &fn, sizeof fn); /* ISO C converts no object pointer to a function's */
    snprintf(c.what, sizeof c.what,
             "a run from a thread with no CUDA context, %dx%dx%dx%d k=%d L=%d", s->N, s->C, s->H,
             s->W, s->k, s->L);
    if (pthread_create(&thread, NULL, run_on_bare_thread, &t) != 0 ||
        pthread_join(thread, NULL) != 0) {
        check(0, "starting a thread");
        goto done;
    }
    check(t.before, "a new thread starts with no current CUDA context");
    if (!t.ran) {
        printf("FAIL run %s: %s\n", c.what, t.error);
        g_failed++;
        goto done;
    }
    ok = within(c.y, c.yref, c.nout, &err); /* before err is passed on */
    tally(ok, "host  ", c.what, err);
    check(t.after, "a run leaves a thread that had no current CUDA context without one");
done:
    case_close(&c, path);
}

/* The graph, its instance and the capturing stream, whichever exist. */
static void graph_close(cudaGraphExec_t exec, cudaGraph_t graph, cudaStream_t cs) {
    if (exec)
        cudaGraphExecDestroy(exec);
    if (graph)
        cudaGraphDestroy(graph);
    if (cs)
        cudaStreamDestroy(cs);
}

/* A context's first run captured into a graph on one stream, a direct run (another input and
 * output) on the legacy stream, then the graph launched: the graph must wait for the direct run,
 * which the capture came before, or the two share the scratch at once. Both outputs checked. */
static void graph_first_run(const shape *s, const char *path) {
    gpu_case c;
    wtconv_options opts;
    cudaStream_t cs = NULL;
    cudaGraph_t graph = NULL;
    cudaGraphExec_t exec = NULL;
    cudaError_t e = cudaSuccess;
    int rc;

    if (case_open(&c, s, 2, path))
        goto done;
    snprintf(c.what, sizeof c.what,
             "first run captured, a direct run, the graph, N=%d C=%d %dx%d "
             "k=%d L=%d (%s)",
             s->N, s->C, s->H, s->W, s->k, s->L, s->why);
    cuda_options(s, &opts);
    if (wtconv_create_with_options(path, s->C, s->H, s->W, &opts, &c.ctx) != WTCONV_OK ||
        device_buffers(&c, 2, 0, &c.dx, &c.dy) ||
        cudaStreamCreateWithFlags(&cs, cudaStreamNonBlocking) != cudaSuccess ||
        (e = cudaStreamBeginCapture(cs, cudaStreamCaptureModeThreadLocal)) != cudaSuccess) {
        printf("FAIL setting up %s: %s / %s\n", c.what, wtconv_last_error(), cudaGetErrorString(e));
        g_failed++;
        goto done;
    }
    rc = wtconv_run_device(c.ctx, c.dx, c.dy, cs);
    e = cudaStreamEndCapture(cs, &graph);
    if (rc != WTCONV_OK || e != cudaSuccess ||
        (e = cudaGraphInstantiate(&exec, graph, 0)) != cudaSuccess ||
        wtconv_run_device(c.ctx, c.dx + c.nin, c.dy + c.nout, NULL) != WTCONV_OK ||
        (e = cudaGraphLaunch(exec, cs)) != cudaSuccess || cudaDeviceSynchronize() != cudaSuccess ||
        cudaMemcpy(c.y, c.dy, 2 * c.nout * sizeof(float), cudaMemcpyDeviceToHost) != cudaSuccess) {
        printf("FAIL %s: %s / %s\n", c.what, wtconv_last_error(), cudaGetErrorString(e));
        g_failed++;
        (void)cudaGetLastError();
        goto done;
    }
    tally_runs(&c, 2, "graph ");
done:
    graph_close(exec, graph, cs);
    case_close(&c, path);
}

/* wtconv_run_device captured into a CUDA graph (stream capture in `mode`) after a plain run, the
 * graph launched twice, then a host-pointer run: each output against the reference. */
static void graph_capture(const shape *s, const char *path, enum cudaStreamCaptureMode mode) {
    gpu_case c;
    wtconv_options opts;
    cudaStream_t cs = NULL;
    cudaGraph_t graph = NULL;
    cudaGraphExec_t exec = NULL;
    cudaError_t e;
    int rc;

    if (case_open(&c, s, 1, path))
        goto done;
    snprintf(c.what, sizeof c.what, "graph capture (%s mode), N=%d C=%d %dx%d k=%d L=%d (%s)",
             mode == cudaStreamCaptureModeGlobal ? "global" : "thread-local", s->N, s->C, s->H,
             s->W, s->k, s->L, s->why);
    cuda_options(s, &opts);
    if (wtconv_create_with_options(path, s->C, s->H, s->W, &opts, &c.ctx) != WTCONV_OK ||
        device_buffers(&c, 1, 0, &c.dx, &c.dy) ||
        cudaStreamCreateWithFlags(&cs, cudaStreamNonBlocking) != cudaSuccess ||
        wtconv_run_device(c.ctx, c.dx, c.dy, cs) != WTCONV_OK ||
        cudaStreamSynchronize(cs) != cudaSuccess ||
        cudaMemset(c.dy, 0xff, c.nout * sizeof(float)) != cudaSuccess ||
        cudaDeviceSynchronize() != cudaSuccess) {
        printf("FAIL setting up %s: %s\n", c.what, wtconv_last_error());
        g_failed++;
        goto done;
    }
    if ((e = cudaStreamBeginCapture(cs, mode)) != cudaSuccess) {
        printf("FAIL %s: cudaStreamBeginCapture: %s\n", c.what, cudaGetErrorString(e));
        g_failed++;
        goto done;
    }
    rc = wtconv_run_device(c.ctx, c.dx, c.dy, cs);
    e = cudaStreamEndCapture(cs, &graph);
    if (rc != WTCONV_OK || e != cudaSuccess) {
        printf("FAIL %s: run_device %s; cudaStreamEndCapture: %s\n", c.what,
               rc == WTCONV_OK ? "ok" : wtconv_last_error(), cudaGetErrorString(e));
        g_failed++;
        (void)cudaGetLastError();
        goto done;
    }
    if ((e = cudaGraphInstantiate(&exec, graph, 0)) != cudaSuccess ||
        (e = cudaGraphLaunch(exec, cs)) != cudaSuccess ||
        (e = cudaGraphLaunch(exec, cs)) != cudaSuccess) {
        printf("FAIL %s: instantiating or launching the graph: %s\n", c.what,
               cudaGetErrorString(e));
        g_failed++;
        goto done;
    }
    fetch_and_check(&c, 1, c.dy, "graph ", "graph launch");
    /* A host-pointer run after the captured one: the context's own ordering still works. */
    for (size_t i = 0; i < c.nout; i++)
        c.y[i] = NAN;
    if (wtconv_run(c.ctx, c.x, c.y) != WTCONV_OK) {
        printf("FAIL host run after %s: %s\n", c.what, wtconv_last_error());
        g_failed++;
    } else {
        double err = 0.0;
        const int ok = within(c.y, c.yref, c.nout, &err);
        tally(ok, "host  ", c.what, err);
    }
done:
    graph_close(exec, graph, cs);
    case_close(&c, path);
}

/* wtconv_backend_detail names the test switch that changed the choice of kernels (wtconv.h):
 * WTCONV_CUDA_TILES on a shape whose planes fit whole (56x56), WTCONV_CUDA_CONE=0 on one the cone
 * takes (255x255, L = 3); and neither where it is not set. Checked in whichever mode this run
 * has (tools/cuda_device_check.sh runs all four). */
static void detail_names_switches(const char *path) {
    const char *tiles = getenv("WTCONV_CUDA_TILES"), *cone = getenv("WTCONV_CUDA_CONE");
    const int tiles_on = tiles && *tiles && strcmp(tiles, "0") != 0;
    const int shared = tiles && !strcmp(tiles, "shared"), cone_off = cone && !strcmp(cone, "0");
    const shape *cases[2] = {shape_of(56, 56, 5), shape_of(255, 255, 3)};
    for (int i = 0; i < 2; i++) {
        const shape *s = cases[i];
        wtconv_options opts;
        wtconv_ctx *ctx = NULL;
        layer d;
        char what[512];
        int ok = 0;
        layer_make(&d, s->C, s->k, s->L, s->bias);
        cuda_options(s, &opts);
        if (layer_save(&d, path) == 0 &&
            wtconv_create_with_options(path, s->C, s->H, s->W, &opts, &ctx) == WTCONV_OK) {
            const char *detail = wtconv_backend_detail(ctx);
            const int says_tiles = strstr(detail, "(WTCONV_CUDA_TILES)") != NULL;
            const int says_shared = strstr(detail, "(WTCONV_CUDA_TILES=shared)") != NULL;
            const int says_cone = strstr(detail, "(WTCONV_CUDA_CONE=0)") != NULL;
            if (i == 0) /* whole planes fit: any tiles switch changed the choice */
                ok = says_tiles == (tiles_on && !shared) && says_shared == shared && !says_cone &&
                     (strstr(detail, "whole planes") != NULL) == !tiles_on;
            else /* tiles anyway; "shared" keeps level 0 off the cone, else CONE=0 does */
                ok = !says_tiles && says_shared == shared && says_cone == (cone_off && !shared) &&
                     (strstr(detail, "one launch (each tile") != NULL) == (!shared && !cone_off);
            snprintf(what, sizeof what, "backend detail names the switches: %dx%d L=%d: \"%s\"",
                     s->H, s->W, s->L, detail);
        } else {
            snprintf(what, sizeof what, "backend detail: creating %dx%d: %s", s->H, s->W,
                     wtconv_last_error());
        }
        check(ok, what);
        wtconv_destroy(ctx);
        layer_free(&d);
    }
    remove(path);
}

/* wtconv_run_device's error paths; `path` holds a valid model of 2 channels, k=5, L=2. */
static void error_paths(const char *path) {
    wtconv_options opts;
    wtconv_ctx *cuda = NULL, *cpu = NULL;
    float host_in[2 * 16 * 16], host_out[2 * 16 * 16], pattern[2 * 16 * 16], back[2 * 16 * 16];
    float *din = NULL, *dout = NULL;
    wtconv_options_init(&opts);
    opts.backend = WTCONV_BACKEND_CUDA;
    if (wtconv_create_with_options(path, 2, 16, 16, &opts, &cuda) != WTCONV_OK ||
        wtconv_create(path, 2, 16, 16, &cpu) != WTCONV_OK ||
        cudaMalloc((void **)&din, sizeof host_in) != cudaSuccess ||
        cudaMalloc((void **)&dout, sizeof host_out) != cudaSuccess) {
        check(0, "error paths: setting up");
        goto done;
    }
    /* Both outputs hold a pattern of distinct values: a failed call that wrote anything, even
     * one uniform value, would show. */
    for (size_t i = 0; i < sizeof pattern / sizeof pattern[0]; i++)
        pattern[i] = 0.25f * (float)i - 17.0f;
    memcpy(host_out, pattern, sizeof host_out);
    if (cudaMemcpy(dout, pattern, sizeof pattern, cudaMemcpyHostToDevice) != cudaSuccess) {
        check(0, "error paths: setting up the output pattern");
        goto done;
    }
    check(wtconv_run_device(NULL, din, dout, NULL) == WTCONV_ERR_INVALID_ARGUMENT,
          "run_device: NULL ctx -> invalid argument");
    check(wtconv_run_device(cuda, NULL, dout, NULL) == WTCONV_ERR_INVALID_ARGUMENT &&
              strstr(wtconv_last_error(), "input"),
          "run_device: NULL input -> invalid argument naming it");
    check(wtconv_run_device(cuda, din, NULL, NULL) == WTCONV_ERR_INVALID_ARGUMENT &&
              strstr(wtconv_last_error(), "output"),
          "run_device: NULL output -> invalid argument naming it");
    check(wtconv_run_device(cuda, host_in, dout, NULL) == WTCONV_ERR_INVALID_ARGUMENT &&
              strstr(wtconv_last_error(), "not CUDA device memory"),
          "run_device: host input -> invalid argument");
    check(wtconv_run_device(cuda, din, host_out, NULL) == WTCONV_ERR_INVALID_ARGUMENT &&
              !memcmp(host_out, pattern, sizeof host_out),
          "run_device: host output -> invalid argument, output untouched");
    printf("     (%s)\n", wtconv_last_error());
    check(wtconv_run_device(cuda, din, din + 8, NULL) == WTCONV_ERR_INVALID_ARGUMENT &&
              strstr(wtconv_last_error(), "overlap"),
          "run_device: overlapping buffers -> invalid argument");
    check(wtconv_run(cuda, din, host_out) == WTCONV_ERR_INVALID_ARGUMENT &&
              strstr(wtconv_last_error(), "wtconv_run_device") &&
              !memcmp(host_out, pattern, sizeof host_out),
          "run: device input -> invalid argument naming wtconv_run_device, output untouched");
    printf("     (%s)\n", wtconv_last_error());
    check(wtconv_run(cuda, host_in, dout) == WTCONV_ERR_INVALID_ARGUMENT &&
              strstr(wtconv_last_error(), "output"),
          "run: device output -> invalid argument naming it");
    check(wtconv_run_device(cpu, din, dout, NULL) == WTCONV_ERR_BACKEND_UNAVAILABLE &&
              strstr(wtconv_last_error(), "CUDA"),
          "run_device on a CPU context -> backend unavailable");
    printf("     (%s)\n", wtconv_last_error());
    check(cudaMemcpy(back, dout, sizeof back, cudaMemcpyDeviceToHost) == cudaSuccess &&
              !memcmp(back, pattern, sizeof back),
          "the device output is untouched by the failed calls (every element)");
    check(!strcmp(wtconv_backend_name(cuda), "cuda") &&
              wtconv_backend_in_use(cuda) == WTCONV_BACKEND_CUDA,
          "backend name and kind");
    printf("     workspace %zu bytes for 2x16x16 (input %zu bytes)\n", wtconv_workspace_size(cuda),
           sizeof host_in / 2);
done:
    wtconv_destroy(cuda);
    wtconv_destroy(cpu);
    cudaFree(din);
    cudaFree(dout);
}

int main(void) {
    char path[1024], path2[1024];
    cudaStream_t stream = NULL;
    layer d;
    if (!wtconv_backend_available(WTCONV_BACKEND_CUDA)) {
        wtconv_options opts;
        wtconv_ctx *ctx = NULL;
        wtconv_options_init(&opts);
        opts.backend = WTCONV_BACKEND_CUDA;
        wtconv_create_with_options("unused.safetensors", 1, 1, 1, &opts, &ctx);
        printf("skipped: the CUDA backend cannot run here: %s\n", wtconv_last_error());
        return TEST_SKIPPED;
    }
    test_temp_path(path, sizeof path, "cuda.safetensors");
    test_temp_path(path2, sizeof path2, "cuda2.safetensors");
    if (cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) != cudaSuccess) {
        printf("FAIL cudaStreamCreate\n");
        return 1;
    }
    for (size_t i = 0; i < sizeof k_shapes / sizeof k_shapes[0]; i++)
        run_shape(&k_shapes[i], path, stream);
    back_to_back(shape_of(255, 255, 3), path, stream, 0); /* k = 5, three tiled levels */
    back_to_back(shape_of(130, 97, 4), path, stream, 0);  /* k = 3, four levels, stride 2 */
    back_to_back(shape_of(300, 300, 9), path, stream, 0); /* nine levels, two down passes */
    back_to_back(shape_of(56, 56, 5), path, stream, 0);   /* whole planes, one a block */
    /* Two streams: tiled levels with scratch (L = 4, 9) and the cone. */
    back_to_back(shape_of(130, 97, 4), path, stream, 1);
    back_to_back(shape_of(300, 300, 9), path, stream, 1);
    back_to_back(shape_of(255, 255, 3), path, stream, 1);
    two_contexts(path, path2);
    thread_without_context(shape_of(56, 56, 5), path);
    /* The tiled path (early launches) and whole planes. */
    graph_capture(shape_of(255, 255, 3), path, cudaStreamCaptureModeThreadLocal);
    graph_capture(shape_of(56, 56, 5), path, cudaStreamCaptureModeGlobal);
    graph_first_run(shape_of(130, 97, 4), path);
    graph_first_run(shape_of(300, 300, 9), path);
    detail_names_switches(path);
    layer_make(&d, 2, 5, 2, 1);
    if (layer_save(&d, path) == 0)
        error_paths(path);
    else
        check(0, "writing the error-path model");
    remove(path);
    layer_free(&d);
    cudaStreamDestroy(stream);
    printf("cuda: %d passed, %d failed\n", g_passed, g_failed);
    return g_failed ? 1 : 0;
}
