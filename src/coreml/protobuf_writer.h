/* Internal: a small protocol-buffers wire-format encoder (proto3), enough to write a Core ML
 * model specification. The library takes no protobuf package (the design card says none), and
 * what the Core ML writer needs is a handful of field kinds: varints, fixed 32-bit floats,
 * length-delimited bytes and nested messages.
 *
 * Errors are sticky: after an allocation fails every call is a no-op and `failed` stays set, so
 * a writer checks once at the end. */
#ifndef WTCONV_COREML_PROTOBUF_WRITER_H
#define WTCONV_COREML_PROTOBUF_WRITER_H

#include <stddef.h>
#include <stdint.h>

typedef struct wtconv_pb {
    unsigned char *data;
    size_t size, capacity;
    int failed; /* an allocation failed (or a message grew past 2 GiB): the bytes are unusable */
} wtconv_pb;

void wtconv_pb_init(wtconv_pb *pb);
void wtconv_pb_free(wtconv_pb *pb);

/* A varint field (int32, int64, uint64, bool, enum). Negative int32/int64 values are written
 * as their 64-bit two's complement, as protobuf does. */
void wtconv_pb_varint(wtconv_pb *pb, uint32_t field, uint64_t value);

/* A length-delimited field holding `size` raw bytes (bytes, string). */
void wtconv_pb_bytes(wtconv_pb *pb, uint32_t field, const void *data, size_t size);
void wtconv_pb_string(wtconv_pb *pb, uint32_t field, const char *text);

/* Packed repeated fields: `repeated float` (fixed32, little-endian) and `repeated int32/int64`
 * (varints). */
void wtconv_pb_packed_floats(wtconv_pb *pb, uint32_t field, const float *values, size_t count);
void wtconv_pb_packed_varints(wtconv_pb *pb, uint32_t field, const int64_t *values, size_t count);

/* A nested message: wtconv_pb_begin writes the field's tag and returns a mark; the message's
 * fields follow; wtconv_pb_end(mark) puts the length in front of them. Nest freely. */
size_t wtconv_pb_begin(wtconv_pb *pb, uint32_t field);
void wtconv_pb_end(wtconv_pb *pb, size_t mark);

#endif
