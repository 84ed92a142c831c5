#include "coreml/mil_encode.h"

#include <stdlib.h>
#include <string.h>

#include "model/dtype.h"

/* MIL.proto field numbers. */
enum {
    VALUE_TYPE_TENSOR = 1,       /* ValueType.tensorType */
    TENSOR_TYPE_DTYPE = 1,       /* TensorType.dataType */
    TENSOR_TYPE_RANK = 2,        /* TensorType.rank */
    TENSOR_TYPE_DIMENSIONS = 3,  /* TensorType.dimensions */
    DIMENSION_CONSTANT = 1,      /* Dimension.constant */
    CONSTANT_DIMENSION_SIZE = 1, /* Dimension.ConstantDimension.size */
    VALUE_TYPE = 2,              /* Value.type */
    VALUE_IMMEDIATE = 3,         /* Value.immediateValue */
    VALUE_BLOB_FILE = 5,         /* Value.blobFileValue */
    IMMEDIATE_TENSOR = 1,        /* Value.ImmediateValue.tensor */
    TENSOR_FLOATS = 1,           /* TensorValue.floats */
    TENSOR_INTS = 2,             /* TensorValue.ints */
    TENSOR_STRINGS = 4,          /* TensorValue.strings */
    TENSOR_BYTES = 7,            /* TensorValue.bytes */
    REPEATED_VALUES = 1,         /* TensorValue.Repeated*.values */
    BLOB_FILE_NAME = 1,          /* Value.BlobFileValue.fileName */
    BLOB_OFFSET = 2,             /* Value.BlobFileValue.offset */
    OPERATION_TYPE = 1,          /* Operation.type */
    OPERATION_INPUTS = 2,        /* Operation.inputs (map<string, Argument>) */
    OPERATION_OUTPUTS = 3,       /* Operation.outputs */
    OPERATION_ATTRIBUTES = 5,    /* Operation.attributes (map<string, Value>) */
    ARGUMENT_ARGUMENTS = 1,      /* Argument.arguments */
    BINDING_NAME = 1,            /* Argument.Binding.name */
    NAMED_VALUE_TYPE_NAME = 1,   /* NamedValueType.name */
    NAMED_VALUE_TYPE_TYPE = 2,   /* NamedValueType.type */
    BLOCK_OPERATIONS = 3,        /* Block.operations */
    MAP_KEY = 1,
    MAP_VALUE = 2
};

/* Where coremltools' programs keep their weights (the package's weights/weight.bin). */
#define BLOB_FILE_PATH "@model_path/weights/weight.bin"
/* coremltools moves a constant to the blob file from this many elements on
 * (should_use_weight_file in coremltools/converters/mil/backend/mil/load.py). */
#define BLOB_MIN_ELEMENTS 10

wtconv_mil_type wtconv_mil_scalar(wtconv_mil_dtype dtype) {
    wtconv_mil_type t;
    memset(&t, 0, sizeof t);
    t.dtype = dtype;
    return t;
}

wtconv_mil_type wtconv_mil_vector(wtconv_mil_dtype dtype, int64_t length) {
    wtconv_mil_type t = wtconv_mil_scalar(dtype);
    t.rank = 1;
    t.dims[0] = length;
    return t;
}

wtconv_mil_type wtconv_mil_nchw(wtconv_mil_dtype dtype, int64_t n, int64_t c, int64_t h,
                                int64_t w) {
    wtconv_mil_type t = wtconv_mil_scalar(dtype);
    t.rank = 4;
    t.dims[0] = n;
    t.dims[1] = c;
    t.dims[2] = h;
    t.dims[3] = w;
    return t;
}

size_t wtconv_mil_elements(const wtconv_mil_type *type) {
    size_t n = 1;
    for (int i = 0; i < type->rank; i++)
        n *= (size_t)type->dims[i];
    return n;
}

size_t wtconv_pb_map_entry(wtconv_pb *pb, uint32_t field, const char *key) {
    const size_t mark = wtconv_pb_begin(pb, field);
    wtconv_pb_string(pb, MAP_KEY, key);
    return mark;
}

