/* The channel-block path (cpu/channel_block.h) with AVX-512: blocks of 16 channels, one zmm
 * vector per grid element. Built with -mavx512f -mavx512vl; isa.c picks it with the AVX-512
 * kernel table. */
#include <immintrin.h>
#include <stddef.h>

#include "cpu/channel_block.h"
#include "cpu/kernel_macros.h"

#define LANES 16
/* Columns of output per chunk of a depthwise row (a row's last chunk may take 4), and the
 * largest k whose taps slide along a chunk's loaded input vectors (unrolled). */
#define CHUNK 8
#define MAX_SLIDING_K 7

WTCONV_INLINE __m512 load(const float *p) { return _mm512_loadu_ps(p); }
WTCONV_INLINE void store(float *p, __m512 v) { _mm512_storeu_ps(p, v); }

/* ---- 16 x 16 transposes between planes and grids ------------------------------------------ */

/* r[i] <- column i of the 16 x 16 matrix whose rows were r[0..15]. */
WTCONV_INLINE void transpose16(__m512 r[16]) {
    __m512 t[16];
    WTCONV_UNROLL
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    WTCONV_UNROLL
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xee);
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xee);
    }
    WTCONV_UNROLL
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
    }
    WTCONV_UNROLL
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
    }
}

WTCONV_INLINE __mmask16 first_lanes(int n) { return (__mmask16)((1u << n) - 1u); }

/* The 16 input planes' H x W into the grid's interior (row pitch `pitch` floats). */
static void planes_to_grid(const float *x, size_t plane, int height, int width, float *grid,
                           size_t pitch) {
    for (int row = 0; row < height; row++)
        for (int col = 0; col < width; col += 16) {
            const int n = width - col < 16 ? width - col : 16;
            const __mmask16 mask = first_lanes(n);
            const float *src = x + (size_t)row * (size_t)width + (size_t)col;
            float *dst = grid + (size_t)row * pitch + (size_t)col * LANES;
            __m512 r[16];
            WTCONV_UNROLL
            for (int p = 0; p < 16; p++)
                r[p] = _mm512_maskz_loadu_ps(mask, src + (size_t)p * plane);
            transpose16(r);
            for (int j = 0; j < n; j++)
                store(dst + (size_t)j * LANES, r[j]);
        }
}

/* The output grid (H x W, row pitch `width` vectors) into the 16 output planes, keeping the
 * rows and columns the stride keeps. */
static void grid_to_planes(const float *grid, const wtconv_plan *plan, float *y) {
    const int stride = plan->stride, out_w = plan->out_width;
    for (int row = 0; row < plan->out_height; row++) {
        const float *src = grid + (size_t)row * (size_t)stride * (size_t)plan->width * LANES;
        for (int col = 0; col < out_w; col += 16) {
            const int n = out_w - col < 16 ? out_w - col : 16;
            const __mmask16 mask = first_lanes(n);
            float *dst = y + (size_t)row * (size_t)out_w + (size_t)col;
            __m512 r[16];
            WTCONV_UNROLL
            for (int j = 0; j < 16; j++)
                r[j] = j < n ? load(src + (size_t)(col + j) * (size_t)stride * LANES)
                             : _mm512_setzero_ps();
            transpose16(r);
            WTCONV_UNROLL
            for (int p = 0; p < 16; p++)
                _mm512_mask_storeu_ps(dst + (size_t)p * plan->out_plane, mask, r[p]);
        }
    }
}

/* ---- Haar transforms on grids ------------------------------------------------------------- */

/* Level i's subbands (without the factor 1/2) of its input, `scale` times: the input's
 * interior at src (pitch src_pitch floats; the zero row and column after an odd side are its
 * border), the subbands' interiors at dst + s * band_floats (pitch dst_pitch). */
static void haar_grid(const float *src, size_t src_pitch, int half_height, int half_width,
                      float scale, float *dst, size_t dst_pitch, size_t band_floats) {
    const __m512 factor = _mm512_set1_ps(scale);
    for (int j = 0; j < half_height; j++) {
        const float *top = src + 2 * (size_t)j * src_pitch, *bottom = top + src_pitch;
        float *out = dst + (size_t)j * dst_pitch;
        for (int q = 0; q < half_width; q++) {
            const size_t at = 2 * (size_t)q * LANES;
            const __m512 a = load(top + at), b = load(top + at + LANES);
            const __m512 c = load(bottom + at), d = load(bottom + at + LANES);
            const __m512 sum_top = _mm512_add_ps(a, b), sum_bottom = _mm512_add_ps(c, d);
            const __m512 diff_top = _mm512_sub_ps(a, b), diff_bottom = _mm512_sub_ps(c, d);
            float *o = out + (size_t)q * LANES;
            store(o, _mm512_mul_ps(factor, _mm512_add_ps(sum_top, sum_bottom)));
            store(o + band_floats, _mm512_mul_ps(factor, _mm512_sub_ps(sum_top, sum_bottom)));
            store(o + 2 * band_floats, _mm512_mul_ps(factor, _mm512_add_ps(diff_top, diff_bottom)));
            store(o + 3 * band_floats, _mm512_mul_ps(factor, _mm512_sub_ps(diff_top, diff_bottom)));
        }
    }
}

