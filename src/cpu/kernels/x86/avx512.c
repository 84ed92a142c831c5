/* The AVX-512 kernels (built with -mavx512f -mavx512vl; run only where isa.c finds AVX-512F
 * and VL, and the OS saves their registers). Vectors of 16 columns (8 for a row's last few);
 * the plane's edges are handled with masked loads and stores (zero fill, no padded copies),
 * so every column chunk runs the same code. */
#include <immintrin.h>
#include <stdint.h>

#include "cpu/kernels.h"
#include "cpu/kernels/prefetch.h"
#include "cpu/kernels/stamp.h"

#define LANES 16
/* The largest k with its own unrolled kernel, and the largest any k can be. */
#define MAX_UNROLLED_K 7
#define MAX_KERNEL 256

/* The address of column `col` of `row`, which may lie outside it: masked loads and stores
 * touch only the lanes inside. Computed as an integer, since pointer arithmetic outside an
 * array is undefined. */
WTCONV_INLINE const float *column(const float *row, int col) {
    return (const float *)((uintptr_t)row + (uintptr_t)((intptr_t)col * (intptr_t)sizeof(float)));
}
WTCONV_INLINE float *column_out(float *row, int col) {
    return (float *)((uintptr_t)row + (uintptr_t)((intptr_t)col * (intptr_t)sizeof(float)));
}

/* Lanes of even and odd in turn: e0 o0 e1 o1 ... (an inverse Haar row's columns). */
WTCONV_INLINE __m512 interleave_zmm(__m256 even, __m256 odd) {
    const __m512i lanes = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    return _mm512_permutex2var_ps(_mm512_castps256_ps512(even), lanes, _mm512_castps256_ps512(odd));
}
WTCONV_INLINE __m256 interleave_ymm(__m128 even, __m128 odd) {
    const __m256i lanes = _mm256_setr_epi32(0, 8, 1, 9, 2, 10, 3, 11);
    return _mm256_permutex2var_ps(_mm256_castps128_ps256(even), lanes, _mm256_castps128_ps256(odd));
}

/* ---- depthwise convolution ----------------------------------------------------------------
 * Chunks of 16 columns (zmm), and of 8 (ymm, with AVX-512VL's masks) for a row's last 8 or
 * fewer: on cores whose zmm FMAs cost two ymm ones, a narrow plane or a short tail then costs
 * half as much. The template (kernels/stamp.h) makes dwconv_chunk_zmm, ..., then
 * dwconv_chunk_ymm, ...; the vector words are in kernels/vector_undef.h. */
#define V_LANES 16
#define V_VEC __m512
#define V_MASK __mmask16
#define V_NAME(name) name##_zmm
#define V_MASKZ_LOAD(mask, p) _mm512_maskz_loadu_ps((mask), (p))
#define V_MASK_STORE(p, mask, v) _mm512_mask_storeu_ps((p), (mask), (v))
#define V_SET1(f) _mm512_set1_ps(f)
#define V_ZERO() _mm512_setzero_ps()
#define V_ADD(a, b) _mm512_add_ps((a), (b))
#define V_FMADD(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define V_HALF_VEC __m256
#define V_HALF_MASK __mmask8
#define V_HALF_MASKZ_LOAD(mask, p) _mm256_maskz_loadu_ps((mask), (p))
#define V_HALF_ADD(a, b) _mm256_add_ps((a), (b))
#define V_HALF_SUB(a, b) _mm256_sub_ps((a), (b))
#define V_INTERLEAVE(even, odd) interleave_zmm((even), (odd))
#include "cpu/kernels/x86/avx512_dwconv_template.h"

#define V_LANES 8
#define V_VEC __m256
#define V_MASK __mmask8
#define V_NAME(name) name##_ymm
#define V_MASKZ_LOAD(mask, p) _mm256_maskz_loadu_ps((mask), (p))
#define V_MASK_STORE(p, mask, v) _mm256_mask_storeu_ps((p), (mask), (v))
#define V_SET1(f) _mm256_set1_ps(f)
#define V_ZERO() _mm256_setzero_ps()
#define V_ADD(a, b) _mm256_add_ps((a), (b))
#define V_FMADD(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define V_HALF_VEC __m128
#define V_HALF_MASK __mmask8
#define V_HALF_MASKZ_LOAD(mask, p) _mm_maskz_loadu_ps((mask), (p))
#define V_HALF_ADD(a, b) _mm_add_ps((a), (b))
#define V_HALF_SUB(a, b) _mm_sub_ps((a), (b))
#define V_INTERLEAVE(even, odd) interleave_ymm((even), (odd))
#include "cpu/kernels/x86/avx512_dwconv_template.h"

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

