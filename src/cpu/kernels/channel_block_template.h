/* Template (kernels/stamp.h) of the channel-block path (cpu/channel_block.h), included once by
 * each instruction set's file. Words (kernels/vector_undef.h): V_VEC, V_LANES (channels per
 * block), V_LOAD, V_STORE, V_LOAD_FIRST, V_STORE_FIRST, V_ADD, V_SUB, V_MUL, V_FMADD, V_SET1,
 * V_ZERO, V_TRANSPOSE; and its own parameters:
 *   CB_CHUNK   output columns per chunk of a depthwise row, 4 or 8 (a row's last chunk may
 *              take half)
 *   CB_ENTRY   the name of the wtconv_channel_block_fn it defines. */

/* The largest k whose taps slide along a chunk's loaded input vectors (unrolled). */
#define CB_MAX_SLIDING_K 7

WTCONV_INLINE V_VEC load(const float *p) { return V_LOAD(p); }
WTCONV_INLINE void store(float *p, V_VEC v) { V_STORE(p, v); }

/* ---- transposes between planes and grids --------------------------------------------------- */

/* The V_LANES input planes' H x W into the grid's interior (row pitch `pitch` floats). */
static void planes_to_grid(const float *x, size_t plane, int height, int width, float *grid,
                           size_t pitch) {
    for (int row = 0; row < height; row++)
        for (int col = 0; col < width; col += V_LANES) {
            const int n = width - col < V_LANES ? width - col : V_LANES;
            const float *src = x + (size_t)row * (size_t)width + (size_t)col;
            float *dst = grid + (size_t)row * pitch + (size_t)col * V_LANES;
            V_VEC r[V_LANES];
            WTCONV_UNROLL
            for (int p = 0; p < V_LANES; p++)
                r[p] = V_LOAD_FIRST(src + (size_t)p * plane, n);
            V_TRANSPOSE(r);
            for (int j = 0; j < n; j++)
                store(dst + (size_t)j * V_LANES, r[j]);
        }
}

/* Output row `out_row` of the V_LANES planes from a row of W vectors, keeping the columns the
 * stride keeps. */
static void row_to_planes(const float *row, const wtconv_plan *plan, float *y, int out_row) {
    const int stride = plan->stride, out_w = plan->out_width;
    for (int col = 0; col < out_w; col += V_LANES) {
        const int n = out_w - col < V_LANES ? out_w - col : V_LANES;
        float *dst = y + (size_t)out_row * (size_t)out_w + (size_t)col;
        V_VEC r[V_LANES];
        WTCONV_UNROLL
        for (int j = 0; j < V_LANES; j++)
            r[j] = j < n ? load(row + (size_t)(col + j) * (size_t)stride * V_LANES) : V_ZERO();
        V_TRANSPOSE(r);
        WTCONV_UNROLL
        for (int p = 0; p < V_LANES; p++)
            V_STORE_FIRST(dst + (size_t)p * plan->out_plane, n, r[p]);
    }
}

/* ---- Haar transforms on grids ------------------------------------------------------------- */

/* Subband s (without the factor 1/2) of a level's input, halved where `halve` is set (the
 * next level's input, X_{i+1} = LL / 2): the input's interior at src (pitch src_pitch floats;
 * the zero row and column after an odd side are its border), the subband's at dst (pitch
 * dst_pitch). s0 = (a+b)+(c+d), s1 = (a+b)-(c+d), s2 = (a-b)+(c-d), s3 = (a-b)-(c-d) for the
 * block a b / c d. */
WTCONV_INLINE void haar_band_body(const float *src, size_t src_pitch, int half_height,
                                  int half_width, const int s, const int halve, float *dst,
                                  size_t dst_pitch) {
    const V_VEC half = V_SET1(0.5f);
    for (int j = 0; j < half_height; j++) {
        const float *top = src + 2 * (size_t)j * src_pitch, *bottom = top + src_pitch;
        float *out = dst + (size_t)j * dst_pitch;
        for (int q = 0; q < half_width; q++) {
            const size_t at = 2 * (size_t)q * V_LANES;
            const V_VEC a = load(top + at), b = load(top + at + V_LANES);
            const V_VEC c = load(bottom + at), d = load(bottom + at + V_LANES);
            const V_VEC upper = s < 2 ? V_ADD(a, b) : V_SUB(a, b);
            const V_VEC lower = s < 2 ? V_ADD(c, d) : V_SUB(c, d);
            const V_VEC v = s % 2 ? V_SUB(upper, lower) : V_ADD(upper, lower);
            store(out + (size_t)q * V_LANES, halve ? V_MUL(half, v) : v);
        }
    }
}

