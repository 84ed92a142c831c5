/* Template (kernels/stamp.h) for kernels/x86/avx512.c, included once per vector width, zmm and
 * ymm: one chunk of V_LANES columns of a depthwise block, the bodies dwconv_block,
 * dwconv_block_any and dwconv_block_bands are made of. Words (kernels/vector_undef.h): V_VEC,
 * V_LANES, V_MASK, V_NAME, V_MASKZ_LOAD, V_MASK_STORE, V_SET1, V_ZERO, V_ADD, V_FMADD; for
 * vectors of half as many lanes V_HALF_VEC, V_HALF_MASK, V_HALF_MASKZ_LOAD, V_HALF_ADD,
 * V_HALF_SUB, and V_INTERLEAVE.
 *
 * `rows` accumulators; every input row in the block's window is loaded once per tap column
 * kx and fed to each output row that uses it (up to min(rows, k)). Loads and stores are
 * masked to the lanes inside the row: zero fill at the plane's sides, no padded copies. */

/* The lanes of a vector starting at column `start` of a `width`-column row that lie inside
 * the row. */
WTCONV_INLINE V_MASK V_NAME(lanes_inside)(int start, int width) {
    const int first = start < 0 ? -start : 0;
    const int end = width - start < V_LANES ? width - start : V_LANES;
    if (end <= first)
        return 0;
    return (V_MASK)(((1u << end) - 1u) & ~((1u << first) - 1u));
}

/* The taps of columns [x, x + V_LANES) of the block, k constant, added to acc: the loops
 * unroll into straight-line FMAs. Tap column kx outermost: its k weights are broadcast once
 * into registers (k + rows + 1 vectors live at most), then every input row of the window is
 * loaded at that column offset once and fed to the outputs it reaches. Broadcasting each
 * weight as a memory operand of every FMA instead costs a load per FMA, and the loads then
 * compete with the rows'.
 * Two partial sums per output row: the odd tap columns (kx = 1, 3, ..) go into acc (which
 * holds bias + init), the even ones (kx = 0, 2, ..) into a sum from zero, and the two are
 * added at the end. 2 * rows independent FMA chains, so that two FMA pipes of latency 4 stay
 * busy (one chain per row left them waiting on each other's results: kernel-bench gave
 * 5-15% more GFLOP/s on Zen 5), and the first columns' FMAs need not wait for the initial
 * values. Every output's order is the same in any block or chunk. */
WTCONV_INLINE void V_NAME(dwconv_taps)(const float *const *in, const float *weights, const int k,
                                       int width, const int rows, int x, V_VEC *acc) {
    const int before = (k - 1) / 2;
    const float *w = weights;
    V_MASK keep[MAX_UNROLLED_K]; /* per tap column: its lanes inside the row */
    WTCONV_UNROLL
    for (int kx = 0; kx < k; kx++)
        keep[kx] = V_NAME(lanes_inside)(x + kx - before, width);
    V_VEC even[WTCONV_CPU_MAX_ROWS]; /* the even tap columns' partial sums */
    WTCONV_UNROLL
    for (int o = 0; o < rows; o++)
        even[o] = V_ZERO();
    WTCONV_OPAQUE(w);
    WTCONV_UNROLL
    for (int kx = 0; kx < k; kx++) {
        V_VEC column_weights[MAX_UNROLLED_K];
        V_VEC *sum = kx % 2 ? acc : even;
        WTCONV_UNROLL
        for (int ky = 0; ky < k; ky++)
            column_weights[ky] = V_SET1(w[ky * k + kx]);
        WTCONV_UNROLL
        for (int r = 0; r < rows + k - 1; r++) {
            const float *row = in[r];
            if (!row)
                continue;
            {
                const V_VEC v = V_MASKZ_LOAD(keep[kx], column(row, x + kx - before));
                WTCONV_UNROLL
                for (int o = 0; o < rows; o++) {
                    const int ky = r - o;
                    if (ky >= 0 && ky < k)
                        sum[o] = V_FMADD(v, column_weights[ky], sum[o]);
                }
            }
        }
    }
    WTCONV_UNROLL
    for (int o = 0; o < rows; o++)
        acc[o] = V_ADD(acc[o], even[o]);
}

