/* The AVX-512 four-subband depthwise kernels (wtconv_dwconv_subbands_fn; kernels/stamp.h),
 * in their own file because their 48 unrolled instances take as long to compile as the rest
 * of avx512.c. Built with -mavx512f -mavx512vl; avx512.c's table points to them. */
#include "cpu/kernels/x86/avx512_chunks.h"
#include "cpu/kernels/x86/avx512_subbands.h"

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
