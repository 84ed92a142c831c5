#include "model/dtype.h"

#include <string.h>

static float float_from_bits(uint32_t bits) {
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

float wtconv_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1Fu;
    uint32_t mantissa = h & 0x3FFu;
    if (exponent == 0x1F) /* Inf / NaN keep their payload */
        return float_from_bits(sign | 0x7F800000u | (mantissa << 13));
    if (exponent == 0) {
        /* Zero or subnormal: mantissa * 2^-24 is exact in float. */
        float magnitude = (float)mantissa * (1.0f / 16777216.0f);
        return sign ? -magnitude : magnitude;
    }
    return float_from_bits(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

float wtconv_bfloat16_to_float(uint16_t bits) { return float_from_bits((uint32_t)bits << 16); }

static uint16_t load_u16_le(const unsigned char *p) {
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

void wtconv_decode_f32_le(const unsigned char *src, size_t count, float *dst) {
    for (size_t i = 0; i < count; i++) {
        const unsigned char *p = src + 4 * i;
        uint32_t bits =
            (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        dst[i] = float_from_bits(bits);
    }
}

void wtconv_decode_f16_le(const unsigned char *src, size_t count, float *dst) {
    for (size_t i = 0; i < count; i++)
        dst[i] = wtconv_half_to_float(load_u16_le(src + 2 * i));
}

void wtconv_decode_bf16_le(const unsigned char *src, size_t count, float *dst) {
    for (size_t i = 0; i < count; i++)
        dst[i] = wtconv_bfloat16_to_float(load_u16_le(src + 2 * i));
}
