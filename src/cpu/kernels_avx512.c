/* The AVX-512 kernels (built with -mavx512f; run only where isa.c finds AVX-512F and the OS
 * saves its registers). Vectors of 16 columns; the plane's edges are handled with masked loads
 * and stores (zero fill, no padded copies), so every column chunk runs the same code. */
#include <immintrin.h>
#include <stdint.h>

#include "cpu/kernel_macros.h"
#include "cpu/kernels.h"
#include "cpu/prefetch.h"

#define LANES 16
/* The largest k with its own unrolled kernel. */
#define MAX_UNROLLED_K 7

/* The lanes of a vector starting at column `start` of a `width`-column row that lie inside
 * the row. */
WTCONV_INLINE __mmask16 lanes_inside(int start, int width) {
    const int first = start < 0 ? -start : 0;
    const int end = width - start < LANES ? width - start : LANES;
    if (end <= first)
        return 0;
    return (__mmask16)(((1u << end) - 1u) & ~((1u << first) - 1u));
}

/* The address of column `col` of `row`, which may lie outside it: masked loads and stores
 * touch only the lanes inside. Computed as an integer, since pointer arithmetic outside an
 * array is undefined. */
WTCONV_INLINE const float *column(const float *row, int col) {
    return (const float *)((uintptr_t)row + (uintptr_t)((intptr_t)col * (intptr_t)sizeof(float)));
}
WTCONV_INLINE float *column_out(float *row, int col) {
    return (float *)((uintptr_t)row + (uintptr_t)((intptr_t)col * (intptr_t)sizeof(float)));
}

/* ---- depthwise convolution ----------------------------------------------------------------
 * For each chunk of 16 columns: `rows` accumulators; every input row in the block's window is
 * loaded once per tap column kx and fed to each output row that uses it (up to min(rows, k)).
 * With rows and k constant the loops unroll into straight-line FMAs. */
WTCONV_INLINE void dwconv_block(const float *const *in, const float *const *init, float bias,
                                const float *weights, const int k, int width, float *const *out,
                                const int rows, wtconv_cpu_prefetch *prefetch) {
    const int before = (k - 1) / 2;
    for (int x = 0; x < width; x += LANES) {
        const __mmask16 store = lanes_inside(x, width);
        const float *w = weights;
        __m512 acc[WTCONV_CPU_MAX_ROWS];
        __mmask16 keep[MAX_UNROLLED_K]; /* per tap column: its lanes inside the row */
        WTCONV_UNROLL
        for (int kx = 0; kx < k; kx++)
            keep[kx] = lanes_inside(x + kx - before, width);
        WTCONV_OPAQUE(w);
        WTCONV_UNROLL
        for (int o = 0; o < rows; o++)
            acc[o] = init ? _mm512_add_ps(_mm512_set1_ps(bias),
                                          _mm512_maskz_loadu_ps(store, init[o] + x))
                          : _mm512_set1_ps(bias);
        WTCONV_UNROLL
        for (int r = 0; r < rows + k - 1; r++) {
            const float *row = in[r];
            if (!row)
                continue;
            WTCONV_UNROLL
            for (int kx = 0; kx < k; kx++) {
                const __m512 v = _mm512_maskz_loadu_ps(keep[kx], column(row, x + kx - before));
                WTCONV_UNROLL
                for (int o = 0; o < rows; o++) {
                    const int ky = r - o;
                    if (ky >= 0 && ky < k)
                        acc[o] = _mm512_fmadd_ps(v, _mm512_set1_ps(w[ky * k + kx]), acc[o]);
                }
            }
        }
        WTCONV_UNROLL
        for (int o = 0; o < rows; o++)
            _mm512_mask_storeu_ps(out[o] + x, store, acc[o]);
        wtconv_cpu_prefetch_step(prefetch);
    }
}

/* The same for a k known only at run time: the tap loops stay loops; the block of rows is
 * still unrolled, so the accumulators stay in registers. */