static void haar_band(const float *src, size_t src_pitch, int half_height, int half_width, int s,
                      float *dst, size_t dst_pitch) {
    switch (s) {
    case 0:
        haar_band_body(src, src_pitch, half_height, half_width, 0, 0, dst, dst_pitch);
        break;
    case 1:
        haar_band_body(src, src_pitch, half_height, half_width, 1, 0, dst, dst_pitch);
        break;
    case 2:
        haar_band_body(src, src_pitch, half_height, half_width, 2, 0, dst, dst_pitch);
        break;
    default:
        haar_band_body(src, src_pitch, half_height, half_width, 3, 0, dst, dst_pitch);
        break;
    }
}

/* The next level's input: X_{i+1} = LL(X_i) / 2. */
static void haar_next_input(const float *src, size_t src_pitch, int half_height, int half_width,
                            float *dst, size_t dst_pitch) {
    haar_band_body(src, src_pitch, half_height, half_width, 0, 1, dst, dst_pitch);
}

/* One coefficient row of four filtered subbands (`half_width` vectors each, band_floats
 * apart) into two rows of a reconstruction, `width` columns (cropped), the second only where
 * `bottom` is given: without the factor 1/2, a = s0+s1+s2+s3, b = s0+s1-s2-s3,
 * c = s0-s1+s2-s3, d = s0-s1-s2+s3. */
static void haar_inverse_row(const float *bands, size_t band_floats, int half_width, float *top,
                             float *bottom, int width) {
    for (int q = 0; q < half_width; q++) {
        const float *s = bands + (size_t)q * V_LANES;
        const V_VEC s0 = load(s), s1 = load(s + band_floats), s2 = load(s + 2 * band_floats),
                    s3 = load(s + 3 * band_floats);
        const V_VEC sum01 = V_ADD(s0, s1), diff01 = V_SUB(s0, s1);
        const V_VEC sum23 = V_ADD(s2, s3), diff23 = V_SUB(s2, s3);
        const size_t at = 2 * (size_t)q * V_LANES;
        const int right = 2 * q + 1 < width;
        store(top + at, V_ADD(sum01, sum23));
        if (right)
            store(top + at + V_LANES, V_SUB(sum01, sum23));
        if (bottom) {
            store(bottom + at, V_ADD(diff01, diff23));
            if (right)
                store(bottom + at + V_LANES, V_SUB(diff01, diff23));
        }
    }
}

/* ---- depthwise rows on grids -------------------------------------------------------------- */

/* The taps of `n` output columns from the window whose top-left vector is `in` (row pitch
 * `pitch` floats), k constant: per tap row, its k weight vectors in registers, and each input
 * vector of the row loaded once and fed to the (up to k) outputs it reaches. The even tap
 * rows (ky = 0, 2, ..) go into acc, the odd ones into odd (from zero; the caller adds the
 * two): 2n independent FMA chains, so that two FMA pipes of latency 4 stay busy (one chain per
 * output, 25 FMAs long for k = 5, left them waiting on their own results). */
WTCONV_INLINE void taps_sliding(const float *in, size_t pitch, const float *weights, const int k,
                                const int n, V_VEC *acc, V_VEC *odd) {
    WTCONV_UNROLL
    for (int ky = 0; ky < k; ky++) {
        const float *row = in + (size_t)ky * pitch;
        V_VEC *sum = ky % 2 ? odd : acc;
        V_VEC w[CB_MAX_SLIDING_K];
        WTCONV_UNROLL
        for (int kx = 0; kx < k; kx++)
            w[kx] = load(weights + (size_t)(ky * k + kx) * V_LANES);
        WTCONV_UNROLL
        for (int t = 0; t < n + k - 1; t++) {
            const V_VEC v = load(row + (size_t)t * V_LANES);
            WTCONV_UNROLL
            for (int kx = 0; kx < k; kx++)
                if (t - kx >= 0 && t - kx < n)
                    sum[t - kx] = V_FMADD(v, w[kx], sum[t - kx]);
        }
    }
}

