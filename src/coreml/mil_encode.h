/* Internal: encoding the pieces of an ML program (Core ML's MIL.proto) over the protobuf
 * encoder: tensor types, values (immediate or in the blob file), and operations. Field numbers
 * are those of coremltools' mlmodel/format/MIL.proto (read for the facts, not copied). */
#ifndef WTCONV_COREML_MIL_ENCODE_H
#define WTCONV_COREML_MIL_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "coreml/blob_storage.h"
#include "coreml/protobuf_writer.h"

/* MIL DataType values. */
typedef enum wtconv_mil_dtype {
    WTCONV_MIL_STRING = 2,
    WTCONV_MIL_FLOAT16 = 10,
    WTCONV_MIL_FLOAT32 = 11,
    WTCONV_MIL_INT32 = 23
} wtconv_mil_dtype;

#define WTCONV_MIL_MAX_RANK 8

/* A tensor's element type and shape (rank 0: a scalar). */
typedef struct wtconv_mil_type {
    wtconv_mil_dtype dtype;
    int rank;
    int64_t dims[WTCONV_MIL_MAX_RANK];
} wtconv_mil_type;

wtconv_mil_type wtconv_mil_scalar(wtconv_mil_dtype dtype);
wtconv_mil_type wtconv_mil_vector(wtconv_mil_dtype dtype, int64_t length);
wtconv_mil_type wtconv_mil_nchw(wtconv_mil_dtype dtype, int64_t n, int64_t c, int64_t h, int64_t w);
size_t wtconv_mil_elements(const wtconv_mil_type *type);

/* A value: its type and where its elements are. Exactly one source is used, by dtype: `text`
 * for a string scalar, `ints` for int32, `floats` for float32 and float16 (float16 values are
 * rounded to nearest even, and written as little-endian bytes as Core ML expects), or, when
 * `in_blob` is set, the blob file record at `blob_offset` (written by wtconv_mil_blob). */
typedef struct wtconv_mil_value {
    wtconv_mil_type type;
    const char *text;
    const int32_t *ints;
    const float *floats;
    int in_blob;
    uint64_t blob_offset;
} wtconv_mil_value;

/* Writes a ValueType (TensorType) as field `field`. */
void wtconv_mil_write_type(wtconv_pb *pb, uint32_t field, const wtconv_mil_type *type);
/* Writes a Value as field `field`. */
void wtconv_mil_write_value(wtconv_pb *pb, uint32_t field, const wtconv_mil_value *value);

/* A tensor of `type` (float32 or float16) with `floats`, placed as coremltools places it:
 * in the blob file from 10 elements on (`blobs`), else immediate. */
wtconv_mil_value wtconv_mil_tensor(const wtconv_mil_type *type, const float *floats,
                                   wtconv_blob_file *blobs);

/* Operations, appended to a block's operations (field 3 of Block). */
/* `const` with attributes name and val; its one output is `name`, of the value's type. */
void wtconv_mil_const(wtconv_pb *block, const char *name, const wtconv_mil_value *value);

/* Any other operation: wtconv_mil_op_begin, then its inputs (each bound to a named value), its
 * outputs, and wtconv_mil_op_end, which adds the "name" attribute. */
typedef struct wtconv_mil_op {
    size_t mark;
    const char *name;
} wtconv_mil_op;

wtconv_mil_op wtconv_mil_op_begin(wtconv_pb *block, const char *type, const char *name);
void wtconv_mil_op_input(wtconv_pb *block, const char *parameter, const char *value_name);
void wtconv_mil_op_output(wtconv_pb *block, const char *name, const wtconv_mil_type *type);
void wtconv_mil_op_end(wtconv_pb *block, wtconv_mil_op op);

/* A map<string, ...> entry as field `field`: wtconv_pb_begin + the key; the caller writes the
 * value as field 2 and ends the entry with wtconv_pb_end. */
size_t wtconv_pb_map_entry(wtconv_pb *pb, uint32_t field, const char *key);

/* A map<string, string> entry. */
void wtconv_pb_string_pair(wtconv_pb *pb, uint32_t field, const char *key, const char *value);

#endif
