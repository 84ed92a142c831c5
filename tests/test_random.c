/*
 * test_random - randomised end-to-end test of libwtconv against an independent float64
 * reference (tests/support/ref_wtconv.c), through safetensors files written by
 * tests/support/st_writer.c.
 *
 * First the reference itself is checked against closed forms that follow from the semantics
 * document; then ~60 random layers (C, H, W, k, L, stride, batch, bias, dtype, naming scheme,
 * layer prefix) are written to a temporary file, loaded with wtconv_create_with_options, run on
 * random input and compared with the reference:
 *     pass iff max|y - y_ref| <= 1e-5 * max|y_ref| + 1e-6.
 *
 * Usage: test_random [seed]   (or env WTCONV_TEST_SEED; decimal or 0x hex). Exit 0 iff all pass.
 * Last line: "random: N passed, M failed".
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "wtconv/wtconv.h"

#include "ref_wtconv.h"
#include "st_writer.h"
#include "test_util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#include <process.h>
#define TEST_GETPID() ((long)_getpid())
#else
#include <unistd.h>
#define TEST_GETPID() ((long)getpid())
#endif

#define NUM_RANDOM_CASES 60
#define DEFAULT_SEED 0x5eed2024ULL

static int g_passed = 0;
static int g_failed = 0;

static void record(int ok) {
    if (ok)
        g_passed++;
    else
        g_failed++;
}

/* ---- deterministic RNG (splitmix64) ------------------------------------------------------ */

static uint64_t g_rng;