WTCONV_INLINE void dwconv_block_any(const float *const *in, const float *const *init, float bias,
                                    const float *weights, int k, int width, float *const *out,
                                    const int rows, wtconv_cpu_prefetch *prefetch) {
    const int before = (k - 1) / 2;
    for (int x = 0; x < width; x += LANES) {
        const __mmask16 store = lanes_inside(x, width);
        __m512 acc[WTCONV_CPU_MAX_ROWS];
        WTCONV_UNROLL
        for (int o = 0; o < rows; o++)
            acc[o] = init ? _mm512_add_ps(_mm512_set1_ps(bias),
                                          _mm512_maskz_loadu_ps(store, init[o] + x))
                          : _mm512_set1_ps(bias);
        for (int r = 0; r < rows + k - 1; r++) {
            const float *row = in[r];
            if (!row)
                continue;
            for (int kx = 0; kx < k; kx++) {
                const int col = x + kx - before;
                const __m512 v = _mm512_maskz_loadu_ps(lanes_inside(col, width), column(row, col));
                WTCONV_UNROLL
                for (int o = 0; o < rows; o++) {
                    const int ky = r - o;
                    if (ky >= 0 && ky < k)
                        acc[o] = _mm512_fmadd_ps(v, _mm512_set1_ps(weights[ky * k + kx]), acc[o]);
                }
            }
        }
        WTCONV_UNROLL
        for (int o = 0; o < rows; o++)
            _mm512_mask_storeu_ps(out[o] + x, store, acc[o]);
        wtconv_cpu_prefetch_step(prefetch);
    }
}

/* One function per k: a switch over the block's row count, each case its own unrolled body. */
#define DWCONV_ROWS_SWITCH(body, k_arg)                                                            \
    switch (rows) {                                                                                \
    case 1:                                                                                        \
        body(in, init, bias, weights, k_arg, width, out, 1, prefetch);                             \
        break;                                                                                     \
    case 2:                                                                                        \
        body(in, init, bias, weights, k_arg, width, out, 2, prefetch);                             \
        break;                                                                                     \
    case 3:                                                                                        \
        body(in, init, bias, weights, k_arg, width, out, 3, prefetch);                             \
        break;                                                                                     \
    case 4:                                                                                        \
        body(in, init, bias, weights, k_arg, width, out, 4, prefetch);                             \
        break;                                                                                     \
    case 5:                                                                                        \
        body(in, init, bias, weights, k_arg, width, out, 5, prefetch);                             \
        break;                                                                                     \
    case 6:                                                                                        \
        body(in, init, bias, weights, k_arg, width, out, 6, prefetch);                             \
        break;                                                                                     \
    case 7:                                                                                        \
        body(in, init, bias, weights, k_arg, width, out, 7, prefetch);                             \
        break;                                                                                     \
    default:                                                                                       \
        body(in, init, bias, weights, k_arg, width, out, 8, prefetch);                             \
        break;                                                                                     \
    }

#define DEFINE_DWCONV_K(K)                                                                         \
    static void dwconv##K##_avx512(const float *const *in, const float *const *init, float bias,   \
                                   const float *weights, int k, int width, float *const *out,      \
                                   int rows, wtconv_cpu_prefetch *prefetch) {                      \
        (void)k;                                                                                   \
        DWCONV_ROWS_SWITCH(dwconv_block, K)                                                        \
    }
DEFINE_DWCONV_K(3)
DEFINE_DWCONV_K(5)
DEFINE_DWCONV_K(7)

static void dwconv_any_avx512(const float *const *in, const float *const *init, float bias,
                              const float *weights, int k, int width, float *const *out, int rows,
                              wtconv_cpu_prefetch *prefetch){
    DWCONV_ROWS_SWITCH(dwconv_block_any, k)}

/* ---- Haar ---------------------------------------------------------------------------------
 * 16 blocks per step: 32 columns of each input row, split into even and odd columns. */