void wtconv_pb_string_pair(wtconv_pb *pb, uint32_t field, const char *key, const char *value) {
    const size_t mark = wtconv_pb_map_entry(pb, field, key);
    wtconv_pb_string(pb, MAP_VALUE, value);
    wtconv_pb_end(pb, mark);
}

void wtconv_mil_write_type(wtconv_pb *pb, uint32_t field, const wtconv_mil_type *type) {
    const size_t value_type = wtconv_pb_begin(pb, field);
    const size_t tensor = wtconv_pb_begin(pb, VALUE_TYPE_TENSOR);
    wtconv_pb_varint(pb, TENSOR_TYPE_DTYPE, (uint64_t)type->dtype);
    if (type->rank) /* proto3 leaves out zeros: a scalar has neither rank nor dimensions */
        wtconv_pb_varint(pb, TENSOR_TYPE_RANK, (uint64_t)type->rank);
    for (int i = 0; i < type->rank; i++) {
        const size_t dimension = wtconv_pb_begin(pb, TENSOR_TYPE_DIMENSIONS);
        const size_t constant = wtconv_pb_begin(pb, DIMENSION_CONSTANT);
        wtconv_pb_varint(pb, CONSTANT_DIMENSION_SIZE, (uint64_t)type->dims[i]);
        wtconv_pb_end(pb, constant);
        wtconv_pb_end(pb, dimension);
    }
    wtconv_pb_end(pb, tensor);
    wtconv_pb_end(pb, value_type);
}

static void write_immediate_tensor(wtconv_pb *pb, const wtconv_mil_value *v) {
    const size_t count = wtconv_mil_elements(&v->type);
    const size_t immediate = wtconv_pb_begin(pb, VALUE_IMMEDIATE);
    const size_t tensor = wtconv_pb_begin(pb, IMMEDIATE_TENSOR);
    size_t list;
    switch (v->type.dtype) {
    case WTCONV_MIL_STRING:
        list = wtconv_pb_begin(pb, TENSOR_STRINGS);
        wtconv_pb_string(pb, REPEATED_VALUES, v->text);
        wtconv_pb_end(pb, list);
        break;
    case WTCONV_MIL_INT32: {
        list = wtconv_pb_begin(pb, TENSOR_INTS);
        {
            int64_t wide[WTCONV_MIL_MAX_RANK * 2];
            size_t n = count < sizeof wide / sizeof wide[0] ? count : 0;
            for (size_t i = 0; i < n; i++)
                wide[i] = v->ints[i];
            if (n != count) /* int32 constants here are shapes and pads: a few elements */
                pb->failed = 1;
            wtconv_pb_packed_varints(pb, REPEATED_VALUES, wide, n);
        }
        wtconv_pb_end(pb, list);
        break;
    }
    case WTCONV_MIL_FLOAT32:
        list = wtconv_pb_begin(pb, TENSOR_FLOATS);
        wtconv_pb_packed_floats(pb, REPEATED_VALUES, v->floats, count);
        wtconv_pb_end(pb, list);
        break;
    case WTCONV_MIL_FLOAT16: { /* raw little-endian halves, as coremltools writes them */
        unsigned char halves[2 * BLOB_MIN_ELEMENTS];
        if (count > BLOB_MIN_ELEMENTS) {
            pb->failed = 1;
            break;
        }
        wtconv_encode_f16_le(v->floats, count, halves);
        list = wtconv_pb_begin(pb, TENSOR_BYTES);
        wtconv_pb_bytes(pb, REPEATED_VALUES, halves, 2 * count);
        wtconv_pb_end(pb, list);
        break;
    }
    }
    wtconv_pb_end(pb, tensor);
    wtconv_pb_end(pb, immediate);
}

