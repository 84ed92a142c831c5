/* Test support: a protocol-buffers wire-format reader, written from the encoding guide
 * independently of the library's encoder (src/coreml/protobuf_writer.c), for decoding Core ML
 * model specifications in the tests. Accepts packed and unpacked repeated scalars. */
#ifndef WTCONV_TESTS_PROTOBUF_READER_H
#define WTCONV_TESTS_PROTOBUF_READER_H

#include <stddef.h>
#include <stdint.h>

enum { PB_VARINT = 0, PB_FIXED64 = 1, PB_BYTES = 2, PB_FIXED32 = 5 };

typedef struct pb_field {
    uint32_t number;
    int wire;                  /* PB_VARINT, PB_FIXED64, PB_BYTES, PB_FIXED32 */
    uint64_t value;            /* varints and fixed fields */
    const unsigned char *data; /* PB_BYTES: the payload */
    size_t size;
} pb_field;

typedef struct pb_cursor {
    const unsigned char *p, *end;
    int malformed; /* set when a field could not be read */
} pb_cursor;

pb_cursor pb_open(const void *data, size_t size);
pb_cursor pb_open_field(const pb_field *field); /* the payload of a PB_BYTES field */

/* Reads the next field: 1 if one was read, 0 at the end or when malformed (see malformed). */
int pb_next(pb_cursor *c, pb_field *field);

/* The elements of a repeated varint / fixed32 field, packed or not: appends the values of
 * `field` to values[*count .. cap). Returns 0 when malformed or past cap. */
int pb_repeated_varints(const pb_field *field, uint64_t *values, size_t *count, size_t cap);
int pb_repeated_fixed32(const pb_field *field, uint32_t *values, size_t *count, size_t cap);

#endif