static uint64_t rng_next(void) {
    uint64_t z = (g_rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t g_seed;

/* Each case draws from its own stream (seed, id), so its parameters depend only on the seed and
 * its number, not on how earlier cases went. */
static void rng_stream(uint64_t id) {
    int i;
    g_rng = g_seed ^ (0xd1b54a32d192ed03ULL * (id + 1));
    for (i = 0; i < 4; i++)
        (void)rng_next();
}

/* Uniform integer in [lo, hi]. */
static int rng_int(int lo, int hi) {
    uint64_t span = (uint64_t)((long long)hi - (long long)lo + 1);
    return lo + (int)(rng_next() % span);
}

/* m/256 with |m| <= range (range <= 255): exact in F32, F16 and BF16. */
static double rng_q(int range) { return (double)rng_int(-range, range) / 256.0; }

/* A float in [-1, 1] with 24 significant bits at most (exact as float). */
static float rng_input(void) { return (float)rng_int(-(1 << 23), 1 << 23) / (float)(1 << 23); }

/* ---- helpers ------------------------------------------------------------------------------ */

static void *xcalloc(size_t count, size_t size) {
    void *p = calloc(count ? count : 1, size);
    if (!p) {
        fprintf(stderr, "test_random: out of memory (%zu x %zu bytes)\n", count, size);
        exit(2);
    }
    return p;
}

/* max|got - expect| and max|expect| over n values; returns 1 iff within
 * rel * max|expect| + abs_tol. NaN anywhere fails. */
static int compare(const double *got, const double *expect, size_t n, double rel, double abs_tol,
                   double *out_maxerr, double *out_maxref) {
    double maxerr = 0.0, maxref = 0.0;
    int nan_seen = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        double e = fabs(got[i] - expect[i]);
        if (!(e == e) || !(got[i] == got[i]) || !(expect[i] == expect[i]))
            nan_seen = 1;
        if (e > maxerr)
            maxerr = e;
        if (fabs(expect[i]) > maxref)
            maxref = fabs(expect[i]);
    }
    *out_maxerr = nan_seen ? NAN : maxerr;
    *out_maxref = maxref;
    return !nan_seen && maxerr <= rel * maxref + abs_tol;
}

/* ---- closed-form checks of the reference ------------------------------------------------- */

/* A reference layer with owned arrays. */
typedef struct layer_data {
    int C, k, L, bias;
    double *bw, *bb, *bs;
    double *ww[REF_MAX_LEVELS], *ws[REF_MAX_LEVELS];
} layer_data;

static void layer_alloc(layer_data *d, int C, int k, int L, int bias) {
    int i;
    size_t kk = (size_t)k * (size_t)k;
    memset(d, 0, sizeof(*d));
    d->C = C;
    d->k = k;
    d->L = L;
    d->bias = bias;
    d->bw = (double *)xcalloc((size_t)C * kk, sizeof(double));
    d->bb = (double *)xcalloc((size_t)C, sizeof(double));
    d->bs = (double *)xcalloc((size_t)C, sizeof(double));
    for (i = 0; i < L; i++) {
        d->ww[i] = (double *)xcalloc(4 * (size_t)C * kk, sizeof(double));
        d->ws[i] = (double *)xcalloc(4 * (size_t)C, sizeof(double));
    }
}

static void layer_free(layer_data *d) {
    int i;
    free(d->bw);
    free(d->bb);
    free(d->bs);
    for (i = 0; i < d->L; i++) {
        free(d->ww[i]);
        free(d->ws[i]);
    }
    memset(d, 0, sizeof(*d));
}

static ref_layer layer_ref(const layer_data *d) {
    ref_layer r;
    int i;
    memset(&r, 0, sizeof(r));
    r.channels = d->C;
    r.kernel = d->k;
    r.levels = d->L;
    r.has_bias = d->bias;
    r.base_weight = d->bw;
    r.base_bias = d->bias ? d->bb : NULL;
    r.base_scale = d->bs;
    for (i = 0; i < d->L; i++) {
        r.wavelet_weight[i] = d->ww[i];
        r.wavelet_scale[i] = d->ws[i];
    }
    return r;
}

/* x[n][c] plane value at (i, j), zero outside the image. */
static double xat(const double *x, int H, int W, size_t plane_index, int i, int j) {
    if (i < 0 || j < 0 || i >= H || j >= W)
        return 0.0;
    return x[plane_index * (size_t)H * (size_t)W + (size_t)i * (size_t)W + (size_t)j];
}

/* Haar sign pattern of subband s at block position (r, q): s1 differs along H, s2 along W. */
static double haar_sign(int s, int r, int q) {
    double sr = r ? -1.0 : 1.0, sq = q ? -1.0 : 1.0;
    switch (s) {
    case 0:
        return 1.0;
    case 1:
        return sr;
    case 2:
        return sq;
    default:
        return sr * sq;
    }
}

static int run_ref_and_compare(const char *label, const layer_data *d, int N, int H, int W,
                               int stride, const double *x, const double *expect) {
    ref_layer r = layer_ref(d);
    size_t n =
        (size_t)N * (size_t)d->C * (size_t)ref_out_dim(H, stride) * (size_t)ref_out_dim(W, stride);
    double *y = (double *)xcalloc(n, sizeof(double));
    double maxerr = 0.0, maxref = 0.0;
    int rc = ref_wtconv_forward(&r, N, H, W, stride, x, y);
    int ok = rc == 0 && compare(y, expect, n, 1e-12, 1e-12, &maxerr, &maxref);
    printf("%s N=%d C=%d H=%d W=%d k=%d L=%d s=%d bias=%d: %s (maxerr=%.3g, maxref=%.3g%s)\n",
           label, N, d->C, H, W, d->k, d->L, stride, d->bias, ok ? "ok" : "FAIL", maxerr, maxref,
           rc != 0 ? ", reference returned an error" : "");
    free(y);
    return ok;
}

static double *random_input(size_t n) {
    double *x = (double *)xcalloc(n, sizeof(double));
    size_t i;
    for (i = 0; i < n; i++)
        x[i] = (double)rng_input();
    return x;
}

/*
 * (A) Base branch alone: wavelet kernels all zero, base kernel a single 1 at tap (u, v). The
 * 'same' correlation with (k-1)/2 zero rows before gives conv(x)[i][j] = x[i+u-p][j+v-p] (zero
 * outside), p = (k-1)/2, for odd and even k. So y[i][j] = scale_c * (x[i+u-p][j+v-p] + bias_c),
 * sampled at (i, j) = (stride*oi, stride*oj).
 */
static void closed_form_base_shift(int t) {
    const int N = rng_int(1, 2), C = rng_int(1, 4), H = rng_int(1, 13), W = rng_int(1, 13);
    const int k = rng_int(1, 8), L = rng_int(0, 3), stride = rng_int(1, 3), bias = rng_int(0, 1);
    const int u = rng_int(0, k - 1), v = rng_int(0, k - 1), p = (k - 1) / 2;
    const int Ho = ref_out_dim(H, stride), Wo = ref_out_dim(W, stride);
    layer_data d;
    double *x, *expect;
    int c, n, i, j, l;
    char label[64];
    layer_alloc(&d, C, k, L, bias);
    for (c = 0; c < C; c++) {
        d.bw[(size_t)c * (size_t)k * (size_t)k + (size_t)u * (size_t)k + (size_t)v] = 1.0;
        d.bs[c] = rng_q(255);
        d.bb[c] = rng_q(255);
    }
    for (l = 0; l < L; l++)
        for (c = 0; c < 4 * C; c++)
            d.ws[l][c] = rng_q(255); /* scales of zero kernels: no effect */
    x = random_input((size_t)N * (size_t)C * (size_t)H * (size_t)W);
    expect = (double *)xcalloc((size_t)N * (size_t)C * (size_t)Ho * (size_t)Wo, sizeof(double));
    for (n = 0; n < N; n++)
        for (c = 0; c < C; c++)
            for (i = 0; i < Ho; i++)
                for (j = 0; j < Wo; j++) {
                    size_t pi = (size_t)n * (size_t)C + (size_t)c;
                    double xv = xat(x, H, W, pi, i * stride + u - p, j * stride + v - p);
                    expect[(pi * (size_t)Ho + (size_t)i) * (size_t)Wo + (size_t)j] =
                        d.bs[c] * (xv + (bias ? d.bb[c] : 0.0));
                }
    snprintf(label, sizeof(label), "closed-form base-shift %d (tap %d,%d):", t, u, v);
    record(run_ref_and_compare(label, &d, N, H, W, stride, x, expect));
    free(x);
    free(expect);
    layer_free(&d);
}

/*
 * (B) Block means: base kernel zero (so the base branch is the constant scale_c * bias_c), every
 * wavelet kernel a single 1 at the centre tap (p, p) (the identity conv, also for even k), and
 * the scale of level i the same number s_{i,c} for the four subbands of channel c. Since the
 * Haar matrix is its own inverse and zero padding / cropping cancel, level i alone contributes
 * s_{i,c} * cur_i upsampled back. cur_i (the raw LL after i levels) is 2^i times the mean of the
 * 2^i x 2^i block (zero-extended x, blocks aligned at 0), and each inverse step with only an LL
 * band spreads LL/2 over its 2x2 block, so after i steps: the block mean M_i. Therefore
 *     y[i][j] = scale_c * bias_c + sum_l s_{l,c} * M_l(x)[i][j],
 *     M_l(x)[i][j] = 4^-l * sum of x over the 2^l-block containing (i, j) (zero outside).
 */
static void closed_form_block_means(int t) {
    const int N = rng_int(1, 2), C = rng_int(1, 3), H = rng_int(1, 37), W = rng_int(1, 37);
    const int k = rng_int(1, 8), L = rng_int(1, 5), stride = rng_int(1, 3), bias = rng_int(0, 1);
    const int p = (k - 1) / 2;
    const int Ho = ref_out_dim(H, stride), Wo = ref_out_dim(W, stride);
    layer_data d;
    double *x, *expect;
    int c, n, i, j, l, a, b;
    char label[64];
    layer_alloc(&d, C, k, L, bias);
    for (c = 0; c < C; c++) {
        d.bs[c] = rng_q(255);
        d.bb[c] = rng_q(255);
    }
    for (l = 0; l < L; l++)
        for (c = 0; c < C; c++) {
            double s = rng_q(255);
            int sb;
            for (sb = 0; sb < 4; sb++) {
                d.ws[l][4 * c + sb] = s;
                d.ww[l][(size_t)(4 * c + sb) * (size_t)k * (size_t)k + (size_t)p * (size_t)k +
                        (size_t)p] = 1.0;
            }
        }
    x = random_input((size_t)N * (size_t)C * (size_t)H * (size_t)W);
    expect = (double *)xcalloc((size_t)N * (size_t)C * (size_t)Ho * (size_t)Wo, sizeof(double));
    for (n = 0; n < N; n++)
        for (c = 0; c < C; c++)
            for (i = 0; i < Ho; i++)
                for (j = 0; j < Wo; j++) {
                    size_t pi = (size_t)n * (size_t)C + (size_t)c;
                    const int yi = i * stride, yj = j * stride;
                    double acc = bias ? d.bs[c] * d.bb[c] : 0.0;
                    for (l = 0; l < L; l++) {
                        const int bsz = 1 << l;
                        const int i0 = (yi / bsz) * bsz, j0 = (yj / bsz) * bsz;
                        double sum = 0.0;
                        for (a = 0; a < bsz; a++)
                            for (b = 0; b < bsz; b++)
                                sum += xat(x, H, W, pi, i0 + a, j0 + b);
                        acc += d.ws[l][4 * c] * sum / (double)(bsz * bsz);
                    }
                    expect[(pi * (size_t)Ho + (size_t)i) * (size_t)Wo + (size_t)j] = acc;
                }
    snprintf(label, sizeof(label), "closed-form block-means %d:", t);
    record(run_ref_and_compare(label, &d, N, H, W, stride, x, expect));
    free(x);
    free(expect);
    layer_free(&d);
}

/*
 * (C) One level, per-subband scales t_{c,s}, every wavelet kernel a single 1 at tap (u, v), base
 * branch zero. Then f_s = t_s * S_s shifted: f_s[I][J] = t_s * S_s[I+du][J+dv] (du = u-p,
 * dv = v-p; zero outside the (ceil(H/2) x ceil(W/2)) subband grid), with the Haar coefficients
 * written out from the doc: S_s[I][J] = 1/2 * sum_{r,q in {0,1}} sign_s(r,q) x[2I+r][2J+q]
 * (x zero-extended), and the inverse y[2I+r][2J+q] = 1/2 * sum_s sign_s(r,q) f_s[I][J], cropped.
 * sign_0 = +; sign_1 = -1 on the second row (difference along H); sign_2 = -1 on the second
 * column (difference along W); sign_3 = sign_1 * sign_2. Checks the subband order (channel
 * 4c+s) and the wavelet-domain padding.
 */
static void closed_form_subbands(int t) {
    const int N = rng_int(1, 2), C = rng_int(1, 3), H = rng_int(1, 21), W = rng_int(1, 21);
    const int k = rng_int(1, 7), stride = rng_int(1, 2);
    const int p = (k - 1) / 2, u = rng_int(0, k - 1), v = rng_int(0, k - 1);
    const int du = u - p, dv = v - p;
    const int Hh = (H + 1) / 2, Wh = (W + 1) / 2;
    const int Ho = ref_out_dim(H, stride), Wo = ref_out_dim(W, stride);
    layer_data d;
    double *x, *expect;
    int c, n, i, j, s;
    char label[64];
    layer_alloc(&d, C, k, 1, 0);
    for (c = 0; c < C; c++) {
        d.bs[c] = rng_q(255);
        for (s = 0; s < 4; s++) {
            d.ws[0][4 * c + s] = rng_q(255);
            d.ww[0][(size_t)(4 * c + s) * (size_t)k * (size_t)k + (size_t)u * (size_t)k +
                    (size_t)v] = 1.0;
        }
    }
    x = random_input((size_t)N * (size_t)C * (size_t)H * (size_t)W);
    expect = (double *)xcalloc((size_t)N * (size_t)C * (size_t)Ho * (size_t)Wo, sizeof(double));
    for (n = 0; n < N; n++)
        for (c = 0; c < C; c++)
            for (i = 0; i < Ho; i++)
                for (j = 0; j < Wo; j++) {
                    size_t pi = (size_t)n * (size_t)C + (size_t)c;
                    const int yi = i * stride, yj = j * stride;
                    const int I = yi / 2, J = yj / 2, r = yi % 2, q = yj % 2;
                    const int SI = I + du, SJ = J + dv;
                    double acc = 0.0;
                    if (SI >= 0 && SI < Hh && SJ >= 0 && SJ < Wh) {
                        for (s = 0; s < 4; s++) {
                            double coef = 0.0;
                            int rr, qq;
                            for (rr = 0; rr < 2; rr++)
                                for (qq = 0; qq < 2; qq++)
                                    coef += haar_sign(s, rr, qq) *
                                            xat(x, H, W, pi, 2 * SI + rr, 2 * SJ + qq);
                            coef *= 0.5;
                            acc += 0.5 * haar_sign(s, r, q) * d.ws[0][4 * c + s] * coef;
                        }
                    }
                    expect[(pi * (size_t)Ho + (size_t)i) * (size_t)Wo + (size_t)j] = acc;
                }
    snprintf(label, sizeof(label), "closed-form subbands %d (tap %d,%d):", t, u, v);
    record(run_ref_and_compare(label, &d, N, H, W, stride, x, expect));
    free(x);
    free(expect);
    layer_free(&d);
}

/* ---- random cases against the library ---------------------------------------------------- */

enum { NAMES_REF = 0, NAMES_FAST = 1, NAMES_FAST_ALT = 2 };
static const char *const k_names_label[] = {"reference", "fast", "fast-alt"};
/* stride modes: option only / metadata only (option 0) / neither (stride 1) / both agree */
enum { STRIDE_OPT = 0, STRIDE_META = 1, STRIDE_DEFAULT = 2, STRIDE_BOTH = 3 };
static const char *const k_stride_label[] = {"option", "metadata", "default", "option+metadata"};
static const char *const k_dtypes[] = {"F32", "F16", "BF16"};
static const char *const k_prefixes[] = {"stages.2.blocks.0.dwconv.", "layer1.",
                                         "model.encoder.wtconv."};
static const char *const k_decoy_prefix = "stages.2.blocks.1.dwconv.";

typedef struct case_params {
    int N, C, H, W, k, L, stride, stride_mode, bias, threads;
    const char *dtype;
    int names;
    const char *prefix; /* NULL: whole file */
    int filters;        /* reference names: also store wt_filter / iwt_filter */
    int half_exact;     /* filters hold exactly 0.5 (else the fp32 0.49999997) */
    int stride_filter;  /* reference names, stride > 1: also store stride_filter */
    int decoy;          /* another layer under k_decoy_prefix */
} case_params;

static void print_params(const char *tag, const case_params *p) {
    printf("%s N=%d C=%d H=%d W=%d k=%d L=%d stride=%d(%s) bias=%d dtype=%s names=%s "
           "prefix=%s%s%s%s threads=%d",
           tag, p->N, p->C, p->H, p->W, p->k, p->L, p->stride, k_stride_label[p->stride_mode],
           p->bias, p->dtype, k_names_label[p->names], p->prefix ? p->prefix : "(none)",
           p->filters ? (p->half_exact ? " +filters(0.5)" : " +filters(0.49999997)") : "",
           p->stride_filter ? " +stride_filter" : "", p->decoy ? " +decoy" : "", p->threads);
}

/* Adds `count` doubles (exact as float by construction) as tensor prefix+name. */
static int add_tensor(st_writer *w, const char *prefix, const char *name, const char *dtype,
                      int ndim, const long long *shape, const double *vals, size_t count) {
    char full[256];
    float *f = (float *)xcalloc(count, sizeof(float));
    size_t i;
    int rc;
    for (i = 0; i < count; i++) {
        f[i] = (float)vals[i];
        if ((double)f[i] != vals[i]) {
            fprintf(stderr, "test_random: internal: %s[%zu] not exact in float\n", name, i);
            free(f);
            return -1;
        }
    }
    snprintf(full, sizeof(full), "%s%s", prefix ? prefix : "", name);
    rc = st_writer_add(w, full, dtype, ndim, shape, f);
    if (rc != 0)
        printf("  st_writer: %s\n", st_writer_error(w));
    free(f);
    return rc;
}

static void random_layer(layer_data *d, int C, int k, int L, int bias) {
    size_t kk = (size_t)k * (size_t)k, i;
    int l;
    layer_alloc(d, C, k, L, bias);
    for (i = 0; i < (size_t)C * kk; i++)
        d->bw[i] = rng_q(64);
    for (i = 0; i < (size_t)C; i++) {
        d->bs[i] = rng_q(255);
        d->bb[i] = bias ? rng_q(255) : 0.0;
    }
    for (l = 0; l < L; l++) {
        for (i = 0; i < 4 * (size_t)C * kk; i++)
            d->ww[l][i] = rng_q(64);
        for (i = 0; i < 4 * (size_t)C; i++)
            d->ws[l][i] = rng_q(255);
    }
}

/* Writes the tensors of one layer under `prefix` with the naming scheme of p. */
static int write_layer(st_writer *w, const case_params *p, const layer_data *d,
                       const char *prefix) {
    const long long C = d->C, k = d->k;
    const long long shp_bw[4] = {C, 1, k, k}, shp_b[1] = {C}, shp_bs[4] = {1, C, 1, 1};
    const long long shp_ww[4] = {4 * C, 1, k, k}, shp_ws[4] = {1, 4 * C, 1, 1};
    const long long shp_f[4] = {4 * C, 1, 2, 2}, shp_sf[4] = {C, 1, 1, 1};
    const size_t nbw = (size_t)(C * k * k), nww = (size_t)(4 * C * k * k);
    char name[128];
    int l;
    const int ref = p->names == NAMES_REF;
    if (add_tensor(w, prefix, ref ? "base_conv.weight" : "base_weight", p->dtype, 4, shp_bw, d->bw,
                   nbw))
        return -1;
    if (d->bias && add_tensor(w, prefix, ref ? "base_conv.bias" : "base_bias", p->dtype, 1, shp_b,
                              d->bb, (size_t)C))
        return -1;
    if (add_tensor(w, prefix, ref ? "base_scale.weight" : "base_scale", p->dtype, 4, shp_bs, d->bs,
                   (size_t)C))
        return -1;
    for (l = 0; l < d->L; l++) {
        if (p->names == NAMES_FAST)
            snprintf(name, sizeof(name), "wt_weights.%d", l);
        else
            snprintf(name, sizeof(name), "wavelet_convs.%d.weight", l);
        if (add_tensor(w, prefix, name, p->dtype, 4, shp_ww, d->ww[l], nww))
            return -1;
        if (p->names == NAMES_REF)
            snprintf(name, sizeof(name), "wavelet_scale.%d.weight", l);
        else if (p->names == NAMES_FAST)
            snprintf(name, sizeof(name), "wt_scales.%d", l);
        else
            snprintf(name, sizeof(name), "wavelet_scales.%d", l);
        if (add_tensor(w, prefix, name, p->dtype, 4, shp_ws, d->ws[l], (size_t)(4 * C)))
            return -1;
    }
    if (ref && p->filters) {
        /* [4C,1,2,2]: channel 4c+s holds the taps [[a,b],[c,d]] of subband s. The reference's
         * fp32 taps are (1/sqrt 2)^2 = 0.49999997; the inverse filter has the same taps. */
        const double h = p->half_exact ? 0.5 : (double)0.49999997f;
        double *f = (double *)xcalloc((size_t)(16 * C), sizeof(double));
        long long c;
        int s, r, q, rc;
        for (c = 0; c < C; c++)
            for (s = 0; s < 4; s++)
                for (r = 0; r < 2; r++)
                    for (q = 0; q < 2; q++)
                        f[(size_t)((4 * c + s) * 4 + r * 2 + q)] = h * haar_sign(s, r, q);
        rc = add_tensor(w, prefix, "wt_filter", p->half_exact ? p->dtype : "F32", 4, shp_f, f,
                        (size_t)(16 * C));
        if (rc == 0)
            rc = add_tensor(w, prefix, "iwt_filter", p->half_exact ? p->dtype : "F32", 4, shp_f, f,
                            (size_t)(16 * C));
        free(f);
        if (rc)
            return -1;
    }
    if (ref && p->stride_filter) {
        double *ones = (double *)xcalloc((size_t)C, sizeof(double));
        long long c;
        int rc;
        for (c = 0; c < C; c++)
            ones[c] = 1.0;
        rc = add_tensor(w, prefix, "stride_filter", p->dtype, 4, shp_sf, ones, (size_t)C);
        free(ones);
        if (rc)
            return -1;
    }
    return 0;
}

static void draw_case(int index, case_params *p) {
    memset(p, 0, sizeof(*p));
    p->N = rng_int(1, 3);
    p->C = rng_int(1, 9);
    /* Two thirds of the sizes odd. */
    p->H = rng_int(0, 2) ? 2 * rng_int(0, 19) + 1 : 2 * rng_int(1, 20);
    p->W = rng_int(0, 2) ? 2 * rng_int(0, 19) + 1 : 2 * rng_int(1, 20);
    p->k = rng_int(1, 8);
    p->L = rng_int(1, 5);
    p->stride = rng_int(1, 3);
    p->stride_mode = rng_int(0, 3);
    if (p->stride_mode == STRIDE_DEFAULT)
        p->stride = 1;
    p->bias = rng_int(0, 1);
    p->threads = rng_int(0, 3);
    p->dtype = k_dtypes[rng_int(0, 2)];
    p->names = rng_int(0, 4) == 0 ? NAMES_FAST_ALT : (rng_int(0, 1) ? NAMES_FAST : NAMES_REF);
    p->prefix = rng_int(0, 2) == 0 ? k_prefixes[rng_int(0, 2)] : NULL;
    p->filters = p->names == NAMES_REF && rng_int(0, 1);
    p->half_exact = strcmp(p->dtype, "F32") != 0 || rng_int(0, 1);
    p->stride_filter = p->names == NAMES_REF && p->stride > 1 && rng_int(0, 2) == 0;
    p->decoy = p->prefix != NULL && rng_int(0, 1);
    /* A few fixed corner cases first. */
    if (index == 0) { /* the smallest layer: 1x1 image, 1x1 kernel */
        p->C = 1;
        p->H = 1;
        p->W = 1;
        p->k = 1;
        p->L = 1;
        p->stride = 1;
        p->stride_mode = STRIDE_OPT;
    } else if (index == 1) { /* the largest: deep, big even kernel, stride 3 */
        p->C = 9;
        p->H = 40;
        p->W = 40;
        p->k = 8;
        p->L = 5;
        p->stride = 3;
    } else if (index == 2) { /* one row, deep cascade on a 1-high image, even kernel */
        p->H = 1;
        p->W = 37;
        p->k = 2;
        p->L = 4;
    } else if (index == 3) { /* kernel larger than the image */
        p->H = 3;
        p->W = 2;
        p->k = 7;
        p->L = 2;
    } else if (index == 4) { /* a large kernel (the CPU's looped any-k kernels) on wide rows */
        p->H = 9;
        p->W = 70;
        p->k = 31;
        p->L = 2;
    } else if (index >= 5 && index <= 14) {
        /* N, C, H, W, k, L, stride (0: N as drawn). Cases 5-7, many planes at stride 1 with
         * k = 5, 7, 3: the CPU backend's threads take whole planes and keep each plane's
         * level-0 Haar rows for level 0's pass (they fit in 1/8 of the input), and the base
         * branch's kernel starts from the filtered subbands. Cases 8-14, at least 16 channels
         * of small planes: the AVX-512 and AVX2 kernels take blocks of 16 or 8 channels at
         * once (cpu/channel_block.h) where the grids fit, the channels left over plane by
         * plane; WTCONV_CPU_CHANNEL_BLOCKS=1 (the random_blocks_* tests) makes them take it
         * for every case here. Any k (the sliding 3/5/7 and the looped others), odd sizes,
         * strides, deep cascades, batches. */
        static const int shapes[10][7] = {{0, 48, 27, 38, 5, 3, 1}, {0, 64, 33, 20, 7, 2, 1},
                                          {0, 64, 16, 50, 3, 2, 1}, {1, 768, 14, 14, 5, 2, 1},
                                          {2, 40, 14, 14, 5, 2, 1}, {1, 32, 9, 13, 7, 3, 2},
                                          {3, 16, 7, 6, 4, 2, 3},   {1, 48, 20, 17, 3, 4, 1},
                                          {2, 17, 11, 30, 9, 2, 1}, {2, 16, 1, 5, 1, 3, 1}};
        const int *c = shapes[index - 5];
        p->N = c[0] ? c[0] : p->N;
        p->C = c[1];
        p->H = c[2];
        p->W = c[3];
        p->k = c[4];
        p->L = c[5];
        p->stride = c[6];
        p->stride_mode = STRIDE_OPT;
        /* 768 channels of 14 x 14 take channel blocks by default on AVX-512 and AVX2 (the
         * other cases only where the random_blocks_* tests force them): with a bias, so that
         * the default tests check the blocks' bias against the reference too. */
        if (index == 8)
            p->bias = 1;
    }
    if (p->stride > 1 && p->stride_mode == STRIDE_DEFAULT)
        p->stride_mode = STRIDE_META;
    if (p->stride == 1 || p->names != NAMES_REF)
        p->stride_filter = 0;
}

static void temp_path(char *out, size_t size, int index) {
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = getenv("TEMP");
    if (!dir || !*dir)
        dir = getenv("TMP");
#if defined(_WIN32)
    if (!dir || !*dir)
        dir = ".";
    snprintf(out, size, "%s\\wtconv_test_random_%ld_%d.safetensors", dir, TEST_GETPID(), index);
#else
    if (!dir || !*dir)
        dir = "/tmp";
    snprintf(out, size, "%s/wtconv_test_random_%ld_%d.safetensors", dir, TEST_GETPID(), index);
#endif
}

/* Runs one random case; returns 1 on pass. */
static int random_case(int index) {
    case_params p;
    layer_data d, decoy;
    ref_layer rl;
    st_writer *w = NULL;
    wtconv_options opts;
    wtconv_ctx *ctx = NULL;
    wtconv_status st;
    char path[1024], tag[32], sbuf[16];
    int ok = 0, on = 0, oc = 0, oh = 0, ow = 0, Ho, Wo, file_written = 0;
    size_t nin, nout, i;
    float *xf = NULL, *xf_copy = NULL, *yf = NULL;
    double *xd = NULL, *yd = NULL, *yref = NULL;
    double maxerr = 0.0, maxref = 0.0;
    const char *why = NULL;

    draw_case(index, &p);
    random_layer(&d, p.C, p.k, p.L, p.bias);
    memset(&decoy, 0, sizeof(decoy));
    if (p.decoy) { /* same C, different k / L / values: must not be picked up */
        const int dk = rng_int(1, 8);
        const int dl = rng_int(1, 5);
        const int db = rng_int(0, 1);
        random_layer(&decoy, p.C, dk, dl, db);
    }
    snprintf(tag, sizeof(tag), "random %d:", index);
    Ho = ref_out_dim(p.H, p.stride);
    Wo = ref_out_dim(p.W, p.stride);
    nin = (size_t)p.N * (size_t)p.C * (size_t)p.H * (size_t)p.W;
    nout = (size_t)p.N * (size_t)p.C * (size_t)Ho * (size_t)Wo;

    /* Model file. */
    temp_path(path, sizeof(path), index);
    w = st_writer_new();
    if (!w) {
        why = "st_writer_new: out of memory";
        goto done;
    }
    if (p.decoy && write_layer(w, &p, &decoy, k_decoy_prefix) != 0) {
        why = "writing the decoy layer failed";
        goto done;
    }
    if (write_layer(w, &p, &d, p.prefix) != 0) {
        why = "writing the layer failed";
        goto done;
    }
    if (p.stride_mode == STRIDE_META || p.stride_mode == STRIDE_BOTH) {
        /* A stride belongs to a layer: "<prefix>stride". The decoy records a different one,
         * which must never reach the layer under test. */
        char key[96];
        snprintf(key, sizeof(key), "%sstride", p.prefix ? p.prefix : "");
        snprintf(sbuf, sizeof(sbuf), "%d", p.stride);
        if (st_writer_add_metadata(w, key, sbuf) != 0) {
            why = "st_writer_add_metadata failed";
            goto done;
        }
        snprintf(key, sizeof(key), "%sstride", k_decoy_prefix);
        snprintf(sbuf, sizeof(sbuf), "%d", p.stride % 3 + 1);
        if (p.decoy && st_writer_add_metadata(w, key, sbuf) != 0) {
            why = "st_writer_add_metadata failed";
            goto done;
        }
    }
    if (rng_int(0, 1) && st_writer_add_metadata(w, "format", "pt") != 0) {
        why = "st_writer_add_metadata failed";
        goto done;
    }
    if (st_writer_save(w, path) != 0) {
        printf("  st_writer: %s\n", st_writer_error(w));
        why = "st_writer_save failed";
        goto done;
    }
    file_written = 1;

    /* Context. */
    wtconv_options_init(&opts);
    opts.batch = p.N;
    opts.backend = (wtconv_backend)test_backend_from_env();
    opts.num_threads = p.threads;
    opts.stride = (p.stride_mode == STRIDE_OPT || p.stride_mode == STRIDE_BOTH) ? p.stride : 0;
    opts.layer = p.prefix;
    st = wtconv_create_with_options(path, p.C, p.H, p.W, &opts, &ctx);
    if (st != WTCONV_OK || !ctx) {
        if (st == WTCONV_ERR_BACKEND_UNAVAILABLE) { /* the file would outlive a skip */
            remove(path);
            file_written = 0;
            test_skip_if_isa_unavailable((int)st);
        }
        printf("  wtconv_create_with_options: %s: %s\n", wtconv_status_string(st),
               wtconv_last_error());
        why = "create failed";
        goto done;
    }
    test_case_created();
    st = wtconv_output_shape(ctx, &on, &oc, &oh, &ow);
    if (st != WTCONV_OK || on != p.N || oc != p.C || oh != Ho || ow != Wo) {
        printf("  wtconv_output_shape: status %d, got %d x %d x %d x %d, want %d x %d x %d x %d\n",
               (int)st, on, oc, oh, ow, p.N, p.C, Ho, Wo);
        why = "output shape";
        goto done;
    }
    if (wtconv_input_size(ctx) != nin || wtconv_output_size(ctx) != nout) {
        printf("  sizes: input %zu (want %zu), output %zu (want %zu)\n", wtconv_input_size(ctx),
               nin, wtconv_output_size(ctx), nout);
        why = "input/output size";
        goto done;
    }
    if (wtconv_kernel_size(ctx) != p.k || wtconv_levels(ctx) != p.L ||
        wtconv_stride(ctx) != p.stride || wtconv_has_bias(ctx) != p.bias) {
        printf("  queries: k=%d L=%d stride=%d bias=%d\n", wtconv_kernel_size(ctx),
               wtconv_levels(ctx), wtconv_stride(ctx), wtconv_has_bias(ctx));
        why = "kernel/levels/stride/bias queries";
        goto done;
    }

    /* Run. */
    xf = (float *)xcalloc(nin, sizeof(float));
    xf_copy = (float *)xcalloc(nin, sizeof(float));
    yf = (float *)xcalloc(nout, sizeof(float));
    xd = (double *)xcalloc(nin, sizeof(double));
    yd = (double *)xcalloc(nout, sizeof(double));
    yref = (double *)xcalloc(nout, sizeof(double));
    for (i = 0; i < nin; i++) {
        xf[i] = rng_input();
        xd[i] = (double)xf[i];
    }
    memcpy(xf_copy, xf, nin * sizeof(float));
    for (i = 0; i < nout; i++)
        yf[i] = NAN; /* every output must be written */
    st = wtconv_run(ctx, xf, yf);
    if (st != WTCONV_OK) {
        printf("  wtconv_run: %s: %s\n", wtconv_status_string(st), wtconv_last_error());
        why = "run failed";
        goto done;
    }
    if (memcmp(xf, xf_copy, nin * sizeof(float)) != 0) {
        why = "the input buffer was modified";
        goto done;
    }
    for (i = 0; i < nout; i++)
        yd[i] = (double)yf[i];
    rl = layer_ref(&d);
    if (ref_wtconv_forward(&rl, p.N, p.H, p.W, p.stride, xd, yref) != 0) {
        why = "reference failed";
        goto done;
    }
    if (!compare(yd, yref, nout, 1e-5, 1e-6, &maxerr, &maxref)) {
        why = "output differs from the reference";
        goto done;
    }
    ok = 1;

done:
    print_params(tag, &p);
    if (ok)
        printf(" backend=%s: ok (maxerr=%.3g, maxref=%.3g)\n", wtconv_backend_name(ctx), maxerr,
               maxref);
    else
        printf(": FAIL: %s (maxerr=%.3g, maxref=%.3g)\n", why ? why : "?", maxerr, maxref);
    wtconv_destroy(ctx);
    st_writer_free(w);
    if (file_written)
        remove(path);
    free(xf);
    free(xf_copy);
    free(yf);
    free(xd);
    free(yd);
    free(yref);
    layer_free(&d);
    if (p.decoy)
        layer_free(&decoy);
    return ok;
}

int main(int argc, char **argv) {
    uint64_t seed = DEFAULT_SEED;
    const char *seed_text = NULL;
    int t;
    if (argc > 1)
        seed_text = argv[1];
    else if (getenv("WTCONV_TEST_SEED") && *getenv("WTCONV_TEST_SEED"))
        seed_text = getenv("WTCONV_TEST_SEED");
    if (seed_text) {
        char *end = NULL;
        seed = (uint64_t)strtoull(seed_text, &end, 0);
        if (!end || *end != '\0') {
            fprintf(stderr, "test_random: bad seed '%s'\n", seed_text);
            return 2;
        }
    }
    printf("random: seed %llu (0x%llx); libwtconv %s\n", (unsigned long long)seed,
           (unsigned long long)seed, wtconv_version_string());
    fflush(stdout);
    g_seed = seed;

    for (t = 0; t < 8; t++) {
        rng_stream(1000u + (uint64_t)t);
        closed_form_base_shift(t);
    }
    for (t = 0; t < 8; t++) {
        rng_stream(2000u + (uint64_t)t);
        closed_form_block_means(t);
    }
    for (t = 0; t < 8; t++) {
        rng_stream(3000u + (uint64_t)t);
        closed_form_subbands(t);
    }
    fflush(stdout);

    for (t = 0; t < NUM_RANDOM_CASES; t++) {
        rng_stream((uint64_t)t);
        record(random_case(t));
        fflush(stdout);
    }

    printf("random: %d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
