/* Internal: the compiler hints the SIMD kernels are written with. Their block loops have
 * compile-time trip counts (rows, k) once inlined; unrolling them completely keeps the
 * accumulators in registers. */
#ifndef WTCONV_CPU_KERNEL_MACROS_H
#define WTCONV_CPU_KERNEL_MACROS_H

/* Unroll the next loop completely (its trip count must be a compile-time constant). */
#if defined(__clang__)
#define WTCONV_UNROLL _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__)
#define WTCONV_UNROLL _Pragma("GCC unroll 64")
#else
#define WTCONV_UNROLL
#endif

/* A body instantiated with constant block sizes. */
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

/* One function per k and instruction set: a switch over the block's row count `rows`
 * (1..8), each case its own unrolled instance of `body`, called with the other arguments
 * and then the row count as a constant. */
#define DWCONV_ROWS_SWITCH(body, ...)                                                              \
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

/* An instruction set's depthwise kernels for its table: dwconv3_<isa>, dwconv5_<isa> and
 * dwconv7_<isa> around the file's dwconv_block with k constant, and dwconv_any_<isa> around its
 * dwconv_block_any. */
#define WTCONV_DWCONV_K(K, isa)                                                                    \
    static void dwconv##K##_##isa(const float *const *in, const float *const *init, float bias,    \
                                  const float *weights, int k, int width, float *const *out,       \
                                  int rows, wtconv_cpu_prefetch *prefetch) {                       \
        (void)k;                                                                                   \
        DWCONV_ROWS_SWITCH(dwconv_block, in, init, bias, weights, K, width, out, prefetch)         \
    }
#define WTCONV_DEFINE_DWCONV_KERNELS(isa)                                                          \
    WTCONV_DWCONV_K(3, isa)                                                                        \
    WTCONV_DWCONV_K(5, isa)                                                                        \
    WTCONV_DWCONV_K(7, isa)                                                                        \
    static void dwconv_any_##isa(const float *const *in, const float *const *init, float bias,     \
                                 const float *weights, int k, int width, float *const *out,        \
                                 int rows, wtconv_cpu_prefetch *prefetch) {                        \
        DWCONV_ROWS_SWITCH(dwconv_block_any, in, init, bias, weights, k, width, out, prefetch)     \
    }

#endif
