/* See ref_wtconv.h. Straightforward on purpose: no tricks, explicit padded copies. */
#include "ref_wtconv.h"

#include <stdlib.h>
#include <string.h>

int ref_out_dim(int size, int stride) { return (size + stride - 1) / stride; }

static double *alloc_zero(size_t count) {
    if (count == 0)
        count = 1;
    return (double *)calloc(count, sizeof(double));
}

int ref_conv_same(const double *in, int h, int w, const double *ker, int k, double *out) {
    const int before = (k - 1) / 2; /* PyTorch 'same': (k-1)//2 before, k//2 after */
    const int ph = h + k - 1;
    const int pw = w + k - 1;
    double *pad = alloc_zero((size_t)ph * (size_t)pw);
    int i, j, u, v;
    if (!pad)
        return -1;
    for (i = 0; i < h; i++)
        for (j = 0; j < w; j++)
            pad[(size_t)(i + before) * (size_t)pw + (size_t)(j + before)] =
                in[(size_t)i * (size_t)w + (size_t)j];
    for (i = 0; i < h; i++) {
        for (j = 0; j < w; j++) {
            double acc = 0.0;
            for (u = 0; u < k; u++)
                for (v = 0; v < k; v++)
                    acc += pad[(size_t)(i + u) * (size_t)pw + (size_t)(j + v)] *
                           ker[(size_t)u * (size_t)k + (size_t)v];
            out[(size_t)i * (size_t)w + (size_t)j] = acc;
        }
    }
    free(pad);
    return 0;
}

int ref_haar_forward(const double *in, int h, int w, double *const bands[4]) {
    const int hp = h + (h & 1); /* one zero row at the bottom if odd */
    const int wp = w + (w & 1); /* one zero column at the right if odd */
    const int hh = hp / 2;
    const int wh = wp / 2;
    double *pad = alloc_zero((size_t)hp * (size_t)wp);
    int i, j;
    if (!pad)
        return -1;
    for (i = 0; i < h; i++)
        for (j = 0; j < w; j++)
            pad[(size_t)i * (size_t)wp + (size_t)j] = in[(size_t)i * (size_t)w + (size_t)j];
    for (i = 0; i < hh; i++) {
        for (j = 0; j < wh; j++) {
            const double a = pad[(size_t)(2 * i) * (size_t)wp + (size_t)(2 * j)];
            const double b = pad[(size_t)(2 * i) * (size_t)wp + (size_t)(2 * j + 1)];
            const double c = pad[(size_t)(2 * i + 1) * (size_t)wp + (size_t)(2 * j)];
            const double d = pad[(size_t)(2 * i + 1) * (size_t)wp + (size_t)(2 * j + 1)];
            const size_t o = (size_t)i * (size_t)wh + (size_t)j;
            bands[0][o] = 0.5 * (a + b + c + d);
            bands[1][o] = 0.5 * (a + b - c - d);
            bands[2][o] = 0.5 * (a - b + c - d);
            bands[3][o] = 0.5 * (a - b - c + d);
        }
    }
    free(pad);
    return 0;
}

int ref_haar_inverse(const double *const bands[4], int h, int w, double *out) {
    const int hp = h + (h & 1);
    const int wp = w + (w & 1);
    const int hh = hp / 2;
    const int wh = wp / 2;
    double *full = alloc_zero((size_t)hp * (size_t)wp);
    int i, j;
    if (!full)
        return -1;
    for (i = 0; i < hh; i++) {
        for (j = 0; j < wh; j++) {
            const size_t o = (size_t)i * (size_t)wh + (size_t)j;
            const double s0 = bands[0][o], s1 = bands[1][o], s2 = bands[2][o], s3 = bands[3][o];
            full[(size_t)(2 * i) * (size_t)wp + (size_t)(2 * j)] = 0.5 * (s0 + s1 + s2 + s3);
            full[(size_t)(2 * i) * (size_t)wp + (size_t)(2 * j + 1)] = 0.5 * (s0 + s1 - s2 - s3);
            full[(size_t)(2 * i + 1) * (size_t)wp + (size_t)(2 * j)] = 0.5 * (s0 - s1 + s2 - s3);
            full[(size_t)(2 * i + 1) * (size_t)wp + (size_t)(2 * j + 1)] =
                0.5 * (s0 - s1 - s2 + s3);
        }
    }
    for (i = 0; i < h; i++) /* crop */
        for (j = 0; j < w; j++)
            out[(size_t)i * (size_t)w + (size_t)j] = full[(size_t)i * (size_t)wp + (size_t)j];
    free(full);
    return 0;
}