WTCONV_INLINE __m512i even_lanes(void) {
    return _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
}
WTCONV_INLINE __m512i odd_lanes(void) {
    return _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

/* Columns 2j.. of a row as even and odd halves (zero outside the row, or for a NULL row). */
WTCONV_INLINE void load_pairs(const float *row, int j, int width, __m512 *even, __m512 *odd) {
    if (!row) {
        *even = *odd = _mm512_setzero_ps();
        return;
    }
    {
        const int col = 2 * j;
        const __m512 lo = _mm512_maskz_loadu_ps(lanes_inside(col, width), column(row, col));
        const __m512 hi =
            _mm512_maskz_loadu_ps(lanes_inside(col + LANES, width), column(row, col + LANES));
        *even = _mm512_permutex2var_ps(lo, even_lanes(), hi);
        *odd = _mm512_permutex2var_ps(lo, odd_lanes(), hi);
    }
}

static void haar_avx512(const float *r0, const float *r1, int width, float *ll, float *lh,
                        float *hl, float *hh) {
    const int half = (width + 1) / 2;
    const __m512 h = _mm512_set1_ps(0.5f);
    for (int j = 0; j < half; j += LANES) {
        const __mmask16 store = lanes_inside(j, half);
        __m512 a, b, c, d;
        load_pairs(r0, j, width, &a, &b);
        load_pairs(r1, j, width, &c, &d);
        {
            const __m512 ab = _mm512_add_ps(a, b), cd = _mm512_add_ps(c, d);
            const __m512 a_b = _mm512_sub_ps(a, b), c_d = _mm512_sub_ps(c, d);
            _mm512_mask_storeu_ps(ll + j, store, _mm512_mul_ps(h, _mm512_add_ps(ab, cd)));
            _mm512_mask_storeu_ps(lh + j, store, _mm512_mul_ps(h, _mm512_sub_ps(ab, cd)));
            _mm512_mask_storeu_ps(hl + j, store, _mm512_mul_ps(h, _mm512_add_ps(a_b, c_d)));
            _mm512_mask_storeu_ps(hh + j, store, _mm512_mul_ps(h, _mm512_sub_ps(a_b, c_d)));
        }
    }
}

static void haar_ll_avx512(const float *r0, const float *r1, int width, float *ll) {
    const int half = (width + 1) / 2;
    const __m512 h = _mm512_set1_ps(0.5f);
    for (int j = 0; j < half; j += LANES) {
        __m512 a, b, c, d;
        load_pairs(r0, j, width, &a, &b);
        load_pairs(r1, j, width, &c, &d);
        _mm512_mask_storeu_ps(
            ll + j, lanes_inside(j, half),
            _mm512_mul_ps(h, _mm512_add_ps(_mm512_add_ps(a, b), _mm512_add_ps(c, d))));
    }
}

/* Interleaves even and odd columns back into 32 columns of an output row from column 2j. */
WTCONV_INLINE void store_pairs(float *row, int j, int width, __m512 even, __m512 odd) {
    const __m512i lo_lanes =
        _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi_lanes =
        _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const int col = 2 * j;
    _mm512_mask_storeu_ps(column_out(row, col), lanes_inside(col, width),
                          _mm512_permutex2var_ps(even, lo_lanes, odd));
    _mm512_mask_storeu_ps(column_out(row, col + LANES), lanes_inside(col + LANES, width),
                          _mm512_permutex2var_ps(even, hi_lanes, odd));
}

static void haar_inverse_avx512(const float *ll, const float *lh, const float *hl, const float *hh,
                                int half_width, float *o0, float *o1, int width) {
    const __m512 h = _mm512_set1_ps(0.5f);
    for (int j = 0; j < half_width; j += LANES) {
        const __mmask16 load = lanes_inside(j, half_width);
        const __m512 s0 = _mm512_maskz_loadu_ps(load, ll + j);
        const __m512 s1 = _mm512_maskz_loadu_ps(load, lh + j);
        const __m512 s2 = _mm512_maskz_loadu_ps(load, hl + j);
        const __m512 s3 = _mm512_maskz_loadu_ps(load, hh + j);
        const __m512 p01 = _mm512_add_ps(s0, s1), p23 = _mm512_add_ps(s2, s3);
        store_pairs(o0, j, width, _mm512_mul_ps(h, _mm512_add_ps(p01, p23)),
                    _mm512_mul_ps(h, _mm512_sub_ps(p01, p23)));
        if (o1) {
            const __m512 m01 = _mm512_sub_ps(s0, s1), m23 = _mm512_sub_ps(s2, s3);
            store_pairs(o1, j, width, _mm512_mul_ps(h, _mm512_add_ps(m01, m23)),
                        _mm512_mul_ps(h, _mm512_sub_ps(m01, m23)));
        }
    }
}

const wtconv_cpu_kernels *wtconv_cpu_kernels_avx512(void) {
    static const wtconv_cpu_kernels table = {
        "avx512",          LANES,       dwconv3_avx512, dwconv5_avx512,      dwconv7_avx512,
        dwconv_any_avx512, haar_avx512, haar_ll_avx512, haar_inverse_avx512,
    };
    return &table;
}
