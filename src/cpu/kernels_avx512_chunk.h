/* Template for kernels_avx512.c, included once per vector width (no include guard): one chunk
 * of CHUNK_LANES columns of a depthwise block. Expects CHUNK_LANES, CHUNK_VEC, CHUNK_MASK,
 * CHUNK_NAME(name) (a name with the width's suffix), and the intrinsics CHUNK_LOAD(mask, p),
 * CHUNK_STORE(p, mask, v), CHUNK_SET1(f), CHUNK_ADD(a, b), CHUNK_FMADD(a, b, c).
 *
 * `rows` accumulators; every input row in the block's window is loaded once per tap column
 * kx and fed to each output row that uses it (up to min(rows, k)). Loads and stores are
 * masked to the lanes inside the row: zero fill at the plane's sides, no padded copies. */

/* The lanes of a vector starting at column `start` of a `width`-column row that lie inside
 * the row. */
WTCONV_INLINE CHUNK_MASK CHUNK_NAME(lanes_inside)(int start, int width) {
    const int first = start < 0 ? -start : 0;
    const int end = width - start < CHUNK_LANES ? width - start : CHUNK_LANES;
    if (end <= first)
        return 0;
    return (CHUNK_MASK)(((1u << end) - 1u) & ~((1u << first) - 1u));
}

/* Columns [x, x + CHUNK_LANES) of the block, k constant: the loops unroll into straight-line
 * FMAs. Tap column kx outermost: its k weights are broadcast once into registers (k + rows + 1
 * vectors live at most), then every input row of the window is loaded at that column offset
 * once and fed to the outputs it reaches. Broadcasting each weight as a memory operand of
 * every FMA instead costs a load per FMA, and the loads then compete with the rows'. */
WTCONV_INLINE void CHUNK_NAME(dwconv_chunk)(const float *const *in, const float *const *init,
                                            float bias, const float *weights, const int k,
                                            int width, float *const *out, const int rows, int x) {
    const int before = (k - 1) / 2;
    const CHUNK_MASK store = CHUNK_NAME(lanes_inside)(x, width);
    const float *w = weights;
    CHUNK_VEC acc[WTCONV_CPU_MAX_ROWS];
    CHUNK_MASK keep[MAX_UNROLLED_K]; /* per tap column: its lanes inside the row */
    WTCONV_UNROLL
    for (int kx = 0; kx < k; kx++)
        keep[kx] = CHUNK_NAME(lanes_inside)(x + kx - before, width);
    WTCONV_OPAQUE(w);
    WTCONV_UNROLL
    for (int o = 0; o < rows; o++)
        acc[o] =
            init ? CHUNK_ADD(CHUNK_SET1(bias), CHUNK_LOAD(store, init[o] + x)) : CHUNK_SET1(bias);
    WTCONV_UNROLL
    for (int kx = 0; kx < k; kx++) {
        CHUNK_VEC column_weights[MAX_UNROLLED_K];
        WTCONV_UNROLL
        for (int ky = 0; ky < k; ky++)
            column_weights[ky] = CHUNK_SET1(w[ky * k + kx]);
        WTCONV_UNROLL
        for (int r = 0; r < rows + k - 1; r++) {
            const float *row = in[r];
            if (!row)
                continue;
            {
                const CHUNK_VEC v = CHUNK_LOAD(keep[kx], column(row, x + kx - before));
                WTCONV_UNROLL
                for (int o = 0; o < rows; o++) {
                    const int ky = r - o;
                    if (ky >= 0 && ky < k)
                        acc[o] = CHUNK_FMADD(v, column_weights[ky], acc[o]);
                }
            }
        }
    }
    WTCONV_UNROLL
    for (int o = 0; o < rows; o++)
        CHUNK_STORE(out[o] + x, store, acc[o]);
}

/* The same for a k known only at run time: the tap loops stay loops, taps outermost, so that
 * each weight is broadcast once for all the block's rows (unrolled: the accumulators stay in
 * registers) and no input row has to ask which of its outputs a tap reaches. Each input vector
 * is loaded once per output row it serves, so here loads rather than FMAs set the pace. */
WTCONV_INLINE void CHUNK_NAME(dwconv_chunk_any)(const float *const *in, const float *const *init,
                                                float bias, const float *weights, int k, int width,
                                                float *const *out, const int rows, int x) {
    const int before = (k - 1) / 2;
    const CHUNK_MASK store = CHUNK_NAME(lanes_inside)(x, width);
    CHUNK_VEC acc[WTCONV_CPU_MAX_ROWS];
    CHUNK_MASK keep[MAX_KERNEL];
    for (int kx = 0; kx < k; kx++)
        keep[kx] = CHUNK_NAME(lanes_inside)(x + kx - before, width);
    WTCONV_UNROLL
    for (int o = 0; o < rows; o++)
        acc[o] =
            init ? CHUNK_ADD(CHUNK_SET1(bias), CHUNK_LOAD(store, init[o] + x)) : CHUNK_SET1(bias);
    for (int ky = 0; ky < k; ky++) {
        for (int kx = 0; kx < k; kx++) {
            const CHUNK_VEC weight = CHUNK_SET1(weights[ky * k + kx]);
            const int col = x + kx - before;
            WTCONV_UNROLL
            for (int o = 0; o < rows; o++) {
                const float *row = in[o + ky];
                if (row)
                    acc[o] = CHUNK_FMADD(CHUNK_LOAD(keep[kx], column(row, col)), weight, acc[o]);
            }
        }
    }
    WTCONV_UNROLL
    for (int o = 0; o < rows; o++)
        CHUNK_STORE(out[o] + x, store, acc[o]);
}