/* The same for any k: a tap's weight vector at a time, fed to the n outputs. */
WTCONV_INLINE void taps_any(const float *in, size_t pitch, const float *weights, int k, const int n,
                            V_VEC *acc) {
    for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++) {
            const float *at = in + (size_t)ky * pitch + (size_t)kx * V_LANES;
            const V_VEC w = load(weights + (size_t)(ky * k + kx) * V_LANES);
            WTCONV_UNROLL
            for (int o = 0; o < n; o++)
                acc[o] = V_FMADD(load(at + (size_t)o * V_LANES), w, acc[o]);
        }
}

/* Output columns [col, col + valid) of a row, computed as n (constant, >= valid): start +
 * init (where given), then the taps. k = 0: any k (`k_any`). */
WTCONV_INLINE void conv_chunk(const float *in, size_t pitch, const float *weights, const int k,
                              int k_any, const float *init, V_VEC start, float *out, int col,
                              int valid, const int n) {
    V_VEC acc[CB_CHUNK], odd[CB_CHUNK];
    WTCONV_UNROLL
    for (int o = 0; o < n; o++) {
        acc[o] = init && o < valid ? V_ADD(start, load(init + (size_t)(col + o) * V_LANES)) : start;
        odd[o] = V_ZERO();
    }
    if (k)
        taps_sliding(in + (size_t)col * V_LANES, pitch, weights, k, n, acc, odd);
    else
        taps_any(in + (size_t)col * V_LANES, pitch, weights, k_any, n, acc);
    WTCONV_UNROLL
    for (int o = 0; o < n; o++)
        if (o < valid)
            store(out + (size_t)(col + o) * V_LANES, k ? V_ADD(acc[o], odd[o]) : acc[o]);
}

/* One output row of a depthwise 'same' cross-correlation: `width` columns from the padded
 * grid rows at `in` (the window of output column 0, pitch `pitch` floats), out = start +
 * init + taps. init may be out (each vector is read before it is written). */
typedef void (*conv_row_fn)(const float *in, size_t pitch, const float *weights, int k,
                            const float *init, V_VEC start, float *out, int width);

/* A stamp as in kernels/stamp.h, for this template's rows: conv_row3, conv_row5 and conv_row7
 * from conv_chunk with k constant, conv_row_any from it with k = 0 (any k), in chunks of
 * CB_CHUNK columns and a last one of CB_CHUNK or half as many. */
#define STAMP_CONV_ROW(name, K)                                                                    \
    static void name(const float *in, size_t pitch, const float *weights, int k,                   \
                     const float *init, V_VEC start, float *out, int width) {                      \
        int col = 0;                                                                               \
        (void)k;                                                                                   \
        for (; width - col > CB_CHUNK / 2; col += CB_CHUNK)                                        \
            conv_chunk(in, pitch, weights, K, k, init, start, out, col,                            \
                       width - col < CB_CHUNK ? width - col : CB_CHUNK, CB_CHUNK);                 \
        if (col < width)                                                                           \
            conv_chunk(in, pitch, weights, K, k, init, start, out, col, width - col,               \
                       CB_CHUNK / 2);                                                              \
    }
STAMP_CONV_ROW(conv_row3, 3)
STAMP_CONV_ROW(conv_row5, 5)
STAMP_CONV_ROW(conv_row7, 7)
STAMP_CONV_ROW(conv_row_any, 0)

/* The same for rows that split into chunks of N columns exactly (k = K constant): a
 * 14-column row in two chunks of 7 instead of 8 + 8 with 2 columns computed for nothing, a
 * 7-column row in one of 7. */