/* Columns [x, x + V_LANES) of the block: bias + init, then the taps. */
WTCONV_INLINE void V_NAME(dwconv_chunk)(const float *const *in, const float *const *init,
                                        float bias, const float *weights, const int k, int width,
                                        float *const *out, const int rows, int x) {
    const V_MASK store = V_NAME(lanes_inside)(x, width);
    V_VEC acc[WTCONV_CPU_MAX_ROWS];
    WTCONV_UNROLL
    for (int o = 0; o < rows; o++)
        acc[o] = init ? V_ADD(V_SET1(bias), V_MASKZ_LOAD(store, init[o] + x)) : V_SET1(bias);
    V_NAME(dwconv_taps)(in, weights, k, width, rows, x, acc);
    WTCONV_UNROLL
    for (int o = 0; o < rows; o++)
        V_MASK_STORE(out[o] + x, store, acc[o]);
}

/* The same with the initial values made from filtered subbands (wtconv_dwconv_bands_fn):
 * each coefficient row's four half-width vectors give output rows 2c and 2c+1 of the chunk,
 * even and odd columns interleaved, in haar_inverse's order of operations. x is even, so
 * the chunk's half columns start at x / 2. */
WTCONV_INLINE void V_NAME(dwconv_chunk_bands)(const float *const *in, const float *bands,
                                              size_t row_pitch, size_t band_pitch, float bias,
                                              const float *weights, const int k, int width,
                                              float *const *out, const int rows, int x) {
    const V_MASK store = V_NAME(lanes_inside)(x, width);
    const V_HALF_MASK half = (V_HALF_MASK)V_NAME(lanes_inside)(x / 2, (width + 1) / 2);
    const V_VEC b = V_SET1(bias);
    V_VEC acc[WTCONV_CPU_MAX_ROWS];
    WTCONV_UNROLL
    for (int o = 0; o < rows; o += 2) {
        const float *s = bands + (size_t)(o / 2) * row_pitch + x / 2;
        const V_HALF_VEC s0 = V_HALF_MASKZ_LOAD(half, s);
        const V_HALF_VEC s1 = V_HALF_MASKZ_LOAD(half, s + band_pitch);
        const V_HALF_VEC s2 = V_HALF_MASKZ_LOAD(half, s + 2 * band_pitch);
        const V_HALF_VEC s3 = V_HALF_MASKZ_LOAD(half, s + 3 * band_pitch);
        const V_HALF_VEC p01 = V_HALF_ADD(s0, s1), p23 = V_HALF_ADD(s2, s3);
        acc[o] = V_ADD(b, V_INTERLEAVE(V_HALF_ADD(p01, p23), V_HALF_SUB(p01, p23)));
        if (o + 1 < rows) {
            const V_HALF_VEC m01 = V_HALF_SUB(s0, s1), m23 = V_HALF_SUB(s2, s3);
            acc[o + 1] = V_ADD(b, V_INTERLEAVE(V_HALF_ADD(m01, m23), V_HALF_SUB(m01, m23)));
        }
    }
    V_NAME(dwconv_taps)(in, weights, k, width, rows, x, acc);
    WTCONV_UNROLL
    for (int o = 0; o < rows; o++)
        V_MASK_STORE(out[o] + x, store, acc[o]);
}

/* The same for a k known only at run time: the tap loops stay loops, taps outermost, so that
 * each weight is broadcast once for all the block's rows (unrolled: the accumulators stay in
 * registers) and no input row has to ask which of its outputs a tap reaches. Each input vector
 * is loaded once per output row it serves, so here loads rather than FMAs set the pace. */
WTCONV_INLINE void V_NAME(dwconv_chunk_any)(const float *const *in, const float *const *init,
                                            float bias, const float *weights, int k, int width,
                                            float *const *out, const int rows, int x) {
    const int before = (k - 1) / 2;
    const V_MASK store = V_NAME(lanes_inside)(x, width);
    V_VEC acc[WTCONV_CPU_MAX_ROWS];
    V_MASK keep[MAX_KERNEL];
    for (int kx = 0; kx < k; kx++)
        keep[kx] = V_NAME(lanes_inside)(x + kx - before, width);
    WTCONV_UNROLL
    for (int o = 0; o < rows; o++)
        acc[o] = init ? V_ADD(V_SET1(bias), V_MASKZ_LOAD(store, init[o] + x)) : V_SET1(bias);
    for (int ky = 0; ky < k; ky++) {
        for (int kx = 0; kx < k; kx++) {
            const V_VEC weight = V_SET1(weights[ky * k + kx]);
            const int col = x + kx - before;
            WTCONV_UNROLL
            for (int o = 0; o < rows; o++) {
                const float *row = in[o + ky];
                if (row)
                    acc[o] = V_FMADD(V_MASKZ_LOAD(keep[kx], column(row, col)), weight, acc[o]);
            }
        }
    }
    WTCONV_UNROLL
    for (int o = 0; o < rows; o++)
        V_MASK_STORE(out[o] + x, store, acc[o]);
}

#include "cpu/kernels/vector_undef.h"
