#include "cpu/haar.h"

#include <stddef.h>

/* The Haar matrix is symmetric and its own inverse: s = M [a b c d], [a b c d] = M s, with
 * M = 1/2 [[1,1,1,1],[1,1,-1,-1],[1,-1,1,-1],[1,-1,-1,1]]. */

void wtconv_cpu_haar_forward_plane(const float *in, int h, int w, float *out) {
    const int hh = (h + 1) / 2, wh = (w + 1) / 2;
    const int full_cols = w / 2;
    const size_t plane = (size_t)hh * (size_t)wh;
    float *ll = out, *lh = out + plane, *hl = out + 2 * plane, *hh_band = out + 3 * plane;
    for (int i = 0; i < hh; i++) {
        const float *r0 = in + (ptrdiff_t)(2 * i) * w;
        const float *r1 = r0 + w;
        const size_t o = (size_t)i * (size_t)wh;
        if (2 * i + 1 < h) {
            for (int j = 0; j < full_cols; j++) {
                const float a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1];
                ll[o + j] = 0.5f * ((a + b) + (c + d));
                lh[o + j] = 0.5f * ((a + b) - (c + d));
                hl[o + j] = 0.5f * ((a - b) + (c - d));
                hh_band[o + j] = 0.5f * ((a - b) - (c - d));
            }
            if (full_cols < wh) { /* odd width: b = d = 0 */
                const float a = r0[2 * full_cols], c = r1[2 * full_cols];
                ll[o + full_cols] = 0.5f * (a + c);
                lh[o + full_cols] = 0.5f * (a - c);
                hl[o + full_cols] = 0.5f * (a + c);
                hh_band[o + full_cols] = 0.5f * (a - c);
            }
        } else { /* odd height, last block row: c = d = 0 */
            for (int j = 0; j < full_cols; j++) {
                const float a = r0[2 * j], b = r0[2 * j + 1];
                ll[o + j] = 0.5f * (a + b);
                lh[o + j] = 0.5f * (a + b);
                hl[o + j] = 0.5f * (a - b);
                hh_band[o + j] = 0.5f * (a - b);
            }
            if (full_cols < wh) {
                const float a = r0[2 * full_cols];
                ll[o + full_cols] = 0.5f * a;
                lh[o + full_cols] = 0.5f * a;
                hl[o + full_cols] = 0.5f * a;
                hh_band[o + full_cols] = 0.5f * a;
            }
        }
    }
}

void wtconv_cpu_haar_inverse_plane(const float *in, int hh, int wh, float *out, int h, int w) {
    const size_t plane = (size_t)hh * (size_t)wh;
    const float *ll = in, *lh = in + plane, *hl = in + 2 * plane, *hh_band = in + 3 * plane;
    const int full_cols = w / 2;
    for (int i = 0; i < hh && 2 * i < h; i++) {
        float *r0 = out + (ptrdiff_t)(2 * i) * w;
        float *r1 = r0 + w;
        const int second_row = 2 * i + 1 < h;
        const size_t o = (size_t)i * (size_t)wh;
        for (int j = 0; j < full_cols; j++) {
            const float s0 = ll[o + j], s1 = lh[o + j], s2 = hl[o + j], s3 = hh_band[o + j];
            r0[2 * j] = 0.5f * ((s0 + s1) + (s2 + s3));
            r0[2 * j + 1] = 0.5f * ((s0 + s1) - (s2 + s3));
        }
        if (second_row) {
            for (int j = 0; j < full_cols; j++) {
                const float s0 = ll[o + j], s1 = lh[o + j], s2 = hl[o + j], s3 = hh_band[o + j];
                r1[2 * j] = 0.5f * ((s0 - s1) + (s2 - s3));
                r1[2 * j + 1] = 0.5f * ((s0 - s1) - (s2 - s3));
            }
        }
        if (full_cols < wh && 2 * full_cols < w) { /* odd width: only the left column */
            const size_t j = o + (size_t)full_cols;
            r0[2 * full_cols] = 0.5f * ((ll[j] + lh[j]) + (hl[j] + hh_band[j]));
            if (second_row)
                r1[2 * full_cols] = 0.5f * ((ll[j] - lh[j]) + (hl[j] - hh_band[j]));
        }
    }
}