/* One coefficient row j of four filtered subbands (`half_width` vectors each, one after
 * another) into rows 2j and 2j+1 of a reconstruction (height x width, pitch width vectors),
 * cropped: without the factor 1/2, a = s0+s1+s2+s3, b = s0+s1-s2-s3, c = s0-s1+s2-s3,
 * d = s0-s1-s2+s3. */
static void haar_inverse_row(const float *bands, int half_width, int j, float *recon, int height,
                             int width) {
    const size_t band = (size_t)half_width * LANES;
    float *top = recon + 2 * (size_t)j * (size_t)width * LANES;
    float *bottom = 2 * j + 1 < height ? top + (size_t)width * LANES : NULL;
    for (int q = 0; q < half_width; q++) {
        const float *s = bands + (size_t)q * LANES;
        const __m512 s0 = load(s), s1 = load(s + band), s2 = load(s + 2 * band),
                     s3 = load(s + 3 * band);
        const __m512 sum01 = _mm512_add_ps(s0, s1), diff01 = _mm512_sub_ps(s0, s1);
        const __m512 sum23 = _mm512_add_ps(s2, s3), diff23 = _mm512_sub_ps(s2, s3);
        const size_t at = 2 * (size_t)q * LANES;
        const int right = 2 * q + 1 < width;
        store(top + at, _mm512_add_ps(sum01, sum23));
        if (right)
            store(top + at + LANES, _mm512_sub_ps(sum01, sum23));
        if (bottom) {
            store(bottom + at, _mm512_add_ps(diff01, diff23));
            if (right)
                store(bottom + at + LANES, _mm512_sub_ps(diff01, diff23));
        }
    }
}

/* ---- depthwise rows on grids -------------------------------------------------------------- */

/* The taps of `n` output columns from the window whose top-left vector is `in` (row pitch
 * `pitch` floats), k constant: per tap row, its k weight vectors in registers, and each input
 * vector of the row loaded once and fed to the (up to k) outputs it reaches. */
WTCONV_INLINE void taps_sliding(const float *in, size_t pitch, const float *weights, const int k,
                                const int n, __m512 *acc) {
    WTCONV_UNROLL
    for (int ky = 0; ky < k; ky++) {
        const float *row = in + (size_t)ky * pitch;
        __m512 w[MAX_SLIDING_K];
        WTCONV_UNROLL
        for (int kx = 0; kx < k; kx++)
            w[kx] = load(weights + (size_t)(ky * k + kx) * LANES);
        WTCONV_UNROLL
        for (int t = 0; t < n + k - 1; t++) {
            const __m512 v = load(row + (size_t)t * LANES);
            WTCONV_UNROLL
            for (int kx = 0; kx < k; kx++)
                if (t - kx >= 0 && t - kx < n)
                    acc[t - kx] = _mm512_fmadd_ps(v, w[kx], acc[t - kx]);
        }
    }
}

/* The same for any k: a tap's weight vector at a time, fed to the n outputs. */
WTCONV_INLINE void taps_any(const float *in, size_t pitch, const float *weights, int k, const int n,
                            __m512 *acc) {
    for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++) {
            const float *at = in + (size_t)ky * pitch + (size_t)kx * LANES;
            const __m512 w = load(weights + (size_t)(ky * k + kx) * LANES);
            WTCONV_UNROLL
            for (int o = 0; o < n; o++)
                acc[o] = _mm512_fmadd_ps(load(at + (size_t)o * LANES), w, acc[o]);
        }
}

/* Output columns [col, col + valid) of a row, computed as n (constant, >= valid): start +
 * init (where given), then the taps. k = 0: any k (`k_any`). */
WTCONV_INLINE void conv_chunk(const float *in, size_t pitch, const float *weights, const int k,
                              int k_any, const float *init, __m512 start, float *out, int col,
                              int valid, const int n) {
    __m512 acc[CHUNK];
    WTCONV_UNROLL
    for (int o = 0; o < n; o++)
        acc[o] = init && o < valid ? _mm512_add_ps(start, load(init + (size_t)(col + o) * LANES))
                                   : start;
    if (k)
        taps_sliding(in + (size_t)col * LANES, pitch, weights, k, n, acc);
    else
        taps_any(in + (size_t)col * LANES, pitch, weights, k_any, n, acc);
    WTCONV_UNROLL
    for (int o = 0; o < n; o++)
        if (o < valid)
            store(out + (size_t)(col + o) * LANES, acc[o]);
}

