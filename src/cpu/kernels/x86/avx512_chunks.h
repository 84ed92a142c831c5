/* The AVX-512 depthwise chunks, in zmm and in ymm (kernels/x86/avx512_dwconv_template.h), and
 * the helpers they use: shared by avx512.c and avx512_subbands.c, which are separate
 * translation units so that the two compile in parallel (each takes seconds at -O3). Include
 * only from a file built with -mavx512f -mavx512vl. */
#ifndef WTCONV_CPU_KERNELS_X86_AVX512_CHUNKS_H
#define WTCONV_CPU_KERNELS_X86_AVX512_CHUNKS_H

#include <immintrin.h>
#include <stdint.h>

#include "cpu/kernels.h"
#include "cpu/kernels/prefetch.h"
#include "cpu/kernels/stamp.h"

#define LANES 16
/* The largest k with its own unrolled kernel, and the largest any k can be. */
#define MAX_UNROLLED_K 7
#define MAX_KERNEL 256

/* The address of column `col` of `row`, which may lie outside it: masked loads and stores
 * touch only the lanes inside. Computed as an integer, since pointer arithmetic outside an
 * array is undefined. */
WTCONV_INLINE const float *column(const float *row, int col) {
    return (const float *)((uintptr_t)row + (uintptr_t)((intptr_t)col * (intptr_t)sizeof(float)));
}
WTCONV_INLINE float *column_out(float *row, int col) {
    return (float *)((uintptr_t)row + (uintptr_t)((intptr_t)col * (intptr_t)sizeof(float)));
}

/* Lanes of even and odd in turn: e0 o0 e1 o1 ... (an inverse Haar row's columns). */
WTCONV_INLINE __m512 interleave_zmm(__m256 even, __m256 odd) {
    const __m512i lanes = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    return _mm512_permutex2var_ps(_mm512_castps256_ps512(even), lanes, _mm512_castps256_ps512(odd));
}
WTCONV_INLINE __m256 interleave_ymm(__m128 even, __m128 odd) {
    const __m256i lanes = _mm256_setr_epi32(0, 8, 1, 9, 2, 10, 3, 11);
    return _mm256_permutex2var_ps(_mm256_castps128_ps256(even), lanes, _mm256_castps128_ps256(odd));
}

/* ---- depthwise convolution ----------------------------------------------------------------
 * Chunks of 16 columns (zmm), and of 8 (ymm, with AVX-512VL's masks) for a row's last 8 or
 * fewer: on cores whose zmm FMAs cost two ymm ones, a narrow plane or a short tail then costs
 * half as much. The template (kernels/stamp.h) makes dwconv_chunk_zmm, ..., then
 * dwconv_chunk_ymm, ...; the vector words are in kernels/vector_undef.h. */
#define V_LANES 16
#define V_VEC __m512
#define V_MASK __mmask16
#define V_NAME(name) name##_zmm
#define V_MASKZ_LOAD(mask, p) _mm512_maskz_loadu_ps((mask), (p))
#define V_MASK_STORE(p, mask, v) _mm512_mask_storeu_ps((p), (mask), (v))
#define V_SET1(f) _mm512_set1_ps(f)
#define V_ZERO() _mm512_setzero_ps()
#define V_ADD(a, b) _mm512_add_ps((a), (b))
#define V_FMADD(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define V_HALF_VEC __m256
#define V_HALF_MASK __mmask8
#define V_HALF_MASKZ_LOAD(mask, p) _mm256_maskz_loadu_ps((mask), (p))
#define V_HALF_ADD(a, b) _mm256_add_ps((a), (b))
#define V_HALF_SUB(a, b) _mm256_sub_ps((a), (b))
#define V_INTERLEAVE(even, odd) interleave_zmm((even), (odd))
#include "cpu/kernels/x86/avx512_dwconv_template.h"

#define V_LANES 8
#define V_VEC __m256
#define V_MASK __mmask8
#define V_NAME(name) name##_ymm
#define V_MASKZ_LOAD(mask, p) _mm256_maskz_loadu_ps((mask), (p))
#define V_MASK_STORE(p, mask, v) _mm256_mask_storeu_ps((p), (mask), (v))
#define V_SET1(f) _mm256_set1_ps(f)
#define V_ZERO() _mm256_setzero_ps()
#define V_ADD(a, b) _mm256_add_ps((a), (b))
#define V_FMADD(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define V_HALF_VEC __m128
#define V_HALF_MASK __mmask8
#define V_HALF_MASKZ_LOAD(mask, p) _mm_maskz_loadu_ps((mask), (p))
#define V_HALF_ADD(a, b) _mm_add_ps((a), (b))
#define V_HALF_SUB(a, b) _mm_sub_ps((a), (b))
#define V_INTERLEAVE(even, odd) interleave_ymm((even), (odd))
#include "cpu/kernels/x86/avx512_dwconv_template.h"

#endif
