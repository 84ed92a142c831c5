/* Internal: little-endian float decoding for the dtypes model files may use. */
#ifndef WTCONV_MODEL_DTYPE_H
#define WTCONV_MODEL_DTYPE_H

#include <stddef.h>
#include <stdint.h>

float wtconv_half_to_float(uint16_t bits);
float wtconv_bfloat16_to_float(uint16_t bits);

/* Decode `count` little-endian values from `src` (any alignment) into `dst`. */
void wtconv_decode_f32_le(const unsigned char *src, size_t count, float *dst);
void wtconv_decode_f16_le(const unsigned char *src, size_t count, float *dst);
void wtconv_decode_bf16_le(const unsigned char *src, size_t count, float *dst);

#endif
