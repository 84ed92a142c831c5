/* Unit tests of the Core ML writer's pieces against closed forms: protobuf wire bytes from the
 * encoding guide's rules, the blob storage layout, and float -> float16 rounding (against a
 * nearest-value search over every float16). Then the tests' own protobuf reader decodes what
 * the encoder wrote. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coreml/blob_storage.h"
#include "coreml/protobuf_writer.h"
#include "model/dtype.h"
#include "protobuf_reader.h"

static int passed, failed;

static void check(int ok, const char *what) {
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    ok ? passed++ : failed++;
}

static int bytes_are(const wtconv_pb *pb, const unsigned char *want, size_t n) {
    return !pb->failed && pb->size == n && memcmp(pb->data, want, n) == 0;
}

static void test_protobuf_bytes(void) {
    wtconv_pb pb;
    /* The encoding guide's example: field 1 = 150 is 08 96 01. */
    wtconv_pb_init(&pb);
    wtconv_pb_varint(&pb, 1, 150);
    check(bytes_are(&pb, (const unsigned char[]){0x08, 0x96, 0x01}, 3), "varint 150 -> 08 96 01");
    wtconv_pb_free(&pb);
    /* Field 2 = "testing": 12 07 74 65 73 74 69 6e 67. */
    wtconv_pb_init(&pb);
    wtconv_pb_string(&pb, 2, "testing");
    check(bytes_are(&pb, (const unsigned char[]){0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'}, 9),
          "string 'testing' -> 12 07 ...");
    wtconv_pb_free(&pb);
    /* A negative int32 takes ten bytes (its 64-bit two's complement); a field number of 502
     * takes a two-byte key ((502 << 3) | 2 = 4018 = b2 1f). */
    wtconv_pb_init(&pb);
    wtconv_pb_varint(&pb, 1, (uint64_t)(int64_t)-1);
    check(bytes_are(&pb,
                    (const unsigned char[]){0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                            0xff, 0x01},
                    11),
          "varint -1 -> ten bytes");
    wtconv_pb_free(&pb);
    wtconv_pb_init(&pb);
    {
        size_t outer = wtconv_pb_begin(&pb, 502);
        size_t inner = wtconv_pb_begin(&pb, 3);
        wtconv_pb_varint(&pb, 1, 1);
        wtconv_pb_end(&pb, inner);
        wtconv_pb_end(&pb, outer);
    }
    check(bytes_are(&pb, (const unsigned char[]){0xb2, 0x1f, 0x04, 0x1a, 0x02, 0x08, 0x01}, 7),
          "nested messages: lengths in front, field 502's two-byte key");
    wtconv_pb_free(&pb);
    /* Packed floats: 1.0f and -2.0f are 00 00 80 3f and 00 00 00 c0. */
    wtconv_pb_init(&pb);
    wtconv_pb_packed_floats(&pb, 1, (const float[]){1.0f, -2.0f}, 2);
    check(bytes_are(
              &pb,
              (const unsigned char[]){0x0a, 0x08, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0},
              10),
          "packed floats, little-endian");
    wtconv_pb_free(&pb);
}

/* A message whose length needs a two-byte varint (300 bytes of payload: ac 02), read back by
 * the tests' independent reader. */
static void test_protobuf_round_trip(void) {
    wtconv_pb pb;
    unsigned char payload[300];
    pb_cursor c, inner;
    pb_field f, g;
    size_t mark;
    int ok = 1, seen = 0;
    for (int i = 0; i < 300; i++)
        payload[i] = (unsigned char)i;
    wtconv_pb_init(&pb);
    mark = wtconv_pb_begin(&pb, 7);
    wtconv_pb_bytes(&pb, 1, payload, 285);
    wtconv_pb_packed_varints(&pb, 2, (const int64_t[]){0, 127, 128, 1LL << 40}, 4);
    wtconv_pb_end(&pb, mark);
    wtconv_pb_varint(&pb, 9, 0);
    ok = !pb.failed && pb.data[0] == 0x3a && pb.data[1] == 0xac && pb.data[2] == 0x02;
    c = pb_open(pb.data, pb.size);
    while (pb_next(&c, &f)) {
        if (f.number == 7 && f.wire == PB_BYTES) {
            inner = pb_open_field(&f);
            while (pb_next(&inner, &g)) {
                if (g.number == 1)
                    ok &= g.size == 285 && memcmp(g.data, payload, 285) == 0, seen |= 1;
                if (g.number == 2) {
                    uint64_t v[8];
                    size_t n = 0;
                    ok &= pb_repeated_varints(&g, v, &n, 8) && n == 4 && v[0] == 0 && v[1] == 127 &&
                          v[2] == 128 && v[3] == 1ULL << 40;
                    seen |= 2;
                }
            }
        } else if (f.number == 9) {
            ok &= f.value == 0;
            seen |= 4;
        }
    }
    check(ok && seen == 7 && !c.malformed, "a 300-byte message (length ac 02) reads back");
    wtconv_pb_free(&pb);
}

static uint64_t le(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void test_blob_storage(void) {
    wtconv_blob_file file;
    unsigned char a[12], b[100];
    uint64_t first, second;
    memset(a, 0xAA, sizeof a);
    memset(b, 0xBB, sizeof b);
    wtconv_blob_file_init(&file);
    check(file.size == 64 && le(file.data, 4) == 0 && le(file.data + 4, 4) == 2,
          "an empty blob file is a 64-byte header: count 0, version 2");
    first = wtconv_blob_file_add(&file, WTCONV_BLOB_FLOAT32, a, sizeof a);
    second = wtconv_blob_file_add(&file, WTCONV_BLOB_FLOAT16, b, sizeof b);
    /* Records at 64 and at the next multiple of 64 after 64 + 64 + 12 = 140, i.e. 192. */
    check(!file.failed && first == 64 && second == 192 && file.size == 192 + 64 + 100,
          "records at 64 and 192; the file ends with the last data (356 bytes)");
    check(le(file.data, 4) == 2, "the header counts 2 blobs");
    check(le(file.data + 64, 4) == 0xDEADBEEF && le(file.data + 68, 4) == 2 &&
              le(file.data + 72, 8) == 12 && le(file.data + 80, 8) == 128 &&
              memcmp(file.data + 128, a, 12) == 0,
          "record 1: sentinel, dtype float32 (2), 12 bytes at 128");
    check(le(file.data + 192, 4) == 0xDEADBEEF && le(file.data + 196, 4) == 1 &&
              le(file.data + 200, 8) == 100 && le(file.data + 208, 8) == 256 &&
              memcmp(file.data + 256, b, 100) == 0,
          "record 2: dtype float16 (1), 100 bytes at 256");
    {
        int zeros = 1;
        for (size_t i = 140; i < 192; i++)
            zeros &= file.data[i] == 0;
        for (size_t i = 88; i < 128; i++) /* padding bits and reserved fields */
            zeros &= file.data[i] == 0;
        check(zeros, "the gap and the reserved fields are zero");
    }
    wtconv_blob_file_free(&file);
}

/* The value of a positive finite float16 from its bits by the format's formula (subnormal:
 * m * 2^-24; normal: (1024 + m) * 2^(e - 25)), not by the library's decoder. */
static double half_value(uint16_t h) {
    const int e = (h >> 10) & 0x1F, m = h & 0x3FF;
    return e == 0 ? ldexp((double)m, -24) : ldexp((double)(1024 + m), e - 25);
}

/* The float16 nearest to v, ties to the even one, by search over every finite float16 (their
 * values from half_value); beyond the largest finite value by more than half a step:
 * infinity. */
static uint16_t nearest_half(float v) {
    const uint16_t sign = signbit(v) ? 0x8000 : 0;
    const double a = fabs((double)v);
    uint16_t lo = 0, hi = 0x7BFF; /* positive finite halves are ordered like their bits */
    if (a >= 65520.0)             /* 65504 + half of its step 32 */
        return (uint16_t)(sign | 0x7C00);
    while (lo < hi) { /* the first half >= a */
        const uint16_t mid = (uint16_t)((lo + hi) / 2);
        if (half_value(mid) < a)
            lo = (uint16_t)(mid + 1);
        else
            hi = mid;
    }
    if (lo > 0) {
        const double above = half_value(lo), below = half_value((uint16_t)(lo - 1));
        if (a - below < above - a || (a - below == above - a && ((lo - 1) & 1) == 0))
            lo--;
    }
    return (uint16_t)(sign | lo);
}

static void test_float_to_half(void) {
    static const struct {
        float value;
        uint16_t bits;
    } known[] = {{1.0f, 0x3C00},
                 {-2.0f, 0xC000},
                 {65504.0f, 0x7BFF},
                 {65519.0f, 0x7BFF},
                 {65520.0f, 0x7C00},
                 {1e10f, 0x7C00},
                 {0x1p-24f, 0x0001},
                 {0x1p-25f, 0x0000},
                 {0x1.8p-25f, 0x0001},
                 {0x1p-14f, 0x0400},
                 {0.1f, 0x2E66},
                 {-0.0f, 0x8000},
                 {1.0f + 0x1p-11f, 0x3C00},
                 /* tie: to even */ {1.0f + 0x3p-11f, 0x3C02}};
    int ok = 1, mismatches = 0;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        ok &= wtconv_float_to_half(known[i].value) == known[i].bits;
    check(ok, "float -> float16: closed forms (rounding, ties to even, subnormals, overflow)");
    ok = (wtconv_float_to_half(INFINITY) == 0x7C00) && (wtconv_float_to_half(-INFINITY) == 0xFC00);
    {
        const uint16_t nan = wtconv_float_to_half(NAN);
        ok &= (nan & 0x7C00) == 0x7C00 && (nan & 0x03FF) != 0;
    }
    check(ok, "float -> float16: infinities and NaN");
    /* Every 251st float bit pattern of the finite range, both signs. */
    for (uint64_t bits = 0; bits < 0x7F800000u; bits += 251) {
        for (int s = 0; s < 2; s++) {
            const uint32_t b = (uint32_t)bits | (s ? 0x80000000u : 0);
            float v;
            memcpy(&v, &b, sizeof v);
            if (wtconv_float_to_half(v) != nearest_half(v) && mismatches++ < 3)
                printf("     float %08x -> %04x, nearest %04x\n", (unsigned)b,
                       wtconv_float_to_half(v), nearest_half(v));
        }
    }
    check(mismatches == 0, "float -> float16: 17 million floats against a nearest-value search");
    {
        unsigned char out[4];
        wtconv_encode_f16_le((const float[]){1.0f, -2.0f}, 2, out);
        check(out[0] == 0x00 && out[1] == 0x3C && out[2] == 0x00 && out[3] == 0xC0,
              "float16 encoding is little-endian");
        wtconv_encode_f32_le((const float[]){1.0f}, 1, out);
        check(out[0] == 0 && out[1] == 0 && out[2] == 0x80 && out[3] == 0x3F,
              "float32 encoding is little-endian");
    }
}

int main(void) {
    test_protobuf_bytes();
    test_protobuf_round_trip();
    test_blob_storage();
    test_float_to_half();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
