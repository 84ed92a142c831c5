/* Internal: how an instruction set's kernels are made. One recipe for every set and every
 * kernel, so that a reader learns it once:
 *
 * 1. Bodies. The set's file (kernels/scalar.c, kernels/x86/avx2.c, kernels/x86/avx512.c,
 *    kernels/arm/neon.c) writes each kernel once, as an always-inlined body (WTCONV_INLINE)
 *    whose sizes are parameters: k, the block's row count, whether a chunk of columns touches
 *    the plane's sides. Called with constants, a body's loops unroll (WTCONV_UNROLL) into
 *    straight-line code that keeps its accumulators in registers. The bodies have the fixed
 *    names the stamps below call: dwconv_block, dwconv_block_any, dwconv_block_bands and
 *    dwconv_block_subbands (where the set has them), haar_row, haar_ll_row and haar_inverse_row.
 *
 *    A body written for more than one vector type is a template header, written against the
 *    vector vocabulary of kernels/vector_undef.h (V_VEC, V_LANES, V_ADD(a, b), ...): the file
 *    defines the words the template's opening comment lists, includes it, and the template
 *    undefines them at its end, so that the next type can be defined. A template included
 *    twice in one file names its functions V_NAME(name). Two such templates:
 *    kernels/x86/avx512_dwconv_template.h (the AVX-512 depthwise chunk, in zmm and in ymm) and
 *    kernels/channel_block_template.h (the channel-block path, AVX2 and AVX-512).
 *
 * 2. Stamps. The macros below make, from those bodies, the functions the set's table points
 *    to: a function per unrolled k (3, 5, 7) and one for any k, each a switch over the block's
 *    row count whose every case is its own instance with constant sizes; the Haar kernels, a
 *    loop over coefficient rows around the row bodies. Two entry points are written out
 *    instead, each saying why: the portable depthwise kernel (no constant sizes to
 *    instantiate) and AVX-512's Haar kernels (their rows share tail masks, made once a call).
 *
 * 3. The table. The file's wtconv_cpu_kernels_<isa>() returns its table (cpu/kernels.h), the
 *    stamped functions named by designated initialisers; src/cpu/isa.c picks among the tables
 *    at create time. */
#ifndef WTCONV_CPU_KERNELS_STAMP_H
#define WTCONV_CPU_KERNELS_STAMP_H

#include <stddef.h>

#include "cpu/kernels.h"

/* ---- compiler hints for the bodies ---------------------------------------------------------- */

/* Unroll the next loop completely (its trip count must be a compile-time constant). */
#if defined(__clang__)
#define WTCONV_UNROLL _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__)
#define WTCONV_UNROLL _Pragma("GCC unroll 64")
#else
#define WTCONV_UNROLL
#endif

/* A body, instantiated with constant sizes where it is called. */
#if defined(__GNUC__)
#define WTCONV_INLINE static inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#define WTCONV_INLINE static __forceinline
#else
#define WTCONV_INLINE static inline
#endif

/* Makes the compiler forget what `p` points to, so that loads through it stay inside the loop
 * that contains this statement. The depthwise kernels use it on the weights: 25 or 49
 * broadcast weights do not fit the registers beside the accumulators, and an FMA with a
 * broadcast memory operand is cheaper than reloading a spilled vector. */
#if defined(__GNUC__)
#define WTCONV_OPAQUE(p) __asm__("" : "+r"(p))
#else
#define WTCONV_OPAQUE(p) ((void)0)
#endif

/* ---- the stamps ------------------------------------------------------------------------------ */

/* A switch over the block's row count `rows` (1..WTCONV_CPU_MAX_ROWS = 8), each case its own
 * unrolled instance of `body`, called with the other arguments and then the row count as a
 * constant. */
#define WTCONV_ROWS_SWITCH(body, ...)                                                              \
    switch (rows) {                                                                                \
    case 1:                                                                                        \
        body(__VA_ARGS__, 1);                                                                      \
        break;                                                                                     \
    case 2:                                                                                        \
        body(__VA_ARGS__, 2);                                                                      \
        break;                                                                                     \
    case 3:                                                                                        \
        body(__VA_ARGS__, 3);                                                                      \
        break;                                                                                     \
    case 4:                                                                                        \
        body(__VA_ARGS__, 4);                                                                      \
        break;                                                                                     \
    case 5:                                                                                        \
        body(__VA_ARGS__, 5);                                                                      \
        break;                                                                                     \
    case 6:                                                                                        \
        body(__VA_ARGS__, 6);                                                                      \
        break;                                                                                     \
    case 7:                                                                                        \
        body(__VA_ARGS__, 7);                                                                      \
        break;                                                                                     \
    default:                                                                                       \
        body(__VA_ARGS__, 8);                                                                      \
        break;                                                                                     \
    }