/* One output row of a depthwise 'same' cross-correlation: `width` columns from the padded
 * grid rows at `in` (the window of output column 0, pitch `pitch` floats), out = start +
 * init + taps. init may be out (each vector is read before it is written). */
typedef void (*conv_row_fn)(const float *in, size_t pitch, const float *weights, int k,
                            const float *init, __m512 start, float *out, int width);

#define DEFINE_CONV_ROW(name, K)                                                                   \
    static void name(const float *in, size_t pitch, const float *weights, int k,                   \
                     const float *init, __m512 start, float *out, int width) {                     \
        int col = 0;                                                                               \
        (void)k;                                                                                   \
        for (; width - col > CHUNK / 2; col += CHUNK)                                              \
            conv_chunk(in, pitch, weights, K, k, init, start, out, col,                            \
                       width - col < CHUNK ? width - col : CHUNK, CHUNK);                          \
        if (col < width)                                                                           \
            conv_chunk(in, pitch, weights, K, k, init, start, out, col, width - col, CHUNK / 2);   \
    }
DEFINE_CONV_ROW(conv_row3, 3)
DEFINE_CONV_ROW(conv_row5, 5)
DEFINE_CONV_ROW(conv_row7, 7)
DEFINE_CONV_ROW(conv_row_any, 0)

static conv_row_fn conv_row_for(int k) {
    return k == 3 ? conv_row3 : k == 5 ? conv_row5 : k == 7 ? conv_row7 : conv_row_any;
}

/* ---- the layer on a block ------------------------------------------------------------------ */

void wtconv_cpu_channel_block_avx512(const wtconv_plan *plan, const wtconv_cpu_block_layout *layout,
                                     const float *weights, const float *x, float *y,
                                     float *scratch) {
    const int k = plan->kernel, levels = plan->levels;
    const size_t kk = (size_t)k * (size_t)k, pad = (size_t)(layout->before + layout->after);
    const size_t border = (size_t)layout->before;
    const conv_row_fn conv_row = conv_row_for(k);
    const __m512 zero = _mm512_setzero_ps();
    const size_t input_pitch = ((size_t)plan->width + pad) * LANES;
    float *input = scratch + layout->input;
    float *output = scratch + layout->recon[0];
    float *filtered = scratch + layout->filtered;

    planes_to_grid(x, plan->plane, plan->height, plan->width,
                   input + border * input_pitch + border * LANES, input_pitch);

    /* Forward: each level's subbands from the previous one's LL band, X_{i+1} = LL / 2. */
    {
        const float *src = input + border * input_pitch + border * LANES;
        size_t src_pitch = input_pitch;
        for (int i = 0; i < levels; i++) {
            const wtconv_level_plan *lv = &plan->level[i];
            const size_t pitch = ((size_t)lv->half_width + pad) * LANES;
            float *interior = scratch + layout->bands[i] + border * pitch + border * LANES;
            haar_grid(src, src_pitch, lv->half_height, lv->half_width, i ? 0.5f : 1.0f, interior,
                      pitch, layout->band_floats[i]);
            src = interior;
            src_pitch = pitch;
        }
    }

    /* Deepest level first: filter a coefficient row's subbands (the LL one starting from
     * R_{i+1}), invert it into R_i; R_0 lands in the output grid. */
    for (int i = levels - 1; i >= 0; i--) {
        const wtconv_level_plan *lv = &plan->level[i];
        const size_t pitch = ((size_t)lv->half_width + pad) * LANES;
        const float *bands = scratch + layout->bands[i];
        const float *level_weights = weights + (kk + 1 + (size_t)i * 4 * kk) * LANES;
        const float *deeper = i + 1 < levels ? scratch + layout->recon[i + 1] : NULL;
        const size_t coefficient_row = (size_t)lv->half_width * LANES;
        for (int j = 0; j < lv->half_height; j++) {
            for (int s = 0; s < 4; s++)
                conv_row(bands + (size_t)s * layout->band_floats[i] + (size_t)j * pitch, pitch,
                         level_weights + (size_t)s * kk * LANES, k,
                         s == 0 && deeper ? deeper + (size_t)j * coefficient_row : NULL, zero,
                         filtered + (size_t)s * coefficient_row, lv->half_width);
            haar_inverse_row(filtered, lv->half_width, j, scratch + layout->recon[i], lv->height,
                             lv->width);
        }
    }

    /* The base branch on the rows the stride keeps: bias + R_0 + taps. */
    {
        const __m512 bias = load(weights + kk * LANES);
        const size_t row = (size_t)plan->width * LANES;
        for (int r = 0; r < plan->height; r += plan->stride)
            conv_row(input + (size_t)r * input_pitch, input_pitch, weights, k,
                     output + (size_t)r * row, bias, output + (size_t)r * row, plan->width);
    }
    grid_to_planes(output, plan, y);
}