/* Per-plane working memory. */
typedef struct plane_work {
    double *base;                     /* H*W */
    double *recon;                    /* H*W: the wavelet branch's output ("next" at level 0) */
    double *cur[REF_MAX_LEVELS + 1];  /* level inputs: cur[i] is h_i x w_i; cur[0] copies x */
    double *f[REF_MAX_LEVELS][4];     /* filtered subbands of level i */
    double *next[REF_MAX_LEVELS + 1]; /* next[i]: reconstruction of level i, h_i x w_i */
    double *raw[4];                   /* raw Haar coefficients of the current level */
} plane_work;

static void free_work(plane_work *pw) {
    int i, s;
    free(pw->base);
    free(pw->recon);
    for (i = 0; i <= REF_MAX_LEVELS; i++) {
        free(pw->cur[i]);
        free(pw->next[i]);
    }
    for (i = 0; i < REF_MAX_LEVELS; i++)
        for (s = 0; s < 4; s++)
            free(pw->f[i][s]);
    for (s = 0; s < 4; s++)
        free(pw->raw[s]);
    memset(pw, 0, sizeof(*pw));
}

/* Computes the full-resolution (stride 1) output plane of channel c into pw->base (base branch)
 * plus pw->recon (wavelet branch). */
static int forward_plane(const ref_layer *L, int c, int H, int W, const double *xp,
                         plane_work *pw) {
    const int k = L->kernel;
    const size_t kk = (size_t)k * (size_t)k;
    int hs[REF_MAX_LEVELS + 1], ws[REF_MAX_LEVELS + 1];
    int i, s;
    size_t p, n;

    /* Base branch: scale * (conv + bias). */
    if (ref_conv_same(xp, H, W, L->base_weight + (size_t)c * kk, k, pw->base) != 0)
        return -1;
    for (p = 0; p < (size_t)H * (size_t)W; p++) {
        const double bias = L->has_bias ? L->base_bias[c] : 0.0;
        pw->base[p] = L->base_scale[c] * (pw->base[p] + bias);
    }

    /* Wavelet analysis cascade. */
    hs[0] = H;
    ws[0] = W;
    memcpy(pw->cur[0], xp, (size_t)H * (size_t)W * sizeof(double));
    for (i = 0; i < L->levels; i++) {
        hs[i + 1] = (hs[i] + 1) / 2;
        ws[i + 1] = (ws[i] + 1) / 2;
        n = (size_t)hs[i + 1] * (size_t)ws[i + 1];
        if (ref_haar_forward(pw->cur[i], hs[i], ws[i], pw->raw) != 0)
            return -1;
        memcpy(pw->cur[i + 1], pw->raw[0], n * sizeof(double)); /* raw LL feeds the next level */
        for (s = 0; s < 4; s++) {
            const int ch = 4 * c + s;
            const double scale = L->wavelet_scale[i][ch];
            if (ref_conv_same(pw->raw[s], hs[i + 1], ws[i + 1],
                              L->wavelet_weight[i] + (size_t)ch * kk, k, pw->f[i][s]) != 0)
                return -1;
            for (p = 0; p < n; p++)
                pw->f[i][s][p] *= scale; /* scale after the conv */
        }
    }

    /* Synthesis cascade, deepest level first. */
    for (p = 0; p < (size_t)H * (size_t)W; p++)
        pw->recon[p] = 0.0;
    if (L->levels > 0) {
        for (i = L->levels - 1; i >= 0; i--) {
            n = (size_t)hs[i + 1] * (size_t)ws[i + 1];
            if (i + 1 < L->levels) /* LL band += reconstruction of the level below */
                for (p = 0; p < n; p++)
                    pw->f[i][0][p] += pw->next[i + 1][p];
            if (ref_haar_inverse((const double *const *)pw->f[i], hs[i], ws[i], pw->next[i]) != 0)
                return -1;
        }
        memcpy(pw->recon, pw->next[0], (size_t)H * (size_t)W * sizeof(double));
    }
    return 0;
}

