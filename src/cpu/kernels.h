/* Internal: the CPU backend's inner loops, one table of them per instruction set (portable C,
 * AVX2+FMA, AVX-512, NEON), each made in src/cpu/kernels/ (how: cpu/kernels/stamp.h). The
 * cascade (cpu/cascade.c) drives them one block of rows at a time; src/cpu/isa.c picks the
 * table at create time. */
#ifndef WTCONV_CPU_KERNELS_H
#define WTCONV_CPU_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/channel_block.h"

/* The most output rows one depthwise call computes at once (its register block): each input
 * row it loads serves up to this many output rows. */
#define WTCONV_CPU_MAX_ROWS 8

/* Cache lines for a kernel to request while it computes, a few after each chunk of columns,
 * so that the memory traffic of what comes next (the next plane's input, the next block's
 * output rows) overlaps the arithmetic instead of following it. Addresses as integers: the
 * ranges are walked one 64-byte line at a time and may end mid-line. */
typedef struct wtconv_cpu_prefetch {
    uintptr_t read, read_end;   /* to be read soon: fetched into the outer caches */
    uintptr_t read2, read2_end; /* a second such range (0, 0: none) */
    uintptr_t write, write_end; /* to be written soon: fetched for ownership */
    int lines_per_step;         /* of each kind, after each chunk */
} wtconv_cpu_prefetch;

/* A prefetch with no ranges, to be filled in by its user. */
static inline wtconv_cpu_prefetch wtconv_cpu_prefetch_none(void) {
    const wtconv_cpu_prefetch none = {.read = 0,
                                      .read_end = 0,
                                      .read2 = 0,
                                      .read2_end = 0,
                                      .write = 0,
                                      .write_end = 0,
                                      .lines_per_step = 0};
    return none;
}

/* Sets p->lines_per_step so that the longest of p's ranges is walked in `steps` steps. */
static inline void wtconv_cpu_prefetch_pace(wtconv_cpu_prefetch *p, size_t steps) {
    const uintptr_t spans[3] = {p->read_end - p->read, p->read2_end - p->read2,
                                p->write_end - p->write};
    size_t lines = 0;
    for (int i = 0; i < 3; i++)
        if ((spans[i] + 63) / 64 > lines)
            lines = (spans[i] + 63) / 64;
    p->lines_per_step = (int)((lines + steps - 1) / steps);
}

/* A block of `rows` (1..WTCONV_CPU_MAX_ROWS) consecutive output rows of a depthwise 'same'
 * cross-correlation at stride 1, `width` columns, k x k `weights` (row-major), with PyTorch's
 * zero padding: (k-1)/2 columns/rows before, k/2 after.
 *   in[r], r = 0 .. rows+k-2: the input rows from (first output row - (k-1)/2) on, so output
 *          row o reads in[o .. o+k-1]; NULL stands for a zero row (outside the plane).
 *   init:  NULL, or init[o] a row added to output row o (the wavelet branch's sum).
 *   out[o] = bias + init[o] + sum over taps.
 * Every output element is accumulated in one fixed order per kernel (bias + init first, then
 * the taps, e.g. ky ascending then kx, or kx then ky), whatever `rows` and whichever block or
 * column chunk it falls in, so any split of a plane into blocks or tiles gives the same bits. in,
 * init and out rows must not overlap. `prefetch`: see above, or NULL. */
typedef void (*wtconv_dwconv_fn)(const float *const *in, const float *const *init, float bias,
                                 const float *weights, int k, int width, float *const *out,
                                 int rows, wtconv_cpu_prefetch *prefetch);

/* The base branch's block with its initial values made on the fly from level 0's filtered
 * subbands instead of read from rows: like a dwconv call whose init[o] is output row o % 2 of
 * haar_inverse's result for coefficient row o / 2 (the block starts at an even output row),
 * whose subband s is at bands + (o / 2) * row_pitch + s * band_pitch, `half_width` columns
 * ((width + 1) / 2). The same bits as that inverse followed by that call, without the
 * inverse's rows being stored and loaded again. */
typedef void (*wtconv_dwconv_bands_fn)(const float *const *in, const float *bands, size_t row_pitch,
                                       size_t band_pitch, float bias, const float *weights, int k,
                                       int width, float *const *out, int rows,
                                       wtconv_cpu_prefetch *prefetch);

/* The four subbands of a level filtered at once, each by its own k x k kernel (a block of
 * `rows` output rows of each, no bias): band s's columns are [s*band_pitch, s*band_pitch +
 * width) of the rows in[r] and out[o] (as for wtconv_dwconv_fn), band_pitch >= width (the
 * Haar kernels' layout); each band is padded at its own edges, never reading its neighbour's
 * columns. weights: the four bands' kernels interleaved by tap, weights[(ky*k + kx)*4 + s].
 * init: NULL, or rows of `width` added to band 0 (LL) alone. The same bits as four
 * wtconv_dwconv_fn calls, one per band (bias 0), in one call; with band_pitch = width (bands
 * side by side) its chunks of columns run across the bands, so that bands narrower than a
 * vector leave no lanes idle. */
