/* The channel-block path (cpu/channel_block.h) with AVX2 and FMA: blocks of 8 channels, one
 * ymm vector per grid element. Built with -mavx2 -mfma; isa.c picks it with the AVX2 kernel
 * table. */
#include <immintrin.h>
#include <stddef.h>

#include "cpu/channel_block.h"
#include "cpu/kernels/prefetch.h"
#include "cpu/kernels/stamp.h"

/* r[i] <- column i of the 8 x 8 matrix whose rows were r[0..7]. */
WTCONV_INLINE void transpose8(__m256 r[8]) {
    __m256 t[8];
    WTCONV_UNROLL
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    WTCONV_UNROLL
    for (int i = 0; i < 8; i += 4) {
        r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xee);
        r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xee);
    }
    WTCONV_UNROLL
    for (int i = 0; i < 4; i++) {
        t[i] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x20);
        t[i + 4] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x31);
    }
    WTCONV_UNROLL
    for (int i = 0; i < 8; i++)
        r[i] = t[i];
}

/* Lanes below n set: the mask of the first n floats. */
WTCONV_INLINE __m256i first_lanes(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* The vector words (kernels/vector_undef.h). */
#define V_LANES 8
#define V_VEC __m256
#define V_LOAD(p) _mm256_loadu_ps(p)
#define V_STORE(p, v) _mm256_storeu_ps((p), (v))
#define V_ADD(a, b) _mm256_add_ps((a), (b))
#define V_SUB(a, b) _mm256_sub_ps((a), (b))
#define V_MUL(a, b) _mm256_mul_ps((a), (b))
#define V_FMADD(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define V_SET1(f) _mm256_set1_ps(f)
#define V_ZERO() _mm256_setzero_ps()
#define V_LOAD_FIRST(p, n) _mm256_maskload_ps((p), first_lanes(n))
#define V_STORE_FIRST(p, n, v) _mm256_maskstore_ps((p), first_lanes(n), (v))
#define V_TRANSPOSE(r) transpose8(r)

/* The template's own parameters. CB_CHUNK 4: 16 ymm registers hold 4 accumulators, up to 7
 * weights and an input vector. */
#define CB_CHUNK 4
#define CB_ENTRY wtconv_cpu_channel_block_avx2
#include "cpu/kernels/channel_block_template.h"