/* ---- a level's four subbands at once ------------------------------------------------------
 * (wtconv_dwconv_subbands_fn) The bands' rows lie side by side, so chunks of 16 columns run
 * along all four: a 28-column band (a 56 x 56 plane's level 0) takes 7 whole chunks for the
 * four instead of 4 x 2 with 4 lanes idle in every second one, and 7 x 7 bands 2 chunks
 * instead of 4 of 8 columns; a block is one call instead of four. A chunk inside one band
 * runs as dwconv_chunk_zmm does (broadcast weights, masks at the band's edges). A chunk that
 * holds columns of two or more bands gives each lane its band's weight (the four bands'
 * weights of a tap lie together, permuted into the lanes by the lanes' band numbers) and its
 * band's zero padding (masks made from each lane's column within its band), so no band reads
 * its neighbour's columns; the permutes take shuffle slots, which is why chunks inside one
 * band do without. Per output the same operations in the same order as dwconv_chunk_zmm with
 * bias 0, hence the same bits. */

/* For a chunk of columns [x, x + 16) across bands `width` wide: each lane's band (0..3), and
 * its column within the band in *local. */
WTCONV_INLINE __m512i subband_lanes(int x, int width, __m512i *local) {
    const __m512i w = _mm512_set1_epi32(width);
    __m512i col =
        _mm512_add_epi32(_mm512_set1_epi32(x),
                         _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    __m512i band = _mm512_setzero_si512();
    WTCONV_UNROLL
    for (int s = 1; s < 4; s++) {
        const __mmask16 past = _mm512_cmpge_epi32_mask(col, w);
        band = _mm512_mask_add_epi32(band, past, band, _mm512_set1_epi32(1));
        col = _mm512_mask_sub_epi32(col, past, col, w);
    }
    *local = col;
    return band;
}

/* Columns [x, x + 16) of the bands' rows. one_band: they all lie in the band whose first
 * column is band_start, band number `band_of_x`; else the bands lie side by side. */
WTCONV_INLINE void subbands_chunk(const float *const *in, const float *const *init,
                                  const float *weights, const int k, int width, float *const *out,
                                  const int rows, int x, const int one_band, int band_start,
                                  int band_of_x) {
    const int before = (k - 1) / 2;
    const float *w = weights;
    const __mmask16 store =
        one_band ? lanes_inside_zmm(x - band_start, width) : lanes_inside_zmm(x, 4 * width);
    /* the lanes init reaches: band 0's */
    const __mmask16 first_band =
        one_band ? (band_of_x == 0 ? store : 0) : lanes_inside_zmm(x, width);
    __m512i band = _mm512_setzero_si512(), local = _mm512_setzero_si512();
    __m512 acc[WTCONV_CPU_MAX_ROWS], even[WTCONV_CPU_MAX_ROWS];
    if (one_band)
        w += band_of_x;
    else
        band = subband_lanes(x, width, &local);
    WTCONV_UNROLL
    for (int o = 0; o < rows; o++) {
        acc[o] = _mm512_setzero_ps();
        if (init && first_band)
            acc[o] = _mm512_add_ps(acc[o], _mm512_maskz_loadu_ps(first_band, column(init[o], x)));
        even[o] = _mm512_setzero_ps();
    }
    WTCONV_OPAQUE(w);
    WTCONV_UNROLL
    for (int kx = 0; kx < k; kx++) {
        __m512 column_weights[MAX_UNROLLED_K];
        __m512 *sum = kx % 2 ? acc : even;
        /* the lanes whose input column lies inside their band: before - kx <= local <
         * width + before - kx (made per tap column, so that only one mask is live) */
        const __mmask16 keep =
            one_band ? lanes_inside_zmm(x - band_start + kx - before, width) & store
                     : _mm512_mask_cmpge_epi32_mask(store, local, _mm512_set1_epi32(before - kx)) &
                           _mm512_cmplt_epi32_mask(local, _mm512_set1_epi32(width + before - kx));
        WTCONV_UNROLL
        for (int ky = 0; ky < k; ky++)
            column_weights[ky] =
                one_band ? _mm512_set1_ps(w[(ky * k + kx) * 4])
                         : _mm512_permutexvar_ps(
                               band, _mm512_broadcast_f32x4(_mm_loadu_ps(w + (ky * k + kx) * 4)));
        /* As in dwconv_taps_zmm, written out: the loop factored into one inlined function for
         * both made the plane kernels 4-10% slower (wtconv-ab; gcc 12). */
        WTCONV_UNROLL
        for (int r = 0; r < rows + k - 1; r++) {
            const float *row = in[r];
            if (!row)
                continue;
            {
                const __m512 v = _mm512_maskz_loadu_ps(keep, column(row, x + kx - before));
                WTCONV_UNROLL
                for (int o = 0; o < rows; o++) {
                    const int ky = r - o;
                    if (ky >= 0 && ky < k)
                        sum[o] = _mm512_fmadd_ps(v, column_weights[ky], sum[o]);
                }
            }
        }
    }
    WTCONV_UNROLL
    for (int o = 0; o < rows; o++)
        _mm512_mask_storeu_ps(column_out(out[o], x), store, _mm512_add_ps(acc[o], even[o]));
}

WTCONV_INLINE void dwconv_block_subbands(const float *const *in, const float *const *init,
                                         const float *weights, const int k, int width,
                                         size_t band_pitch, float *const *out,
                                         wtconv_cpu_prefetch *prefetch, const int rows) {
    const int total = 4 * width;
    if (band_pitch != (size_t)width) { /* bands apart: chunks within one band */
        for (int s = 0; s < 4; s++) {
            const int start = s * (int)band_pitch;
            for (int x = 0; x < width; x += LANES) {
                subbands_chunk(in, init, weights, k, width, out, rows, start + x, 1, start, s);
                wtconv_cpu_prefetch_step(prefetch);
            }
        }
        return;
    }
    for (int x = 0; x < total; x += LANES) {
        const int first = x / width, last = (x + LANES < total ? x + LANES : total) - 1;
        if (last / width == first)
            subbands_chunk(in, init, weights, k, width, out, rows, x, 1, first * width, first);
        else
            subbands_chunk(in, init, weights, k, width, out, rows, x, 0, 0, 0);
        wtconv_cpu_prefetch_step(prefetch);
    }
}

WTCONV_STAMP_DWCONV_SUBBANDS(avx512)

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

/* 16 blocks of a Haar row from column 2j: store holds the blocks inside the row. */
WTCONV_INLINE void haar_step(const float *r0, const float *r1, int j, __mmask16 lo, __mmask16 hi,
                             __mmask16 store, float *ll, float *lh, float *hl, float *hh) {
    __m512 a, b, c, d;
    load_pairs(r0, j, lo, hi, &a, &b);
    load_pairs(r1, j, lo, hi, &c, &d);
    {
        const __m512 ab = _mm512_add_ps(a, b), cd = _mm512_add_ps(c, d);
        const __m512 a_b = _mm512_sub_ps(a, b), c_d = _mm512_sub_ps(c, d);
        _mm512_mask_storeu_ps(ll + j, store, _mm512_add_ps(ab, cd));
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
static void haar_avx512(const float *src, int width, int rows, int src_rows, float *dst,
                        size_t row_pitch, size_t band_pitch) {
    const row_steps t = steps_of(width);
    for (int r = 0; r < rows; r++) {
        const float *r0 = src + (size_t)(2 * r) * (size_t)width;
        const float *r1 = 2 * r + 1 < src_rows ? r0 + width : NULL;
        float *ll = dst + (size_t)r * row_pitch, *lh = ll + band_pitch;
        float *hl = lh + band_pitch, *hh = hl + band_pitch;
        for (int j = 0; j < t.j_end; j += LANES)
            haar_step(r0, r1, j, ALL_LANES, ALL_LANES, ALL_LANES, ll, lh, hl, hh);
        if (t.tail)
            haar_step(r0, r1, t.j_end, t.lo, t.hi, t.half, ll, lh, hl, hh);
    }
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
        .dwconv_subbands3 = dwconv_subbands3_avx512,
        .dwconv_subbands5 = dwconv_subbands5_avx512,
        .dwconv_subbands7 = dwconv_subbands7_avx512,
        .channel_block = wtconv_cpu_channel_block_avx512,
        .block_lanes = LANES,
    };
    return &table;
}