typedef void (*wtconv_dwconv_subbands_fn)(const float *const *in, const float *const *init,
                                          const float *weights, int k, int width, size_t band_pitch,
                                          float *const *out, int rows,
                                          wtconv_cpu_prefetch *prefetch);

/* `rows` rows of 2x2 Haar blocks: coefficient row j from input rows 2j and 2j+1 of `src`
 * (`width` columns each, one after another; of its rows only the first `src_rows` exist, the
 * one below an odd height is zero), (width+1)/2 columns (an odd width's last block has zero
 * right-hand taps). The four subbands, LL, H difference, W difference and diagonal, WITHOUT
 * the Haar factor 1/2 (s0 = a+b+c+d etc.; the backend folds it into the filters, exactly):
 * subband s of row j at dst + j*row_pitch + s*band_pitch. Where ll_half is not NULL, also the LL
 * subband with the factor, the next level's input, bit for bit what haar_ll gives: row j at
 * ll_half + j*half_pitch (one pass instead of a second one over the LL rows). */
typedef void (*wtconv_haar_fn)(const float *src, int width, int rows, int src_rows, float *dst,
                               size_t row_pitch, size_t band_pitch, float *ll_half,
                               size_t half_pitch);
/* The LL subband only, the next level's input, with the factor, (a+b+c+d)/2: row j at
 * dst + j*row_pitch. */
typedef void (*wtconv_haar_ll_fn)(const float *src, int width, int rows, int src_rows, float *dst,
                                  size_t row_pitch);
/* The inverse, also without the factor 1/2 (a = s0+s1+s2+s3 etc.): `rows` rows of four
 * subbands (subband s of row j at src + j*row_pitch + s*band_pitch, `half_width` columns)
 * into output rows 2j and 2j+1 at dst + (2j)*dst_pitch etc., `width` (2*half_width - 1 or
 * 2*half_width) columns; only the first `dst_rows` output rows are written (cropping). */
typedef void (*wtconv_haar_inverse_fn)(const float *src, size_t row_pitch, size_t band_pitch,
                                       int half_width, int rows, float *dst, size_t dst_pitch,
                                       int width, int dst_rows);

typedef struct wtconv_cpu_kernels {
    const char *name; /* as WTCONV_CPU_ISA spells it: "scalar", "avx2", "avx512", "neon" */
    int lanes;        /* columns per chunk of the depthwise kernels: one prefetch step each */
    wtconv_dwconv_fn dwconv3, dwconv5, dwconv7; /* k = 3, 5, 7 unrolled; NULL: use dwconv_any */
    wtconv_dwconv_fn dwconv_any;                /* any k */
    wtconv_haar_fn haar;
    wtconv_haar_ll_fn haar_ll;
    wtconv_haar_inverse_fn haar_inverse;
    /* k = 3, 5, 7; NULL where this set has none: the cascade then inverts, then convolves */
    wtconv_dwconv_bands_fn dwconv_bands3, dwconv_bands5, dwconv_bands7;
    /* k = 3, 5, 7; NULL where this set has none: the cascade then keeps the four bands apart
     * (band_pitch a whole number of cache lines) and filters them one call each */
    wtconv_dwconv_subbands_fn dwconv_subbands3, dwconv_subbands5, dwconv_subbands7;
    /* The layer on blocks of block_lanes channels (cpu/channel_block.h), or NULL */
    wtconv_channel_block_fn channel_block;
    int block_lanes;
} wtconv_cpu_kernels;

/* The fastest depthwise kernel of a table for kernel size k. */
wtconv_dwconv_fn wtconv_cpu_dwconv_for(const wtconv_cpu_kernels *kernels, int k);
/* Its base-branch kernel with subband initial values for kernel size k, or NULL. */
wtconv_dwconv_bands_fn wtconv_cpu_dwconv_bands_for(const wtconv_cpu_kernels *kernels, int k);
/* Its kernel for a level's four subbands side by side for kernel size k, or NULL. */
wtconv_dwconv_subbands_fn wtconv_cpu_dwconv_subbands_for(const wtconv_cpu_kernels *kernels, int k);

/* The tables compiled into this build (an ISA's getter exists only where its file is built;
 * isa.c knows which and whether the CPU can run it). */
const wtconv_cpu_kernels *wtconv_cpu_kernels_scalar(void);
#if defined(WTCONV_CPU_X86_KERNELS)
const wtconv_cpu_kernels *wtconv_cpu_kernels_avx2(void);
const wtconv_cpu_kernels *wtconv_cpu_kernels_avx512(void);
#endif
#if defined(WTCONV_CPU_NEON_KERNELS)
const wtconv_cpu_kernels *wtconv_cpu_kernels_neon(void);
#endif

#endif
