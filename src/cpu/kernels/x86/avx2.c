/* The AVX2+FMA kernels (built with -mavx2 -mfma; run only where isa.c finds both). Vectors of
 * 8 columns; chunks whose taps reach past the plane's sides read with masked loads (zero
 * fill, no padded copies), the others with plain ones. */
#include <immintrin.h>
#include <stdint.h>

#include "cpu/kernels.h"
#include "cpu/kernels/prefetch.h"
#include "cpu/kernels/stamp.h"

#define LANES 8

/* All-ones in the lanes of a vector starting at column `start` that lie inside a `width`-column
 * row. */
WTCONV_INLINE __m256i lanes_inside(int start, int width) {
    const __m256i col =
        _mm256_add_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(start));
    return _mm256_and_si256(_mm256_cmpgt_epi32(col, _mm256_set1_epi32(-1)),
                            _mm256_cmpgt_epi32(_mm256_set1_epi32(width), col));
}

/* The address of column `col` of `row`, which may lie outside it: masked loads touch only
 * the lanes inside. Computed as an integer, since pointer arithmetic outside an
 * array is undefined. */
WTCONV_INLINE const float *column(const float *row, int col) {
    return (const float *)((uintptr_t)row + (uintptr_t)((intptr_t)col * (intptr_t)sizeof(float)));
}

/* Columns col .. col+7 of a row, zero outside it; `edge` 0 promises they are all inside.
 * Masked moves only where needed: they are slow on some cores, stores so much so on AMD's
 * that a row's last few columns are stored in pieces instead. */
WTCONV_INLINE __m256 load_cols(const float *row, int col, int width, const int edge) {
    if (!edge || (col >= 0 && col + LANES <= width))
        return _mm256_loadu_ps(row + col);
    return _mm256_maskload_ps(column(row, col), lanes_inside(col, width));
}

WTCONV_INLINE void store_cols(float *row, int col, int width, __m256 v, const int edge) {
    if (!edge || col + LANES <= width) {
        _mm256_storeu_ps(row + col, v);
    } else if (col < width) { /* col >= 0: chunks start inside the row */
        /* The first width - col lanes, in pieces of 4, 2 and 1 (a copy loop would become a
         * call to memcpy). */
        float *p = row + col;
        int n = width - col;
        __m128 part = _mm256_castps256_ps128(v);
        if (n >= 4) {
            _mm_storeu_ps(p, part);
            p += 4, n -= 4;
            part = _mm256_extractf128_ps(v, 1);
        }
        if (n >= 2) {
            _mm_storel_pi((__m64 *)(void *)p, part); /* __m64 may alias */
            p += 2, n -= 2;
            part = _mm_movehl_ps(part, part);
        }
        if (n >= 1)
            _mm_store_ss(p, part);
    }
}

/* ---- depthwise convolution ----------------------------------------------------------------
 * One chunk of 8 columns: `rows` accumulators; every input row in the block's window is loaded
 * once per tap column kx and fed to each output row that uses it (up to min(rows, k)). With
 * rows and k constant the loops unroll into straight-line FMAs; `edge` selects masked memory
 * access for the chunks that reach past the plane's sides. */
WTCONV_INLINE void dwconv_chunk(const float *const *in, const float *const *init, float bias,
                                const float *w, const int k, int width, float *const *out,
                                const int rows, int x, const int edge) {
    const int before = (k - 1) / 2;
    __m256 acc[WTCONV_CPU_MAX_ROWS];
    WTCONV_UNROLL
    for (int o = 0; o < rows; o++)
        acc[o] = init ? _mm256_add_ps(_mm256_set1_ps(bias), load_cols(init[o], x, width, edge))
                      : _mm256_set1_ps(bias);
    WTCONV_UNROLL
    for (int kx = 0; kx < k; kx++) {
        __m256 column_weights[7];
        WTCONV_UNROLL
        for (int ky = 0; ky < k; ky++)
            column_weights[ky] = _mm256_broadcast_ss(w + ky * k + kx);
        WTCONV_UNROLL
        for (int r = 0; r < rows + k - 1; r++) {
            const float *row = in[r];
            if (!row)
                continue;
            {
                const __m256 v = load_cols(row, x + kx - before, width, edge);
                WTCONV_UNROLL
                for (int o = 0; o < rows; o++) {
                    const int ky = r - o;
                    if (ky >= 0 && ky < k)
                        acc[o] = _mm256_fmadd_ps(v, column_weights[ky], acc[o]);
                }
            }
        }
    }
    WTCONV_UNROLL
    for (int o = 0; o < rows; o++)
        store_cols(out[o], x, width, acc[o], edge);
}

