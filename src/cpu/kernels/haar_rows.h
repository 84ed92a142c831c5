/* Internal: the loops over rows that every instruction set's Haar kernels share; each file
 * passes its one-row function, which the always-inlined loop calls directly. */
#ifndef WTCONV_CPU_HAAR_ROWS_H
#define WTCONV_CPU_HAAR_ROWS_H

#include <stddef.h>

#include "cpu/kernels/kernel_macros.h"

typedef void (*wtconv_haar_row_fn)(const float *r0, const float *r1, int width, float *ll,
                                   float *lh, float *hl, float *hh);
typedef void (*wtconv_haar_ll_row_fn)(const float *r0, const float *r1, int width, float *ll);
typedef void (*wtconv_haar_inverse_row_fn)(const float *ll, const float *lh, const float *hl,
                                           const float *hh, int half_width, float *o0, float *o1,
                                           int width);

/* The inverse Haar of block columns [first, half_width) of one row pair, one column at a time:
 * the portable kernels' whole row, and the last columns of a SIMD row. Rows o0 and o1 (NULL
 * past the plane's end) get columns 2j and, inside `width`, 2j+1. */
WTCONV_INLINE void wtconv_cpu_haar_inverse_columns(const float *ll, const float *lh,
                                                   const float *hl, const float *hh, int first,
                                                   int half_width, float *o0, float *o1,
                                                   int width) {
    for (int j = first; j < half_width; j++) {
        const float s0 = ll[j], s1 = lh[j], s2 = hl[j], s3 = hh[j];
        const int odd = 2 * j + 1 < width;
        o0[2 * j] = (s0 + s1) + (s2 + s3);
        if (odd)
            o0[2 * j + 1] = (s0 + s1) - (s2 + s3);
        if (o1) {
            o1[2 * j] = (s0 - s1) + (s2 - s3);
            if (odd)
                o1[2 * j + 1] = (s0 - s1) - (s2 - s3);
        }
    }
}

WTCONV_INLINE void wtconv_cpu_haar_rows(wtconv_haar_row_fn row_fn, const float *src, int width,
                                        int rows, int src_rows, float *dst, size_t row_pitch,
                                        size_t band_pitch) {
    for (int j = 0; j < rows; j++) {
        const float *r0 = src + (size_t)(2 * j) * (size_t)width;
        float *d = dst + (size_t)j * row_pitch;
        row_fn(r0, 2 * j + 1 < src_rows ? r0 + width : NULL, width, d, d + band_pitch,
               d + 2 * band_pitch, d + 3 * band_pitch);
    }
}

WTCONV_INLINE void wtconv_cpu_haar_ll_rows(wtconv_haar_ll_row_fn row_fn, const float *src,
                                           int width, int rows, int src_rows, float *dst,
                                           size_t row_pitch) {
    for (int j = 0; j < rows; j++) {
        const float *r0 = src + (size_t)(2 * j) * (size_t)width;
        row_fn(r0, 2 * j + 1 < src_rows ? r0 + width : NULL, width, dst + (size_t)j * row_pitch);
    }
}

WTCONV_INLINE void wtconv_cpu_haar_inverse_rows(wtconv_haar_inverse_row_fn row_fn, const float *src,
                                                size_t row_pitch, size_t band_pitch, int half_width,
                                                int rows, float *dst, size_t dst_pitch, int width,
                                                int dst_rows) {
    for (int j = 0; j < rows; j++) {
        const float *s = src + (size_t)j * row_pitch;
        float *o0 = dst + (size_t)(2 * j) * dst_pitch;
        row_fn(s, s + band_pitch, s + 2 * band_pitch, s + 3 * band_pitch, half_width, o0,
               2 * j + 1 < dst_rows ? o0 + dst_pitch : NULL, width);
    }
}

#endif
