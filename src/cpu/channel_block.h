/* Internal: the whole layer on a block of consecutive channels at once, for small planes.
 *
 * On a 14x14 plane a row is one vector, and level 1's 7x7 and level 2's 4x4 planes are less:
 * the plane-by-plane cascade (cpu/cascade.c) then spends most of its time on masks, row
 * pointers and calls. Here the block's planes are transposed into grids whose elements are
 * vectors of `lanes` channels (channel = lane), so every operation of every level works on
 * whole vectors: the Haar transforms add vectors, each depthwise tap is one FMA with a vector
 * of the lanes' weights, and the zero 'same' padding is a border of zero vectors, written once.
 *
 * The arithmetic is the cascade's (cpu/cascade.h): Haar sums without their factor 1/2, the
 * factors folded into the filters, X_{i+1} = LL / 2, level i's filtered LL band starting from
 * R_{i+1}, and R_0 the base branch's initial values. The order of the additions differs, so
 * the results are not the plane path's bits; the backend picks one path per layer shape, never
 * per thread count, so they are the same bits for any number of threads. */
#ifndef WTCONV_CPU_CHANNEL_BLOCK_H
#define WTCONV_CPU_CHANNEL_BLOCK_H

#include <stddef.h>

#include "model/model.h"
#include "plan/plan.h"

/* Where a worker's scratch keeps a block's grids, in floats from its (64-byte aligned) start.
 * A grid of h x w vectors is stored row by row, `lanes` floats per vector. Padded grids have
 * `before` zero rows and columns before their h x w interior and `after` after it, and are
 * followed by WTCONV_CPU_BLOCK_SLACK vectors that a kernel may read (never use) past the end.
 * Level i's four subbands are made and filtered one at a time in its padded grid; only the
 * filtered ones are kept, until the inverse. */
typedef struct wtconv_cpu_block_layout {
    int lanes;                       /* channels per block */
    int before, after;               /* (k-1)/2; max(k/2, 1): a Haar step reads one more */
    size_t input;                    /* padded H x W: the block's input X_0 */
    size_t ll[WTCONV_MAX_LEVELS];    /* X_i, i >= 1: (h_i + 1) x (w_i + 1), last row/column 0 */
    size_t band[WTCONV_MAX_LEVELS];  /* level i's padded grid for one subband */
    size_t filtered;                 /* a level's four filtered subbands (level 0's size) */
    size_t recon[WTCONV_MAX_LEVELS]; /* R_i (h_i x w_i), i >= 1 */
    size_t rows;                     /* two rows of W: R_0's, then the output's, two at a time */
    size_t floats;                   /* all of it */
} wtconv_cpu_block_layout;

/* Vectors a kernel may read past the end of a padded grid: a row's last chunk of columns
 * computes (and discards) up to 7 columns beyond the row. */
#define WTCONV_CPU_BLOCK_SLACK 8

/* The WTCONV_CPU_CHANNEL_BLOCKS switch (environment; for tests and benchmarks): unset, empty or
 * "auto": the backend's size rules decide (*mode = -1); "0": never (0); "1": wherever the
 * path can run (1). Any other value: WTCONV_ERR_INVALID_ARGUMENT, naming it. Kept in release
 * builds, and named by wtconv_backend_detail where set: see cpu/isa.h. */
#define WTCONV_CPU_BLOCKS_ENV "WTCONV_CPU_CHANNEL_BLOCKS"
wtconv_status wtconv_cpu_block_mode(int *mode);

/* The layout for `plan` with blocks of `lanes` channels; 0 with *overflow set where the
 * sizes do not fit size_t. */
void wtconv_cpu_block_layout_make(const wtconv_plan *plan, int lanes,
                                  wtconv_cpu_block_layout *layout, int *overflow);

/* Floats of one block's packed weights: per tap, a vector of the lanes' weights. */
size_t wtconv_cpu_block_weight_floats(const wtconv_plan *plan, int lanes);

/* Packs the folded weights (cpu/cascade.h's layer) of channels [first, first + lanes):
 * base taps (k*k vectors), the bias (one vector), then level 0's four subbands' taps, level
 * 1's, ... (4*k*k vectors each). wavelet_by_tap: the layer's wavelet weights are interleaved
 * by tap ([channel][tap][band]) rather than [channel][band][tap]. */
void wtconv_cpu_block_pack(const wtconv_plan *plan, int lanes, const float *base_weight,
                           const float *base_bias, const float *const *wavelet_weight,
                           int wavelet_by_tap, int first, float *packed);

struct wtconv_cpu_prefetch; /* cpu/kernels.h */

/* The layer on `lanes` consecutive planes: input planes x, x + plane, ...; output planes y,
 * y + out_plane, ...; `weights` packed by wtconv_cpu_block_pack; `scratch` laid out by
 * `layout`, zero where no grid's interior lies (the borders are read, never written).
 * prefetch: what to bring into the cache a few lines after each grid row, or NULL. */
typedef void (*wtconv_channel_block_fn)(const wtconv_plan *plan,
                                        const wtconv_cpu_block_layout *layout, const float *weights,
                                        const float *x, float *y, float *scratch,
                                        struct wtconv_cpu_prefetch *prefetch);

#if defined(WTCONV_CPU_X86_KERNELS)
void wtconv_cpu_channel_block_avx2(const wtconv_plan *plan, const wtconv_cpu_block_layout *layout,
                                   const float *weights, const float *x, float *y, float *scratch,
                                   struct wtconv_cpu_prefetch *prefetch);
void wtconv_cpu_channel_block_avx512(const wtconv_plan *plan, const wtconv_cpu_block_layout *layout,
                                     const float *weights, const float *x, float *y, float *scratch,
                                     struct wtconv_cpu_prefetch *prefetch);
#endif

#endif
