/* The AVX-512 kernels (built with -mavx512f -mavx512vl; run only where isa.c finds AVX-512F
 * and VL, and the OS saves their registers). Vectors of 16 columns (8 for a row's last few);
 * the plane's edges are handled with masked loads and stores (zero fill, no padded copies),
 * so every column chunk runs the same code. */
#include "cpu/kernels/x86/avx512_chunks.h"
#include "cpu/kernels/x86/avx512_subbands.h"

/* A block: zmm chunks while more than 8 columns are left, then one ymm chunk. */
WTCONV_INLINE void dwconv_block(const float *const *in, const float *const *init, float bias,
                                const float *weights, const int k, int width, float *const *out,
                                wtconv_cpu_prefetch *prefetch, const int rows) {
    int x = 0;
    for (; width - x > 8; x += LANES) {
        dwconv_chunk_zmm(in, init, bias, weights, k, width, out, rows, x);
        wtconv_cpu_prefetch_step(prefetch);
    }
    if (x < width) {
        dwconv_chunk_ymm(in, init, bias, weights, k, width, out, rows, x);
        wtconv_cpu_prefetch_step(prefetch);
    }
}

WTCONV_INLINE void dwconv_block_any(const float *const *in, const float *const *init, float bias,
                                    const float *weights, int k, int width, float *const *out,
                                    wtconv_cpu_prefetch *prefetch, const int rows) {
    int x = 0;
    for (; width - x > 8; x += LANES) {
        dwconv_chunk_any_zmm(in, init, bias, weights, k, width, out, rows, x);
        wtconv_cpu_prefetch_step(prefetch);
    }
    if (x < width) {
        dwconv_chunk_any_ymm(in, init, bias, weights, k, width, out, rows, x);
        wtconv_cpu_prefetch_step(prefetch);
    }
}

WTCONV_INLINE void dwconv_block_bands(const float *const *in, const float *bands, size_t row_pitch,
                                      size_t band_pitch, float bias, const float *weights,
                                      const int k, int width, float *const *out,
                                      wtconv_cpu_prefetch *prefetch, const int rows) {
    int x = 0;
    for (; width - x > 8; x += LANES) {
        dwconv_chunk_bands_zmm(in, bands, row_pitch, band_pitch, bias, weights, k, width, out, rows,
                               x);
        wtconv_cpu_prefetch_step(prefetch);
    }
    if (x < width) {
        dwconv_chunk_bands_ymm(in, bands, row_pitch, band_pitch, bias, weights, k, width, out, rows,
                               x);
        wtconv_cpu_prefetch_step(prefetch);
    }
}

WTCONV_STAMP_DWCONV(avx512)
WTCONV_STAMP_DWCONV_BANDS(avx512)

/* ---- Haar ---------------------------------------------------------------------------------
 * 16 blocks per step: 32 columns of each input row, split into even and odd columns. */