#define STAMP_CONV_ROW_EVEN(K, N)                                                                  \
    static void conv_row##K##_by##N(const float *in, size_t pitch, const float *weights, int k,    \
                                    const float *init, V_VEC start, float *out, int width) {       \
        (void)k;                                                                                   \
        for (int col = 0; col < width; col += (N))                                                 \
            conv_chunk(in, pitch, weights, K, k, init, start, out, col, (N), (N));                 \
    }
#define STAMP_CONV_ROWS_EVEN(N)                                                                    \
    STAMP_CONV_ROW_EVEN(3, N) STAMP_CONV_ROW_EVEN(5, N) STAMP_CONV_ROW_EVEN(7, N)
#define CONV_ROWS_EVEN(N)                                                                          \
    { conv_row3_by##N, conv_row5_by##N, conv_row7_by##N }
#if CB_CHUNK == 8
STAMP_CONV_ROWS_EVEN(5)
STAMP_CONV_ROWS_EVEN(6)
STAMP_CONV_ROWS_EVEN(7)
#define CB_EVEN_MIN 5 /* chunk sizes 5..7 (8 and 1..4: the rows above do as well) */
static const conv_row_fn conv_rows_even[][3] = {CONV_ROWS_EVEN(5), CONV_ROWS_EVEN(6),
                                                CONV_ROWS_EVEN(7)};
#elif CB_CHUNK == 4
STAMP_CONV_ROWS_EVEN(3)
#define CB_EVEN_MIN 3
static const conv_row_fn conv_rows_even[][3] = {CONV_ROWS_EVEN(3)};
#else
#error "CB_CHUNK must be 4 or 8"
#endif

/* The row function for kernel size k and rows `width` wide: in as few chunks as CB_CHUNK
 * allows, all of one size where that fills them exactly. Chosen once per level. */
static conv_row_fn conv_row_for(int k, int width) {
    const int chunks = (width + CB_CHUNK - 1) / CB_CHUNK;
    const int n = width / chunks;
    if ((k == 3 || k == 5 || k == 7) && n * chunks == width && n >= CB_EVEN_MIN && n < CB_CHUNK)
        return conv_rows_even[n - CB_EVEN_MIN][k / 2 - 1];
    return k == 3 ? conv_row3 : k == 5 ? conv_row5 : k == 7 ? conv_row7 : conv_row_any;
}

/* ---- the layer on a block ------------------------------------------------------------------ */

/* Level i's filtered subbands into `filtered` (h' x w' each, one after another): each subband
 * made from X_i (at src, pitch src_pitch) into the level's padded grid, then filtered, the LL
 * one starting from R_{i+1} (`deeper`, h' x w', or NULL). */
static void filter_level(const wtconv_plan *plan, const wtconv_cpu_block_layout *layout, int i,
                         const float *src, size_t src_pitch, const float *weights,
                         const float *deeper, float *scratch, wtconv_cpu_prefetch *prefetch) {
    const wtconv_level_plan *lv = &plan->level[i];
    const int k = plan->kernel;
    const size_t kk = (size_t)k * (size_t)k;
    const size_t pitch =
        ((size_t)lv->half_width + (size_t)(layout->before + layout->after)) * V_LANES;
    const size_t border = (size_t)layout->before * (pitch + V_LANES);
    const size_t band_floats = lv->half_plane * V_LANES, row = (size_t)lv->half_width * V_LANES;
    const conv_row_fn conv_row = conv_row_for(k, lv->half_width);
    float *band = scratch + layout->band[i];
    float *filtered = scratch + layout->filtered;
    for (int s = 0; s < 4; s++) {
        haar_band(src, src_pitch, lv->half_height, lv->half_width, s, band + border, pitch);
        for (int j = 0; j < lv->half_height; j++) {
            conv_row(band + (size_t)j * pitch, pitch, weights + (size_t)s * kk * V_LANES, k,
                     s == 0 && deeper ? deeper + (size_t)j * row : NULL, V_ZERO(),
                     filtered + (size_t)s * band_floats + (size_t)j * row, lv->half_width);
            wtconv_cpu_prefetch_step(prefetch);
        }
    }
}

void CB_ENTRY(const wtconv_plan *plan, const wtconv_cpu_block_layout *layout, const float *weights,
              const float *x, float *y, float *scratch, wtconv_cpu_prefetch *prefetch) {
    const int k = plan->kernel, levels = plan->levels, width = plan->width;
    const size_t kk = (size_t)k * (size_t)k, pad = (size_t)(layout->before + layout->after);
    const size_t input_pitch = ((size_t)width + pad) * V_LANES;
    const float *input = scratch + layout->input;
    float *interior = scratch + layout->input + (size_t)layout->before * (input_pitch + V_LANES);
    const float *filtered = scratch + layout->filtered;
    const wtconv_level_plan *top = &plan->level[0];

    planes_to_grid(x, plan->plane, plan->height, width, interior, input_pitch);

    /* The LL chain: X_{i+1} = LL(X_i) / 2. */
    for (int i = 1; i < levels; i++) {
        const wtconv_level_plan *from = &plan->level[i - 1];
        const float *src = i == 1 ? interior : scratch + layout->ll[i - 1];
        const size_t src_pitch =
            i == 1 ? input_pitch : ((size_t)plan->level[i - 1].width + 1) * V_LANES;
        haar_next_input(src, src_pitch, from->half_height, from->half_width,
                        scratch + layout->ll[i], ((size_t)plan->level[i].width + 1) * V_LANES);
    }

    /* Levels 1.. deepest first: filter, invert into R_i. */
    for (int i = levels - 1; i >= 1; i--) {
        const wtconv_level_plan *lv = &plan->level[i];
        const size_t band_floats = lv->half_plane * V_LANES, row = (size_t)lv->width * V_LANES;
        float *recon = scratch + layout->recon[i];
        filter_level(plan, layout, i, scratch + layout->ll[i], ((size_t)lv->width + 1) * V_LANES,
                     weights + (kk + 1 + (size_t)i * 4 * kk) * V_LANES,
                     i + 1 < levels ? scratch + layout->recon[i + 1] : NULL, scratch, prefetch);
        for (int j = 0; j < lv->half_height; j++)
            haar_inverse_row(filtered + (size_t)j * (size_t)lv->half_width * V_LANES, band_floats,
                             lv->half_width, recon + 2 * (size_t)j * row,
                             2 * j + 1 < lv->height ? recon + (2 * (size_t)j + 1) * row : NULL,
                             lv->width);
    }

    /* Level 0, then two rows at a time: R_0's from a coefficient row, and on them the base
     * branch (bias + R_0 + taps) of the rows the stride keeps, out to the planes. */
    filter_level(plan, layout, 0, interior, input_pitch, weights + (kk + 1) * V_LANES,
                 levels > 1 ? scratch + layout->recon[1] : NULL, scratch, prefetch);
    {
        const conv_row_fn conv_row = conv_row_for(k, width);
        const V_VEC bias = load(weights + kk * V_LANES);
        const size_t band_floats = top->half_plane * V_LANES;
        float *rows[2] = {scratch + layout->rows, scratch + layout->rows + (size_t)width * V_LANES};
        for (int j = 0; j < top->half_height; j++) {
            haar_inverse_row(filtered + (size_t)j * (size_t)top->half_width * V_LANES, band_floats,
                             top->half_width, rows[0], 2 * j + 1 < plan->height ? rows[1] : NULL,
                             width);
            for (int r = 2 * j; r < 2 * j + 2 && r < plan->height; r++) {
                if (r % plan->stride)
                    continue;
                conv_row(input + (size_t)r * input_pitch, input_pitch, weights, k, rows[r - 2 * j],
                         bias, rows[r - 2 * j], width);
                row_to_planes(rows[r - 2 * j], plan, y, r / plan->stride);
                wtconv_cpu_prefetch_step(prefetch);
            }
        }
    }
}

#undef STAMP_CONV_ROW
#undef STAMP_CONV_ROW_EVEN
#undef STAMP_CONV_ROWS_EVEN
#undef CONV_ROWS_EVEN
#undef CB_EVEN_MIN
#undef CB_MAX_SLIDING_K
#undef CB_CHUNK
#undef CB_ENTRY
#include "cpu/kernels/vector_undef.h"
