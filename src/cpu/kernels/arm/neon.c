/* The NEON kernels (AArch64, where Advanced SIMD is always present). Vectors of 4 columns.
 * NEON has no masked loads, so column chunks whose taps reach past the plane's sides are done
 * one column at a time, in the same order of operations.
 *
 * Not run by this project's CI (x86-64 only): compiled and checked for AArch64 only where
 * such a toolchain is at hand. */
#include <arm_neon.h>
#include <math.h>
#include <stddef.h>

#include "cpu/kernels.h"
#include "cpu/kernels/haar_columns.h"
#include "cpu/kernels/prefetch.h"
#include "cpu/kernels/stamp.h"

#define LANES 4

/* ---- depthwise convolution ---------------------------------------------------------------- */

/* Output column x of rows [0, rows) of a block, all taps checked against the plane's sides. */
static void dwconv_column(const float *const *in, const float *const *init, float bias,
                          const float *weights, int k, int width, float *const *out, int rows,
                          int x) {
    const int before = (k - 1) / 2;
    for (int o = 0; o < rows; o++) {
        float acc = init ? bias + init[o][x] : bias;
        for (int ky = 0; ky < k; ky++) {
            const float *row = in[o + ky];
            if (!row)
                continue;
            for (int kx = 0; kx < k; kx++) {
                const int col = x + kx - before;
                if (col >= 0 && col < width)
                    acc = fmaf(weights[ky * k + kx], row[col], acc); /* fused, as the vectors */
            }
        }
        out[o][x] = acc;
    }
}

/* Columns x .. x+3, every tap inside the plane. */
WTCONV_INLINE void dwconv_chunk(const float *const *in, const float *const *init, float bias,
                                const float *weights, const int k, float *const *out,
                                const int rows, int x) {
    const int before = (k - 1) / 2;
    float32x4_t acc[WTCONV_CPU_MAX_ROWS];
    WTCONV_UNROLL
    for (int o = 0; o < rows; o++)
        acc[o] = init ? vaddq_f32(vdupq_n_f32(bias), vld1q_f32(init[o] + x)) : vdupq_n_f32(bias);
    WTCONV_UNROLL
    for (int r = 0; r < rows + k - 1; r++) {
        const float *row = in[r];
        if (!row)
            continue;
        WTCONV_UNROLL
        for (int kx = 0; kx < k; kx++) {
            const float32x4_t v = vld1q_f32(row + x + kx - before);
            WTCONV_UNROLL
            for (int o = 0; o < rows; o++) {
                const int ky = r - o;
                if (ky >= 0 && ky < k)
                    acc[o] = vfmaq_n_f32(acc[o], v, weights[ky * k + kx]);
            }
        }
    }
    WTCONV_UNROLL
    for (int o = 0; o < rows; o++)
        vst1q_f32(out[o] + x, acc[o]);
}

WTCONV_INLINE void dwconv_block(const float *const *in, const float *const *init, float bias,
                                const float *weights, const int k, int width, float *const *out,
                                wtconv_cpu_prefetch *prefetch, const int rows) {
    const int before = (k - 1) / 2, after = k / 2;
    /* Vector chunks: x >= before and x + LANES + after <= width. */
    const int first = before < width ? before : width;
    int x = 0;
    for (; x < first; x++)
        dwconv_column(in, init, bias, weights, k, width, out, rows, x);
    for (; x + LANES + after <= width; x += LANES) {
        dwconv_chunk(in, init, bias, weights, k, out, rows, x);
        wtconv_cpu_prefetch_step(prefetch);
    }
    for (; x < width; x++)
        dwconv_column(in, init, bias, weights, k, width, out, rows, x);
}

/* Any k: the vector chunks with tap loops that stay loops. */
WTCONV_INLINE void dwconv_block_any(const float *const *in, const float *const *init, float bias,
                                    const float *weights, int k, int width, float *const *out,
                                    wtconv_cpu_prefetch *prefetch, const int rows) {
    const int before = (k - 1) / 2, after = k / 2;
    const int first = before < width ? before : width;
    int x = 0;
    for (; x < first; x++)
        dwconv_column(in, init, bias, weights, k, width, out, rows, x);
    for (; x + LANES + after <= width; x += LANES) {
        float32x4_t acc[WTCONV_CPU_MAX_ROWS];
        WTCONV_UNROLL
        for (int o = 0; o < rows; o++)
            acc[o] =
                init ? vaddq_f32(vdupq_n_f32(bias), vld1q_f32(init[o] + x)) : vdupq_n_f32(bias);
        /* Taps outermost: no input row has to ask which of its outputs a tap reaches. */
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                const float weight = weights[ky * k + kx];
                WTCONV_UNROLL
                for (int o = 0; o < rows; o++) {
                    const float *row = in[o + ky];
                    if (row)
                        acc[o] = vfmaq_n_f32(acc[o], vld1q_f32(row + x + kx - before), weight);
                }
            }
        }
        WTCONV_UNROLL
        for (int o = 0; o < rows; o++)
            vst1q_f32(out[o] + x, acc[o]);
        wtconv_cpu_prefetch_step(prefetch);
    }
    for (; x < width; x++)
        dwconv_column(in, init, bias, weights, k, width, out, rows, x);
}

