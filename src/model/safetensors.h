/* Internal: reading safetensors files (https://huggingface.co/docs/safetensors) safely.
 *
 * wtconv_st_open reads and validates the header only; tensors are read on demand, so a whole
 * network's state_dict costs only the bytes of the layer asked for. Every offset and size in
 * the header is checked against the file before anything is read. */
#ifndef WTCONV_MODEL_SAFETENSORS_H
#define WTCONV_MODEL_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "model/json.h"
#include "platform/file.h"
#include "wtconv/wtconv.h"

/* The format itself caps the header at 100 MB; a header this large is refused before it is
 * read into memory. */
#define ST_MAX_HEADER_BYTES (100u * 1000u * 1000u)
#define ST_MAX_DIMS 8

typedef enum st_dtype {
    ST_DTYPE_F32,
    ST_DTYPE_F16,
    ST_DTYPE_BF16,
    ST_DTYPE_OTHER_KNOWN, /* a dtype of the format that weights cannot use (I64, F64, ...) */
    ST_DTYPE_UNKNOWN      /* a string this reader does not know: size unchecked, never read */
} st_dtype;

typedef struct st_tensor {
    const char *name; /* NUL-terminated, in the header's string pool */
    const char *dtype_name;
    st_dtype dtype;
    size_t element_size; /* bytes; 0 for ST_DTYPE_UNKNOWN */
    int ndim;
    uint64_t shape[ST_MAX_DIMS];
    uint64_t element_count;
    uint64_t begin, end; /* byte range within the data section */
} st_tensor;

typedef struct st_metadata {
    const char *key;
    const char *value;
} st_metadata;

typedef struct st_file {
    wtconv_file file;
    uint64_t data_start; /* file offset of the data section */
    uint64_t data_size;
    st_tensor *tensors; /* sorted by name */
    size_t tensor_count;
    st_metadata *metadata;
    size_t metadata_count;
    json_doc header;
} st_file;

/* Opens `path` and validates its header. On failure returns WTCONV_ERR_IO or
 * WTCONV_ERR_MODEL_FORMAT (or OUT_OF_MEMORY) with a message naming the problem. */
wtconv_status wtconv_st_open(const char *path, st_file *st);
void wtconv_st_close(st_file *st);

const st_tensor *wtconv_st_find(const st_file *st, const char *name);
const char *wtconv_st_find_metadata(const st_file *st, const char *key);

/* Reads a F32/F16/BF16 tensor converted to float. `dst` holds element_count floats. */
wtconv_status wtconv_st_read_floats(st_file *st, const st_tensor *tensor, float *dst);

#endif