WTCONV_INLINE __m512i even_lanes(void) {
    return _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
}
WTCONV_INLINE __m512i odd_lanes(void) {
    return _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

/* Columns 2j.. of a row as even and odd halves (zero outside the row, or for a NULL row).
 * lo and hi: the lanes of columns 2j.. and 2j+16.. inside the row (constants in a row's
 * interior, where the loads are then plain). */
WTCONV_INLINE void load_pairs(const float *row, int j, __mmask16 lo_lanes, __mmask16 hi_lanes,
                              __m512 *even, __m512 *odd) {
    if (!row) {
        *even = *odd = _mm512_setzero_ps();
        return;
    }
    {
        const int col = 2 * j;
        const __m512 lo = _mm512_maskz_loadu_ps(lo_lanes, column(row, col));
        const __m512 hi = _mm512_maskz_loadu_ps(hi_lanes, column(row, col + LANES));
        *even = _mm512_permutex2var_ps(lo, even_lanes(), hi);
        *odd = _mm512_permutex2var_ps(lo, odd_lanes(), hi);
    }
}

/* Each row loop below runs its interior with whole-vector masks, so that the compiler drops
 * them, and its last few columns with masks computed per step. */
#define ALL_LANES ((__mmask16)0xFFFF)

/* 16 blocks of a Haar row from column 2j: store holds the blocks inside the row; half, where
 * not NULL, takes LL with the factor 1/2. */
WTCONV_INLINE void haar_step(const float *r0, const float *r1, int j, __mmask16 lo, __mmask16 hi,
                             __mmask16 store, float *ll, float *lh, float *hl, float *hh,
                             float *half) {
    __m512 a, b, c, d;
    load_pairs(r0, j, lo, hi, &a, &b);
    load_pairs(r1, j, lo, hi, &c, &d);
    {
        const __m512 ab = _mm512_add_ps(a, b), cd = _mm512_add_ps(c, d);
        const __m512 a_b = _mm512_sub_ps(a, b), c_d = _mm512_sub_ps(c, d);
        const __m512 s0 = _mm512_add_ps(ab, cd);
        _mm512_mask_storeu_ps(ll + j, store, s0);
        if (half)
            _mm512_mask_storeu_ps(half + j, store, _mm512_mul_ps(_mm512_set1_ps(0.5f), s0));
        _mm512_mask_storeu_ps(lh + j, store, _mm512_sub_ps(ab, cd));
        _mm512_mask_storeu_ps(hl + j, store, _mm512_add_ps(a_b, c_d));
        _mm512_mask_storeu_ps(hh + j, store, _mm512_sub_ps(a_b, c_d));
    }
}

WTCONV_INLINE void haar_ll_step(const float *r0, const float *r1, int j, __mmask16 lo, __mmask16 hi,
                                __mmask16 store, float *ll) {
    __m512 a, b, c, d;
    load_pairs(r0, j, lo, hi, &a, &b);
    load_pairs(r1, j, lo, hi, &c, &d);
    _mm512_mask_storeu_ps(ll + j, store,
                          _mm512_mul_ps(_mm512_set1_ps(0.5f),
                                        _mm512_add_ps(_mm512_add_ps(a, b), _mm512_add_ps(c, d))));
}

/* Interleaves even and odd columns back into 32 columns of an output row from column 2j; lo
 * and hi: the lanes of columns 2j.. and 2j+16.. inside the row. */
WTCONV_INLINE void store_pairs(float *row, int j, __mmask16 lo, __mmask16 hi, __m512 even,
                               __m512 odd) {
    const __m512i lo_lanes =
        _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi_lanes =
        _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const int col = 2 * j;
    _mm512_mask_storeu_ps(column_out(row, col), lo, _mm512_permutex2var_ps(even, lo_lanes, odd));
    _mm512_mask_storeu_ps(column_out(row, col + LANES), hi,
                          _mm512_permutex2var_ps(even, hi_lanes, odd));
}

WTCONV_INLINE void haar_inverse_step(const float *ll, const float *lh, const float *hl,
                                     const float *hh, int j, __mmask16 load, __mmask16 lo,
                                     __mmask16 hi, float *o0, float *o1) {
    const __m512 s0 = _mm512_maskz_loadu_ps(load, ll + j);
    const __m512 s1 = _mm512_maskz_loadu_ps(load, lh + j);
    const __m512 s2 = _mm512_maskz_loadu_ps(load, hl + j);
    const __m512 s3 = _mm512_maskz_loadu_ps(load, hh + j);
    const __m512 p01 = _mm512_add_ps(s0, s1), p23 = _mm512_add_ps(s2, s3);
    store_pairs(o0, j, lo, hi, _mm512_add_ps(p01, p23), _mm512_sub_ps(p01, p23));
    if (o1) {
        const __m512 m01 = _mm512_sub_ps(s0, s1), m23 = _mm512_sub_ps(s2, s3);
        store_pairs(o1, j, lo, hi, _mm512_add_ps(m01, m23), _mm512_sub_ps(m01, m23));
    }
}

/* Where the whole 16-block steps of a row `width` columns wide end (block j_end), and the
 * masks of its last, partial step if any (tail): the same for every row of a call. */
typedef struct row_steps {
    int j_end, tail;
    __mmask16 lo, hi, half; /* columns 2j.. and 2j+16.., and blocks j.., inside the row */
} row_steps;

WTCONV_INLINE row_steps steps_of(int width) {
    row_steps t;
    const int half = (width + 1) / 2;
    t.j_end = width / (2 * LANES) * LANES;
    t.tail = t.j_end < half;
    t.lo = lanes_inside_zmm(2 * t.j_end, width);
    t.hi = lanes_inside_zmm(2 * t.j_end + LANES, width);
    t.half = lanes_inside_zmm(t.j_end, half);
    return t;
}

/* The entry points, written out rather than stamped around row bodies (kernels/stamp.h): the
 * rows of a call share their tail masks, computed here once per call, before the row loop
 * (bodies per row would recompute them, or leave the compiler to hoist them). */
/* haar_avx512's rows; inlined twice, so that the calls without ll_half have no test of it. */
WTCONV_INLINE void haar_rows(const float *src, int width, int rows, int src_rows, float *dst,
                             size_t row_pitch, size_t band_pitch, float *ll_half,
                             size_t half_pitch) {
    const row_steps t = steps_of(width);
    for (int r = 0; r < rows; r++) {
        const float *r0 = src + (size_t)(2 * r) * (size_t)width;
        const float *r1 = 2 * r + 1 < src_rows ? r0 + width : NULL;
        float *ll = dst + (size_t)r * row_pitch, *lh = ll + band_pitch;
        float *hl = lh + band_pitch, *hh = hl + band_pitch;
        float *half = ll_half ? ll_half + (size_t)r * half_pitch : NULL;
        for (int j = 0; j < t.j_end; j += LANES)
            haar_step(r0, r1, j, ALL_LANES, ALL_LANES, ALL_LANES, ll, lh, hl, hh, half);
        if (t.tail)
            haar_step(r0, r1, t.j_end, t.lo, t.hi, t.half, ll, lh, hl, hh, half);
    }
}

static void haar_avx512(const float *src, int width, int rows, int src_rows, float *dst,
                        size_t row_pitch, size_t band_pitch, float *ll_half, size_t half_pitch) {
    if (ll_half)
        haar_rows(src, width, rows, src_rows, dst, row_pitch, band_pitch, ll_half, half_pitch);
    else
        haar_rows(src, width, rows, src_rows, dst, row_pitch, band_pitch, NULL, 0);
}

static void haar_ll_avx512(const float *src, int width, int rows, int src_rows, float *dst,
                           size_t row_pitch) {
    const row_steps t = steps_of(width);
    for (int r = 0; r < rows; r++) {
        const float *r0 = src + (size_t)(2 * r) * (size_t)width;
        const float *r1 = 2 * r + 1 < src_rows ? r0 + width : NULL;
        float *ll = dst + (size_t)r * row_pitch;
        for (int j = 0; j < t.j_end; j += LANES)
            haar_ll_step(r0, r1, j, ALL_LANES, ALL_LANES, ALL_LANES, ll);
        if (t.tail)
            haar_ll_step(r0, r1, t.j_end, t.lo, t.hi, t.half, ll);
    }
}

static void haar_inverse_avx512(const float *src, size_t row_pitch, size_t band_pitch,
                                int half_width, int rows, float *dst, size_t dst_pitch, int width,
                                int dst_rows) {
    const row_steps t = steps_of(width); /* half_width is (width + 1) / 2 */
    for (int r = 0; r < rows; r++) {
        const float *ll = src + (size_t)r * row_pitch, *lh = ll + band_pitch;
        const float *hl = lh + band_pitch, *hh = hl + band_pitch;
        float *o0 = dst + (size_t)(2 * r) * dst_pitch;
        float *o1 = 2 * r + 1 < dst_rows ? o0 + dst_pitch : NULL;
        for (int j = 0; j < t.j_end; j += LANES)
            haar_inverse_step(ll, lh, hl, hh, j, ALL_LANES, ALL_LANES, ALL_LANES, o0, o1);
        if (t.tail)
            haar_inverse_step(ll, lh, hl, hh, t.j_end, t.half, t.lo, t.hi, o0, o1);
    }
    (void)half_width;
}

const wtconv_cpu_kernels *wtconv_cpu_kernels_avx512(void) {
    static const wtconv_cpu_kernels table = {
        .name = "avx512",
        .lanes = LANES,
        .dwconv3 = dwconv3_avx512,
        .dwconv5 = dwconv5_avx512,
        .dwconv7 = dwconv7_avx512,
        .dwconv_any = dwconv_any_avx512,
        .haar = haar_avx512,
        .haar_ll = haar_ll_avx512,
        .haar_inverse = haar_inverse_avx512,
        .dwconv_bands3 = dwconv_bands3_avx512,
        .dwconv_bands5 = dwconv_bands5_avx512,
        .dwconv_bands7 = dwconv_bands7_avx512,
        .dwconv_subbands3 = wtconv_cpu_dwconv_subbands3_avx512,
        .dwconv_subbands5 = wtconv_cpu_dwconv_subbands5_avx512,
        .dwconv_subbands7 = wtconv_cpu_dwconv_subbands7_avx512,
        .channel_block = wtconv_cpu_channel_block_avx512,
        .block_lanes = LANES,
    };
    return &table;
}
