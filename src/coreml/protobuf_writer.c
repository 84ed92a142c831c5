#include "coreml/protobuf_writer.h"

#include <stdlib.h>
#include <string.h>

/* Wire types (protobuf encoding guide). */
#define WIRE_VARINT 0u
#define WIRE_LENGTH_DELIMITED 2u

/* A length-delimited field's length is a uint32 for every protobuf parser: stay below 2 GiB. */
#define MAX_MESSAGE_BYTES ((size_t)INT32_MAX)

#define MAX_VARINT_BYTES 10

void wtconv_pb_init(wtconv_pb *pb) { memset(pb, 0, sizeof *pb); }

void wtconv_pb_free(wtconv_pb *pb) {
    free(pb->data);
    memset(pb, 0, sizeof *pb);
}

static int reserve(wtconv_pb *pb, size_t extra) {
    size_t need, capacity;
    unsigned char *grown;
    if (pb->failed)
        return 0;
    if (extra > MAX_MESSAGE_BYTES - pb->size) {
        pb->failed = 1;
        return 0;
    }
    need = pb->size + extra;
    if (need <= pb->capacity)
        return 1;
    capacity = pb->capacity ? pb->capacity : 256;
    while (capacity < need)
        capacity = capacity > MAX_MESSAGE_BYTES / 2 ? MAX_MESSAGE_BYTES : capacity * 2;
    grown = realloc(pb->data, capacity);
    if (!grown) {
        pb->failed = 1;
        return 0;
    }
    pb->data = grown;
    pb->capacity = capacity;
    return 1;
}

static size_t encode_varint(uint64_t value, unsigned char out[MAX_VARINT_BYTES]) {
    size_t n = 0;
    while (value >= 0x80) {
        out[n++] = (unsigned char)(value | 0x80);
        value >>= 7;
    }
    out[n++] = (unsigned char)value;
    return n;
}

static void append(wtconv_pb *pb, const void *data, size_t size) {
    if (!reserve(pb, size))
        return;
    if (size)
        memcpy(pb->data + pb->size, data, size);
    pb->size += size;
}

static void append_varint(wtconv_pb *pb, uint64_t value) {
    unsigned char bytes[MAX_VARINT_BYTES];
    append(pb, bytes, encode_varint(value, bytes));
}

static void append_tag(wtconv_pb *pb, uint32_t field, uint32_t wire_type) {
    append_varint(pb, (uint64_t)field << 3 | wire_type);
}

void wtconv_pb_varint(wtconv_pb *pb, uint32_t field, uint64_t value) {
    append_tag(pb, field, WIRE_VARINT);
    append_varint(pb, value);
}

void wtconv_pb_bytes(wtconv_pb *pb, uint32_t field, const void *data, size_t size) {
    append_tag(pb, field, WIRE_LENGTH_DELIMITED);
    append_varint(pb, size);
    append(pb, data, size);
}

void wtconv_pb_string(wtconv_pb *pb, uint32_t field, const char *text) {
    wtconv_pb_bytes(pb, field, text, strlen(text));
}

void wtconv_pb_packed_floats(wtconv_pb *pb, uint32_t field, const float *values, size_t count) {
    const size_t mark = wtconv_pb_begin(pb, field);
    for (size_t i = 0; i < count; i++) {
        uint32_t bits;
        unsigned char le[4];
        memcpy(&bits, &values[i], sizeof bits);
        le[0] = (unsigned char)bits;
        le[1] = (unsigned char)(bits >> 8);
        le[2] = (unsigned char)(bits >> 16);
        le[3] = (unsigned char)(bits >> 24);
        append(pb, le, sizeof le);
    }
    wtconv_pb_end(pb, mark);
}

void wtconv_pb_packed_varints(wtconv_pb *pb, uint32_t field, const int64_t *values, size_t count) {
    const size_t mark = wtconv_pb_begin(pb, field);
    for (size_t i = 0; i < count; i++)
        append_varint(pb, (uint64_t)values[i]);
    wtconv_pb_end(pb, mark);
}

size_t wtconv_pb_begin(wtconv_pb *pb, uint32_t field) {
    append_tag(pb, field, WIRE_LENGTH_DELIMITED);
    return pb->size;
}

/* The content is written first, so its length is known only now: shift the content up by the
 * length's varint size and write the length in the gap. Messages here are small (weights go to
 * the blob file), so the copies cost nothing that matters. */
void wtconv_pb_end(wtconv_pb *pb, size_t mark) {
    unsigned char bytes[MAX_VARINT_BYTES];
    size_t length, n;
    if (pb->failed)
        return;
    length = pb->size - mark;
    n = encode_varint(length, bytes);
    if (!reserve(pb, n))
        return;
    memmove(pb->data + mark + n, pb->data + mark, length);
    memcpy(pb->data + mark, bytes, n);
    pb->size += n;
}