/* The depthwise kernels (wtconv_dwconv_fn): dwconv3_<isa>, dwconv5_<isa> and dwconv7_<isa>
 * from the file's dwconv_block with k constant, and dwconv_any_<isa> from its
 * dwconv_block_any. Both bodies take (in, init, bias, weights, k, width, out, prefetch, rows). */
#define WTCONV_STAMP_DWCONV_K(K, isa)                                                              \
    static void dwconv##K##_##isa(const float *const *in, const float *const *init, float bias,    \
                                  const float *weights, int k, int width, float *const *out,       \
                                  int rows, wtconv_cpu_prefetch *prefetch) {                       \
        (void)k;                                                                                   \
        WTCONV_ROWS_SWITCH(dwconv_block, in, init, bias, weights, K, width, out, prefetch)         \
    }
#define WTCONV_STAMP_DWCONV(isa)                                                                   \
    WTCONV_STAMP_DWCONV_K(3, isa)                                                                  \
    WTCONV_STAMP_DWCONV_K(5, isa)                                                                  \
    WTCONV_STAMP_DWCONV_K(7, isa)                                                                  \
    static void dwconv_any_##isa(const float *const *in, const float *const *init, float bias,     \
                                 const float *weights, int k, int width, float *const *out,        \
                                 int rows, wtconv_cpu_prefetch *prefetch) {                        \
        WTCONV_ROWS_SWITCH(dwconv_block_any, in, init, bias, weights, k, width, out, prefetch)     \
    }

/* The base branch's kernels with subband initial values (wtconv_dwconv_bands_fn):
 * dwconv_bands3_<isa>, dwconv_bands5_<isa> and dwconv_bands7_<isa> from the file's
 * dwconv_block_bands (in, bands, row_pitch, band_pitch, bias, weights, k, width, out,
 * prefetch, rows), k constant. */
#define WTCONV_STAMP_DWCONV_BANDS_K(K, isa)                                                        \
    static void dwconv_bands##K##_##isa(const float *const *in, const float *bands,                \
                                        size_t row_pitch, size_t band_pitch, float bias,           \
                                        const float *weights, int k, int width, float *const *out, \
                                        int rows, wtconv_cpu_prefetch *prefetch) {                 \
        (void)k;                                                                                   \
        WTCONV_ROWS_SWITCH(dwconv_block_bands, in, bands, row_pitch, band_pitch, bias, weights, K, \
                           width, out, prefetch)                                                   \
    }
#define WTCONV_STAMP_DWCONV_BANDS(isa)                                                             \
    WTCONV_STAMP_DWCONV_BANDS_K(3, isa)                                                            \
    WTCONV_STAMP_DWCONV_BANDS_K(5, isa)                                                            \
    WTCONV_STAMP_DWCONV_BANDS_K(7, isa)

/* The four-subband kernels (wtconv_dwconv_subbands_fn): wtconv_cpu_dwconv_subbands3_<isa>,
 * .._5_ and .._7_ from the file's dwconv_block_subbands (in, init, weights, k, width,
 * band_pitch, out, prefetch, rows), k constant. Global, unlike the other stamps' functions:
 * they live in a file of their own (their instances are many, and compile in parallel with the
 * rest of the set's), declared by a header beside it, and the set's table points to them. */
#define WTCONV_STAMP_DWCONV_SUBBANDS_K(K, isa)                                                     \
    void wtconv_cpu_dwconv_subbands##K##_##isa(                                                    \
        const float *const *in, const float *const *init, const float *weights, int k, int width,  \
        size_t band_pitch, float *const *out, int rows, wtconv_cpu_prefetch *prefetch) {           \
        (void)k;                                                                                   \
        WTCONV_ROWS_SWITCH(dwconv_block_subbands, in, init, weights, K, width, band_pitch, out,    \
                           prefetch)                                                               \
    }
#define WTCONV_STAMP_DWCONV_SUBBANDS(isa)                                                          \
    WTCONV_STAMP_DWCONV_SUBBANDS_K(3, isa)                                                         \
    WTCONV_STAMP_DWCONV_SUBBANDS_K(5, isa)                                                         \
    WTCONV_STAMP_DWCONV_SUBBANDS_K(7, isa)