void wtconv_mil_write_value(wtconv_pb *pb, uint32_t field, const wtconv_mil_value *v) {
    const size_t value = wtconv_pb_begin(pb, field);
    wtconv_mil_write_type(pb, VALUE_TYPE, &v->type);
    if (v->in_blob) {
        const size_t blob = wtconv_pb_begin(pb, VALUE_BLOB_FILE);
        wtconv_pb_string(pb, BLOB_FILE_NAME, BLOB_FILE_PATH);
        wtconv_pb_varint(pb, BLOB_OFFSET, v->blob_offset);
        wtconv_pb_end(pb, blob);
    } else {
        write_immediate_tensor(pb, v);
    }
    wtconv_pb_end(pb, value);
}

wtconv_mil_value wtconv_mil_tensor(const wtconv_mil_type *type, const float *floats,
                                   wtconv_blob_file *blobs) {
    wtconv_mil_value v;
    const size_t count = wtconv_mil_elements(type);
    memset(&v, 0, sizeof v);
    v.type = *type;
    v.floats = floats;
    if (count >= BLOB_MIN_ELEMENTS) {
        const int half = type->dtype == WTCONV_MIL_FLOAT16;
        const size_t bytes = count * (half ? 2u : 4u);
        unsigned char *encoded = malloc(bytes);
        if (!encoded) {
            blobs->failed = 1;
            return v;
        }
        if (half)
            wtconv_encode_f16_le(floats, count, encoded);
        else
            wtconv_encode_f32_le(floats, count, encoded);
        v.in_blob = 1;
        v.blob_offset = wtconv_blob_file_add(
            blobs, half ? WTCONV_BLOB_FLOAT16 : WTCONV_BLOB_FLOAT32, encoded, bytes);
        free(encoded);
    }
    return v;
}

static void write_name_attribute(wtconv_pb *pb, const char *name) {
    wtconv_mil_value text;
    size_t entry;
    memset(&text, 0, sizeof text);
    text.type = wtconv_mil_scalar(WTCONV_MIL_STRING);
    text.text = name;
    entry = wtconv_pb_map_entry(pb, OPERATION_ATTRIBUTES, "name");
    wtconv_mil_write_value(pb, MAP_VALUE, &text);
    wtconv_pb_end(pb, entry);
}

void wtconv_mil_const(wtconv_pb *block, const char *name, const wtconv_mil_value *value) {
    const size_t op = wtconv_pb_begin(block, BLOCK_OPERATIONS);
    size_t entry;
    wtconv_pb_string(block, OPERATION_TYPE, "const");
    wtconv_mil_op_output(block, name, &value->type);
    write_name_attribute(block, name);
    entry = wtconv_pb_map_entry(block, OPERATION_ATTRIBUTES, "val");
    wtconv_mil_write_value(block, MAP_VALUE, value);
    wtconv_pb_end(block, entry);
    wtconv_pb_end(block, op);
}

wtconv_mil_op wtconv_mil_op_begin(wtconv_pb *block, const char *type, const char *name) {
    wtconv_mil_op op;
    op.mark = wtconv_pb_begin(block, BLOCK_OPERATIONS);
    op.name = name;
    wtconv_pb_string(block, OPERATION_TYPE, type);
    return op;
}

void wtconv_mil_op_input(wtconv_pb *block, const char *parameter, const char *value_name) {
    const size_t entry = wtconv_pb_map_entry(block, OPERATION_INPUTS, parameter);
    const size_t argument = wtconv_pb_begin(block, MAP_VALUE);
    const size_t binding = wtconv_pb_begin(block, ARGUMENT_ARGUMENTS);
    wtconv_pb_string(block, BINDING_NAME, value_name);
    wtconv_pb_end(block, binding);
    wtconv_pb_end(block, argument);
    wtconv_pb_end(block, entry);
}

void wtconv_mil_op_output(wtconv_pb *block, const char *name, const wtconv_mil_type *type) {
    const size_t output = wtconv_pb_begin(block, OPERATION_OUTPUTS);
    wtconv_pb_string(block, NAMED_VALUE_TYPE_NAME, name);
    wtconv_mil_write_type(block, NAMED_VALUE_TYPE_TYPE, type);
    wtconv_pb_end(block, output);
}

void wtconv_mil_op_end(wtconv_pb *block, wtconv_mil_op op) {
    write_name_attribute(block, op.name);
    wtconv_pb_end(block, op.mark);
}