WTCONV_STAMP_DWCONV(neon)

/* ---- Haar: vld2q/vst2q split and merge even and odd columns ------------------------------ */

WTCONV_INLINE void haar_row(const float *r0, const float *r1, int width, float *ll, float *lh,
                            float *hl, float *hh) {
    const int half = (width + 1) / 2, full = width / 2; /* blocks with both columns */
    const float32x4_t zero = vdupq_n_f32(0.0f);
    int j = 0;
    for (; j + LANES <= full; j += LANES) {
        const float32x4x2_t top = vld2q_f32(r0 + 2 * j);
        const float32x4x2_t bottom = r1 ? vld2q_f32(r1 + 2 * j) : (float32x4x2_t){{zero, zero}};
        const float32x4_t ab = vaddq_f32(top.val[0], top.val[1]);
        const float32x4_t cd = vaddq_f32(bottom.val[0], bottom.val[1]);
        const float32x4_t a_b = vsubq_f32(top.val[0], top.val[1]);
        const float32x4_t c_d = vsubq_f32(bottom.val[0], bottom.val[1]);
        vst1q_f32(ll + j, vaddq_f32(ab, cd));
        vst1q_f32(lh + j, vsubq_f32(ab, cd));
        vst1q_f32(hl + j, vaddq_f32(a_b, c_d));
        vst1q_f32(hh + j, vsubq_f32(a_b, c_d));
    }
    for (; j < half; j++) {
        const int odd = 2 * j + 1 < width;
        const float a = r0[2 * j], b = odd ? r0[2 * j + 1] : 0.0f;
        const float c = r1 ? r1[2 * j] : 0.0f, d = r1 && odd ? r1[2 * j + 1] : 0.0f;
        ll[j] = (a + b) + (c + d);
        lh[j] = (a + b) - (c + d);
        hl[j] = (a - b) + (c - d);
        hh[j] = (a - b) - (c - d);
    }
}

WTCONV_INLINE void haar_ll_row(const float *r0, const float *r1, int width, float *ll) {
    const int half = (width + 1) / 2, full = width / 2;
    const float32x4_t h = vdupq_n_f32(0.5f), zero = vdupq_n_f32(0.0f);
    int j = 0;
    for (; j + LANES <= full; j += LANES) {
        const float32x4x2_t top = vld2q_f32(r0 + 2 * j);
        const float32x4x2_t bottom = r1 ? vld2q_f32(r1 + 2 * j) : (float32x4x2_t){{zero, zero}};
        vst1q_f32(ll + j, vmulq_f32(h, vaddq_f32(vaddq_f32(top.val[0], top.val[1]),
                                                 vaddq_f32(bottom.val[0], bottom.val[1]))));
    }
    for (; j < half; j++) {
        const int odd = 2 * j + 1 < width;
        const float a = r0[2 * j], b = odd ? r0[2 * j + 1] : 0.0f;
        const float c = r1 ? r1[2 * j] : 0.0f, d = r1 && odd ? r1[2 * j + 1] : 0.0f;
        ll[j] = 0.5f * ((a + b) + (c + d));
    }
}

WTCONV_INLINE void haar_inverse_row(const float *ll, const float *lh, const float *hl,
                                    const float *hh, int half_width, float *o0, float *o1,
                                    int width) {
    const int full = width / 2; /* blocks whose both output columns are kept */
    int j = 0;
    for (; j + LANES <= full; j += LANES) {
        const float32x4_t s0 = vld1q_f32(ll + j), s1 = vld1q_f32(lh + j);
        const float32x4_t s2 = vld1q_f32(hl + j), s3 = vld1q_f32(hh + j);
        const float32x4_t p01 = vaddq_f32(s0, s1), p23 = vaddq_f32(s2, s3);
        float32x4x2_t pair;
        pair.val[0] = vaddq_f32(p01, p23);
        pair.val[1] = vsubq_f32(p01, p23);
        vst2q_f32(o0 + 2 * j, pair);
        if (o1) {
            const float32x4_t m01 = vsubq_f32(s0, s1), m23 = vsubq_f32(s2, s3);
            pair.val[0] = vaddq_f32(m01, m23);
            pair.val[1] = vsubq_f32(m01, m23);
            vst2q_f32(o1 + 2 * j, pair);
        }
    }
    wtconv_cpu_haar_inverse_columns(ll, lh, hl, hh, j, half_width, o0, o1, width);
}

WTCONV_STAMP_HAAR(neon)

const wtconv_cpu_kernels *wtconv_cpu_kernels_neon(void) {
    static const wtconv_cpu_kernels table = {
        .name = "neon",
        .lanes = LANES,
        .dwconv3 = dwconv3_neon,
        .dwconv5 = dwconv5_neon,
        .dwconv7 = dwconv7_neon,
        .dwconv_any = dwconv_any_neon,
        .haar = haar_neon,
        .haar_ll = haar_ll_neon,
        .haar_inverse = haar_inverse_neon,
    };
    return &table;
}
