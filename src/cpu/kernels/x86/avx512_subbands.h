/* The AVX-512 four-subband depthwise kernels of avx512_subbands.c (wtconv_dwconv_subbands_fn,
 * kernels/stamp.h), for avx512.c's table. */
#ifndef WTCONV_CPU_KERNELS_X86_AVX512_SUBBANDS_H
#define WTCONV_CPU_KERNELS_X86_AVX512_SUBBANDS_H

#include <stddef.h>

#include "cpu/kernels.h"

void wtconv_cpu_dwconv_subbands3_avx512(const float *const *in, const float *const *init,
                                        const float *weights, int k, int width, size_t band_pitch,
                                        float *const *out, int rows, wtconv_cpu_prefetch *prefetch);
void wtconv_cpu_dwconv_subbands5_avx512(const float *const *in, const float *const *init,
                                        const float *weights, int k, int width, size_t band_pitch,
                                        float *const *out, int rows, wtconv_cpu_prefetch *prefetch);
void wtconv_cpu_dwconv_subbands7_avx512(const float *const *in, const float *const *init,
                                        const float *weights, int k, int width, size_t band_pitch,
                                        float *const *out, int rows, wtconv_cpu_prefetch *prefetch);

#endif
