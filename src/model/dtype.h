/* Internal: little-endian float decoding for the dtypes model files may use, and the encoding
 * of the Core ML packages the library writes. */
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

/* IEEE binary16 nearest to `value`, ties to even (as numpy's astype(float16) and a hardware
 * conversion do); overflow gives infinity, NaN stays a (quiet) NaN. */
uint16_t wtconv_float_to_half(float value);

/* Encode `count` values into `dst` (4 or 2 bytes each) little-endian, whatever the host. */
void wtconv_encode_f32_le(const float *src, size_t count, unsigned char *dst);
void wtconv_encode_f16_le(const float *src, size_t count, unsigned char *dst);

#endif