int ref_wtconv_forward(const ref_layer *layer, int batch, int height, int width, int stride,
                       const double *x, double *y) {
    plane_work pw;
    int hs, ws, i, s, n, c, oi, oj;
    int rc = 0;
    double *yfull = NULL;
    const int ho = (stride > 0) ? ref_out_dim(height, stride) : 0;
    const int wo = (stride > 0) ? ref_out_dim(width, stride) : 0;
    const size_t plane = (size_t)height * (size_t)width;
    const size_t oplane = (size_t)ho * (size_t)wo;

    if (!layer || !x || !y || batch < 1 || height < 1 || width < 1 || stride < 1 ||
        layer->channels < 1 || layer->kernel < 1 || layer->levels < 0 ||
        layer->levels > REF_MAX_LEVELS || !layer->base_weight || !layer->base_scale ||
        (layer->has_bias && !layer->base_bias))
        return -2;
    for (i = 0; i < layer->levels; i++)
        if (!layer->wavelet_weight[i] || !layer->wavelet_scale[i])
            return -2;

    memset(&pw, 0, sizeof(pw));
    pw.base = alloc_zero(plane);
    pw.recon = alloc_zero(plane);
    yfull = alloc_zero((size_t)batch * (size_t)layer->channels * oplane);
    if (!pw.base || !pw.recon || !yfull) {
        rc = -1;
        goto done;
    }
    hs = height;
    ws = width;
    for (i = 0; i <= layer->levels; i++) {
        pw.cur[i] = alloc_zero((size_t)hs * (size_t)ws);
        pw.next[i] = alloc_zero((size_t)hs * (size_t)ws);
        if (!pw.cur[i] || !pw.next[i]) {
            rc = -1;
            goto done;
        }
        if (i < layer->levels) {
            hs = (hs + 1) / 2;
            ws = (ws + 1) / 2;
            for (s = 0; s < 4; s++) {
                pw.f[i][s] = alloc_zero((size_t)hs * (size_t)ws);
                if (!pw.f[i][s]) {
                    rc = -1;
                    goto done;
                }
            }
        }
    }
    /* raw[] is as large as the first level's subbands, the largest ones. */
    for (s = 0; s < 4; s++) {
        pw.raw[s] = alloc_zero((size_t)((height + 1) / 2) * (size_t)((width + 1) / 2));
        if (!pw.raw[s]) {
            rc = -1;
            goto done;
        }
    }

    for (n = 0; n < batch; n++) {
        for (c = 0; c < layer->channels; c++) {
            const size_t idx = (size_t)n * (size_t)layer->channels + (size_t)c;
            if (forward_plane(layer, c, height, width, x + idx * plane, &pw) != 0) {
                rc = -1;
                goto done;
            }
            /* y = base + wavelet branch, then y[::stride, ::stride]. */
            for (oi = 0; oi < ho; oi++)
                for (oj = 0; oj < wo; oj++) {
                    const size_t src =
                        (size_t)(oi * stride) * (size_t)width + (size_t)(oj * stride);
                    yfull[idx * oplane + (size_t)oi * (size_t)wo + (size_t)oj] =
                        pw.base[src] + pw.recon[src];
                }
        }
    }
    memcpy(y, yfull, (size_t)batch * (size_t)layer->channels * oplane * sizeof(double));

done:
    free(yfull);
    free_work(&pw);
    return rc;
}