/* The Haar kernels (wtconv_haar_fn, wtconv_haar_ll_fn, wtconv_haar_inverse_fn): haar_<isa>,
 * haar_ll_<isa> and haar_inverse_<isa>, each a loop over coefficient rows j (the functions
 * below, always inlined, so that the row body's call is direct and inlined too) around the
 * file's body for one row:
 *   haar_row(r0, r1, width, ll, lh, hl, hh): input rows 2j and 2j+1 (r1 NULL below the
 *     plane) into row j of the four subbands (the loop adds haar's LL / 2 output);
 *   haar_ll_row(r0, r1, width, ll): the same, LL subband only, with its factor 1/2;
 *   haar_inverse_row(ll, lh, hl, hh, half_width, o0, o1, width): row j of the four subbands
 *     into output rows 2j and 2j+1 (o1 NULL past the plane's end). */
#define WTCONV_STAMP_HAAR(isa)                                                                     \
    static void haar_##isa(const float *src, int width, int rows, int src_rows, float *dst,        \
                           size_t row_pitch, size_t band_pitch, float *ll_half,                    \
                           size_t half_pitch) {                                                    \
        wtconv_cpu_haar_rows(haar_row, src, width, rows, src_rows, dst, row_pitch, band_pitch,     \
                             ll_half, half_pitch);                                                 \
    }                                                                                              \
    static void haar_ll_##isa(const float *src, int width, int rows, int src_rows, float *dst,     \
                              size_t row_pitch) {                                                  \
        wtconv_cpu_haar_ll_rows(haar_ll_row, src, width, rows, src_rows, dst, row_pitch);          \
    }                                                                                              \
    static void haar_inverse_##isa(const float *src, size_t row_pitch, size_t band_pitch,          \
                                   int half_width, int rows, float *dst, size_t dst_pitch,         \
                                   int width, int dst_rows) {                                      \
        wtconv_cpu_haar_inverse_rows(haar_inverse_row, src, row_pitch, band_pitch, half_width,     \
                                     rows, dst, dst_pitch, width, dst_rows);                       \
    }

/* The row loops of the Haar stamp, each handed the row body it inlines. */
typedef void (*wtconv_haar_row_fn)(const float *r0, const float *r1, int width, float *ll,
                                   float *lh, float *hl, float *hh);
typedef void (*wtconv_haar_ll_row_fn)(const float *r0, const float *r1, int width, float *ll);
typedef void (*wtconv_haar_inverse_row_fn)(const float *ll, const float *lh, const float *hl,
                                           const float *hh, int half_width, float *o0, float *o1,
                                           int width);

WTCONV_INLINE void wtconv_cpu_haar_rows(wtconv_haar_row_fn row_fn, const float *src, int width,
                                        int rows, int src_rows, float *dst, size_t row_pitch,
                                        size_t band_pitch, float *ll_half, size_t half_pitch) {
    const int half = (width + 1) / 2;
    for (int j = 0; j < rows; j++) {
        const float *r0 = src + (size_t)(2 * j) * (size_t)width;
        float *d = dst + (size_t)j * row_pitch;
        row_fn(r0, 2 * j + 1 < src_rows ? r0 + width : NULL, width, d, d + band_pitch,
               d + 2 * band_pitch, d + 3 * band_pitch);
        if (ll_half) { /* the row just written, still in L1; halving is exact */
            float *h = ll_half + (size_t)j * half_pitch;
            for (int c = 0; c < half; c++)
                h[c] = 0.5f * d[c];
        }
    }
}

WTCONV_INLINE void wtconv_cpu_haar_ll_rows(wtconv_haar_ll_row_fn row_fn, const float *src,
                                           int width, int rows, int src_rows, float *dst,
                                           size_t row_pitch) {
    for (int j = 0; j < rows; j++) {
        const float *r0 = src + (size_t)(2 * j) * (size_t)width;
        row_fn(r0, 2 * j + 1 < src_rows ? r0 + width : NULL, width, dst + (size_t)j * row_pitch);
    }
}

WTCONV_INLINE void wtconv_cpu_haar_inverse_rows(wtconv_haar_inverse_row_fn row_fn, const float *src,
                                                size_t row_pitch, size_t band_pitch, int half_width,
                                                int rows, float *dst, size_t dst_pitch, int width,
                                                int dst_rows) {
    for (int j = 0; j < rows; j++) {
        const float *s = src + (size_t)j * row_pitch;
        float *o0 = dst + (size_t)(2 * j) * dst_pitch;
        row_fn(s, s + band_pitch, s + 2 * band_pitch, s + 3 * band_pitch, half_width, o0,
               2 * j + 1 < dst_rows ? o0 + dst_pitch : NULL, width);
    }
}

#endif
