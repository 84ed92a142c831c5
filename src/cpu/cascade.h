/* Internal: the whole layer on one (n, c) plane, as passes over blocks of rows that keep what
 * they make in cache: per level, Haar rows go into a small ring, are filtered block by block
 * and inverted at once; the last pass adds the base branch and writes each output row once.
 *
 * With X_0 = x and X_i the raw LL band of level i-1 (h_i x w_i), and R_i what levels i.. add
 * back at level i's size:
 *   part 1 (L >= 2 only): X_1 .. X_{L-1} by a forward LL chain (X_1 from all of x's Haar
 *          rows where the caller keeps them for part 2); then, deepest first, level i's pass
 *          turns X_i into R_i in place (R_i = inverse Haar of the filtered subbands of X_i,
 *          with R_{i+1} added to the LL one). R_1 stays in the caller's `level1` buffer.
 *   part 2: level 0's pass over a range of coefficient rows: the same with x and R_1, whose
 *          inverse rows are the initial values of the base branch's accumulators (made by
 *          the base kernel itself from the filtered subbands where the kernels have one).
 * Part 2 on any split of the rows gives the same bits, which lets threads share out a plane. */
#ifndef WTCONV_CPU_CASCADE_H
#define WTCONV_CPU_CASCADE_H

#include <stddef.h>

#include "cpu/kernels.h"
#include "model/model.h"
#include "plan/plan.h"

typedef struct wtconv_cpu_layer {
    const wtconv_plan *plan;
    const wtconv_cpu_kernels *kernels;
    wtconv_dwconv_fn dwconv;             /* kernels' best for plan->kernel */
    wtconv_dwconv_bands_fn dwconv_bands; /* the same from subbands, or NULL */
    /* A level's four subbands in one call, or NULL (then one dwconv call per band). Where set,
     * the bands' rows lie side by side (see cascade.c) and wavelet_weight is interleaved by
     * tap: [channel][ky*k + kx][band]; else [channel][band][ky*k + kx]. */
    wtconv_dwconv_subbands_fn dwconv_subbands;
    const float *base_weight;                       /* C*k*k, base scale folded in */
    const float *base_bias;                         /* C, scaled likewise */
    const float *wavelet_weight[WTCONV_MAX_LEVELS]; /* 4C*k*k each, wavelet scales folded in */
} wtconv_cpu_layer;

/* Where tap t (= ky*k + kx, of kk = k*k) of subband s of channel c lies in a level's
 * wavelet_weight: by_tap (the layer has dwconv_subbands) [c][t][s], else [c][s][t]. */
static inline size_t wtconv_cpu_wavelet_at(int by_tap, size_t kk, size_t c, size_t s, size_t t) {
    return by_tap ? (c * kk + t) * 4 + s : (4 * c + s) * kk + t;
}

/* One worker's scratch memory. */
typedef struct wtconv_cpu_scratch {
    float *ring;                         /* Haar rows of the level being filtered */
    float *filtered;                     /* a block's filtered subband rows */
    float *wavelet_rows;                 /* level 0's reconstruction of a block's rows */
    float *strided_row;                  /* a base-branch row before subsampling */
    float *deep[WTCONV_MAX_LEVELS];      /* X_2 .. X_{L-1} */
    float *haar_rows[WTCONV_MAX_LEVELS]; /* all of X_i's Haar rows, or NULL (cascade.c) */
    const float **in_rows;               /* WTCONV_CPU_MAX_ROWS + k - 1 row pointers */
    const float *init_rows[WTCONV_CPU_MAX_ROWS];
    float *out_rows[WTCONV_CPU_MAX_ROWS];
} wtconv_cpu_scratch;

/* Floats of one worker's scratch for `plan` (each part a whole number of 64-byte lines), or 0
 * with *overflow set when that does not fit size_t. */
size_t wtconv_cpu_scratch_floats(const wtconv_plan *plan, int *overflow);
/* Row pointers one worker's scratch needs. */
size_t wtconv_cpu_scratch_pointers(const wtconv_plan *plan);
/* Carves `s` out of `floats` (64-byte aligned, wtconv_cpu_scratch_floats of them) and
 * `pointers` (wtconv_cpu_scratch_pointers of them). */
void wtconv_cpu_scratch_init(wtconv_cpu_scratch *s, const wtconv_plan *plan, float *floats,
                             const float **pointers);

/* Floats of the buffer that carries R_1 from part 1 to part 2 (0 when L = 1), a whole number
 * of 64-byte lines. */
size_t wtconv_cpu_level1_floats(const wtconv_plan *plan);

/* Floats of a plane's level-0 Haar rows, stored whole (wtconv_cpu_level1_bands), or 0 with
 * *overflow set when that does not fit size_t. */
size_t wtconv_cpu_bands_floats(const wtconv_plan *plan, int *overflow);

/* Part 1 for plane x of channel `channel` (L >= 2), in two steps: X_1, the LL band of x
 * (rows [first, end) of its ceil(H/2)), into level1; then the deeper levels, which turn X_1
 * into R_1 there. */
void wtconv_cpu_level1_input(const wtconv_cpu_layer *layer, const float *x, float *level1,
                             int first, int end);
void wtconv_cpu_plane_deep_levels(const wtconv_cpu_layer *layer, wtconv_cpu_scratch *s, int channel,
                                  float *level1);
/* Instead of wtconv_cpu_level1_input, where a worker has room for a plane's level-0 Haar rows
 * (`bands`, wtconv_cpu_bands_floats of them): all of them, and X_1 from their LL band (the
 * same bits). Part 2 of the same plane then reads them instead of computing them again. */
void wtconv_cpu_level1_bands(const wtconv_cpu_layer *layer, const float *x, float *bands,
                             float *level1);

/* Part 2: the plane's output rows that come from level 0's coefficient rows [first, end),
 * i.e. rows 2*first .. 2*end-1 of the stride-1 result (cropped to H, then only those the
 * stride keeps), written into y (the plane's output). level1: R_1 from part 1, NULL for L = 1.
 * bands: the plane's Haar rows from wtconv_cpu_level1_bands, or NULL to compute them here.
 * next_x: the input plane the worker computes next, or NULL; it is brought into the cache
 * meanwhile, and (for a whole plane, first = 0) its output's first block, at y + out_plane,
 * is prefetched for writing, so that their memory traffic overlaps this plane's arithmetic. */
void wtconv_cpu_plane_output(const wtconv_cpu_layer *layer, wtconv_cpu_scratch *s, int channel,
                             const float *x, float *bands, const float *level1, float *y, int first,
                             int end, const float *next_x);

#endif
