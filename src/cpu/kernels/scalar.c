/* The portable kernels: plain C for any CPU, and the fallback of every other table's caller.
 * Loops run along rows so that a compiler can vectorise them for the baseline ISA. */
#include <stddef.h>

#include "cpu/kernels.h"
#include "cpu/kernels/haar_columns.h"
#include "cpu/kernels/prefetch.h"
#include "cpu/kernels/stamp.h"

/* One prefetch step per call, whatever its width (see wtconv_cpu_kernels.lanes). */
#define SCALAR_STEP_COLUMNS (1 << 30)

/* The depthwise kernel for any k: nothing here is worth instantiating per size, so this is its
 * own entry point (no stamp). */
static void dwconv_any_scalar(const float *const *in, const float *const *init, float bias,
                              const float *weights, int k, int width, float *const *out, int rows,
                              wtconv_cpu_prefetch *prefetch) {
    const int before = (k - 1) / 2;
    for (int o = 0; o < rows; o++) {
        float *dst = out[o];
        if (init)
            for (int x = 0; x < width; x++)
                dst[x] = bias + init[o][x];
        else
            for (int x = 0; x < width; x++)
                dst[x] = bias;
        for (int ky = 0; ky < k; ky++) {
            const float *row = in[o + ky];
            if (!row)
                continue;
            for (int kx = 0; kx < k; kx++) {
                /* Output x reads column x + dx; clip x so that the column is inside. */
                const int dx = kx - before;
                const int x_begin = dx < 0 ? -dx : 0;
                const int x_end = dx > 0 ? width - dx : width;
                const float weight = weights[ky * k + kx];
                for (int x = x_begin; x < x_end; x++)
                    dst[x] += weight * row[x + dx];
            }
        }
    }
    wtconv_cpu_prefetch_step(prefetch);
}

/* The 2x2 block's four inputs; b, c, d are zero beyond the plane's last column or row. */
WTCONV_INLINE void haar_row(const float *r0, const float *r1, int width, float *ll, float *lh,
                            float *hl, float *hh) {
    const int half = (width + 1) / 2;
    for (int j = 0; j < half; j++) {
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
    const int half = (width + 1) / 2;
    for (int j = 0; j < half; j++) {
        const int odd = 2 * j + 1 < width;
        const float a = r0[2 * j], b = odd ? r0[2 * j + 1] : 0.0f;
        const float c = r1 ? r1[2 * j] : 0.0f, d = r1 && odd ? r1[2 * j + 1] : 0.0f;
        ll[j] = 0.5f * ((a + b) + (c + d));
    }
}

WTCONV_INLINE void haar_inverse_row(const float *ll, const float *lh, const float *hl,
                                    const float *hh, int half_width, float *o0, float *o1,
                                    int width) {
    wtconv_cpu_haar_inverse_columns(ll, lh, hl, hh, 0, half_width, o0, o1, width);
}

WTCONV_STAMP_HAAR(scalar)

const wtconv_cpu_kernels *wtconv_cpu_kernels_scalar(void) {
    static const wtconv_cpu_kernels table = {
        .name = "scalar",
        .lanes = SCALAR_STEP_COLUMNS,
        .dwconv_any = dwconv_any_scalar,
        .haar = haar_scalar,
        .haar_ll = haar_ll_scalar,
        .haar_inverse = haar_inverse_scalar,
    };
    return &table;
}
