#include "cpu/dwconv.h"

#include <stddef.h>

/* First output index o >= 0 with o*stride + offset >= 0 (ceil(-offset/stride), written so
 * that no intermediate overflows for any stride). */
static int first_valid(int offset, int stride) {
    return offset >= 0 ? 0 : (-offset - 1) / stride + 1;
}

/* One past the last output index o < limit with o*stride + offset <= size - 1. */
static int end_valid(int offset, int stride, int size, int limit) {
    int end;
    if (size - 1 - offset < 0)
        return 0;
    end = (size - 1 - offset) / stride + 1;
    return end < limit ? end : limit;
}

void wtconv_cpu_dwconv_plane(const float *in, int h, int w, const float *kernel, int k, float bias,
                             int stride, float *out, int out_h, int out_w) {
    const int pad = (k - 1) / 2;
    for (int oy = 0; oy < out_h; oy++) {
        float *row_out = out + (ptrdiff_t)oy * out_w;
        const int y0 = oy * stride - pad; /* input row of tap ky = 0 */
        const int ky_begin = y0 >= 0 ? 0 : -y0;
        const int ky_end = h - y0 < k ? h - y0 : k;
        for (int ox = 0; ox < out_w; ox++)
            row_out[ox] = bias;
        for (int ky = ky_begin; ky < ky_end; ky++) {
            const float *row_in = in + (ptrdiff_t)(y0 + ky) * w;
            for (int kx = 0; kx < k; kx++) {
                const float weight = kernel[ky * k + kx];
                const int dx = kx - pad;
                const int ox_begin = first_valid(dx, stride);
                const int ox_end = end_valid(dx, stride, w, out_w);
                for (int ox = ox_begin; ox < ox_end; ox++)
                    row_out[ox] += weight * row_in[(ptrdiff_t)ox * stride + dx];
            }
        }
    }
}
