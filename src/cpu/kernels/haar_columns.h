/* Internal: the inverse Haar one block column at a time, shared by the kernels without masked
 * vector access (the portable ones' whole row, NEON's last columns). */
#ifndef WTCONV_CPU_KERNELS_HAAR_COLUMNS_H
#define WTCONV_CPU_KERNELS_HAAR_COLUMNS_H

#include "cpu/kernels/stamp.h"

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

#endif
