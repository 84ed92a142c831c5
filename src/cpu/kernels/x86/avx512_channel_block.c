/* The channel-block path (cpu/channel_block.h) with AVX-512: blocks of 16 channels, one zmm
 * vector per grid element. Built with -mavx512f -mavx512vl; isa.c picks it with the AVX-512
 * kernel table. */
#include <immintrin.h>
#include <stddef.h>

#include "cpu/channel_block.h"
#include "cpu/kernels/prefetch.h"
#include "cpu/kernels/stamp.h"

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

/* The vector words (kernels/vector_undef.h). */
#define V_LANES 16
#define V_VEC __m512
#define V_LOAD(p) _mm512_loadu_ps(p)
#define V_STORE(p, v) _mm512_storeu_ps((p), (v))
#define V_ADD(a, b) _mm512_add_ps((a), (b))
#define V_SUB(a, b) _mm512_sub_ps((a), (b))
#define V_MUL(a, b) _mm512_mul_ps((a), (b))
#define V_FMADD(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define V_SET1(f) _mm512_set1_ps(f)
#define V_ZERO() _mm512_setzero_ps()
#define V_LOAD_FIRST(p, n) _mm512_maskz_loadu_ps(first_lanes(n), (p))
#define V_STORE_FIRST(p, n, v) _mm512_mask_storeu_ps((p), first_lanes(n), (v))
#define V_TRANSPOSE(r) transpose16(r)

/* The template's own parameters. */
#define CB_CHUNK 8
#define CB_ENTRY wtconv_cpu_channel_block_avx512
#include "cpu/kernels/channel_block_template.h"
