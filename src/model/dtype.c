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

uint16_t wtconv_float_to_half(float value) {
    uint32_t bits, sign, exponent, mantissa;
    memcpy(&bits, &value, sizeof bits);
    sign = (bits >> 16) & 0x8000u;
    exponent = (bits >> 23) & 0xFFu;
    mantissa = bits & 0x7FFFFFu;
    if (exponent == 0xFF) /* Inf stays Inf; NaN keeps its top payload bits and stays a NaN */
        return (uint16_t)(sign | 0x7C00u | (mantissa ? 0x200u | (mantissa >> 13) : 0u));
    if (exponent > 142) /* >= 2^16: beyond the largest half (65504) even after rounding */
        return (uint16_t)(sign | 0x7C00u);
    if (exponent < 102) /* < 2^-25: rounds to zero (exactly 2^-25 is a tie, to even: zero) */
        return (uint16_t)sign;
    {
        /* Normal or subnormal half: keep 11 significant bits (fewer for subnormals), round the
         * dropped bits to nearest, ties to even. A carry out of the mantissa moves to the next
         * exponent, and from the largest binade to infinity, as it should. */
        const uint32_t significand = mantissa | 0x800000u;
        const int shift = exponent >= 113 ? 13 : 13 + (113 - (int)exponent);
        const uint32_t kept = significand >> shift;
        const uint32_t dropped = significand & ((1u << shift) - 1);
        const uint32_t half_way = 1u << (shift - 1);
        uint32_t result = exponent >= 113 ? ((exponent - 112) << 10) + (kept & 0x3FFu) : kept;
        if (dropped > half_way || (dropped == half_way && (kept & 1u)))
            result++;
        return (uint16_t)(sign | result);
    }
}

void wtconv_encode_f32_le(const float *src, size_t count, unsigned char *dst) {
    for (size_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, &src[i], sizeof bits);
        for (int b = 0; b < 4; b++)
            dst[4 * i + (size_t)b] = (unsigned char)(bits >> (8 * b));
    }
}

void wtconv_encode_f16_le(const float *src, size_t count, unsigned char *dst) {
    for (size_t i = 0; i < count; i++) {
        const uint16_t bits = wtconv_float_to_half(src[i]);
        dst[2 * i] = (unsigned char)bits;
        dst[2 * i + 1] = (unsigned char)(bits >> 8);
    }
}