WTCONV_INLINE void dwconv_block(const float *const *in, const float *const *init, float bias,
                                const float *weights, const int k, int width, float *const *out,
                                wtconv_cpu_prefetch *prefetch, const int rows) {
    const int before = (k - 1) / 2, after = k / 2;
    for (int x = 0; x < width; x += LANES) {
        const float *w = weights;
        WTCONV_OPAQUE(w);
        if (x - before >= 0 && x + LANES + after <= width)
            dwconv_chunk(in, init, bias, w, k, width, out, rows, x, 0);
        else
            dwconv_chunk(in, init, bias, w, k, width, out, rows, x, 1);
        wtconv_cpu_prefetch_step(prefetch);
    }
}

/* The same for a k known only at run time (masked access throughout): taps outermost, so
 * that each weight is broadcast once for all the block's rows and no input row has to ask
 * which of its outputs a tap reaches; each input vector is loaded once per output row. */
WTCONV_INLINE void dwconv_block_any(const float *const *in, const float *const *init, float bias,
                                    const float *weights, int k, int width, float *const *out,
                                    wtconv_cpu_prefetch *prefetch, const int rows) {
    const int before = (k - 1) / 2;
    for (int x = 0; x < width; x += LANES) {
        __m256 acc[WTCONV_CPU_MAX_ROWS];
        WTCONV_UNROLL
        for (int o = 0; o < rows; o++)
            acc[o] = init ? _mm256_add_ps(_mm256_set1_ps(bias), load_cols(init[o], x, width, 1))
                          : _mm256_set1_ps(bias);
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                const __m256 weight = _mm256_broadcast_ss(weights + ky * k + kx);
                const __m256i keep = lanes_inside(x + kx - before, width);
                WTCONV_UNROLL
                for (int o = 0; o < rows; o++) {
                    const float *row = in[o + ky];
                    if (row)
                        acc[o] = _mm256_fmadd_ps(
                            _mm256_maskload_ps(column(row, x + kx - before), keep), weight, acc[o]);
                }
            }
        }
        WTCONV_UNROLL
        for (int o = 0; o < rows; o++)
            store_cols(out[o], x, width, acc[o], 1);
        wtconv_cpu_prefetch_step(prefetch);
    }
}

WTCONV_STAMP_DWCONV(avx2)

/* ---- Haar ---------------------------------------------------------------------------------
 * 8 blocks per step: 16 columns of each input row, split into even and odd columns. */
WTCONV_INLINE void load_pairs(const float *row, int j, int width, __m256 *even, __m256 *odd) {
    if (!row) {
        *even = *odd = _mm256_setzero_ps();
        return;
    }
    {
        const int col = 2 * j, edge = col + 2 * LANES > width;
        const __m256 lo = load_cols(row, col, width, edge);
        const __m256 hi = load_cols(row, col + LANES, width, edge);
        /* [lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6], then the 64-bit pairs put in order. */
        const __m256 e = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
        const __m256 o = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1));
        *even =
            _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
        *odd =
            _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0)));
    }
}

WTCONV_INLINE void haar_row(const float *r0, const float *r1, int width, float *ll, float *lh,
                            float *hl, float *hh) {
    const int half = (width + 1) / 2;
    for (int j = 0; j < half; j += LANES) {
        const int edge = j + LANES > half;
        __m256 a, b, c, d;
        load_pairs(r0, j, width, &a, &b);
        load_pairs(r1, j, width, &c, &d);
        {
            const __m256 ab = _mm256_add_ps(a, b), cd = _mm256_add_ps(c, d);
            const __m256 a_b = _mm256_sub_ps(a, b), c_d = _mm256_sub_ps(c, d);
            store_cols(ll, j, half, _mm256_add_ps(ab, cd), edge);
            store_cols(lh, j, half, _mm256_sub_ps(ab, cd), edge);
            store_cols(hl, j, half, _mm256_add_ps(a_b, c_d), edge);
            store_cols(hh, j, half, _mm256_sub_ps(a_b, c_d), edge);
        }
    }
}

WTCONV_INLINE void haar_ll_row(const float *r0, const float *r1, int width, float *ll) {
    const int half = (width + 1) / 2;
    const __m256 h = _mm256_set1_ps(0.5f);
    for (int j = 0; j < half; j += LANES) {
        __m256 a, b, c, d;
        load_pairs(r0, j, width, &a, &b);
        load_pairs(r1, j, width, &c, &d);
        store_cols(ll, j, half,
                   _mm256_mul_ps(h, _mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d))),
                   j + LANES > half);
    }
}

/* Interleaves even and odd columns back into 16 columns of an output row from column 2j. */
WTCONV_INLINE void store_pairs(float *row, int j, int width, __m256 even, __m256 odd) {
    const __m256 lo = _mm256_unpacklo_ps(even, odd); /* e0 o0 e1 o1 | e4 o4 e5 o5 */
    const __m256 hi = _mm256_unpackhi_ps(even, odd); /* e2 o2 e3 o3 | e6 o6 e7 o7 */
    const int col = 2 * j, edge = col + 2 * LANES > width;
    store_cols(row, col, width, _mm256_permute2f128_ps(lo, hi, 0x20), edge);
    store_cols(row, col + LANES, width, _mm256_permute2f128_ps(lo, hi, 0x31), edge);
}

WTCONV_INLINE void haar_inverse_row(const float *ll, const float *lh, const float *hl,
                                    const float *hh, int half_width, float *o0, float *o1,
                                    int width) {
    for (int j = 0; j < half_width; j += LANES) {
        const int edge = j + LANES > half_width;
        const __m256 s0 = load_cols(ll, j, half_width, edge);
        const __m256 s1 = load_cols(lh, j, half_width, edge);
        const __m256 s2 = load_cols(hl, j, half_width, edge);
        const __m256 s3 = load_cols(hh, j, half_width, edge);
        const __m256 p01 = _mm256_add_ps(s0, s1), p23 = _mm256_add_ps(s2, s3);
        store_pairs(o0, j, width, _mm256_add_ps(p01, p23), _mm256_sub_ps(p01, p23));
        if (o1) {
            const __m256 m01 = _mm256_sub_ps(s0, s1), m23 = _mm256_sub_ps(s2, s3);
            store_pairs(o1, j, width, _mm256_add_ps(m01, m23), _mm256_sub_ps(m01, m23));
        }
    }
}

WTCONV_STAMP_HAAR(avx2)

const wtconv_cpu_kernels *wtconv_cpu_kernels_avx2(void) {
    static const wtconv_cpu_kernels table = {
        .name = "avx2",
        .lanes = LANES,
        .dwconv3 = dwconv3_avx2,
        .dwconv5 = dwconv5_avx2,
        .dwconv7 = dwconv7_avx2,
        .dwconv_any = dwconv_any_avx2,
        .haar = haar_avx2,
        .haar_ll = haar_ll_avx2,
        .haar_inverse = haar_inverse_avx2,
        .channel_block = wtconv_cpu_channel_block_avx2,
        .block_lanes = 8,
    };
    return &table;
}
