/* Internal: Core ML's blob storage file (version 2), the `weights/weight.bin` of an ML program
 * package. Its layout (coremltools' mlmodel/src/MILBlob/Blob/StorageFormat.hpp):
 *   a 64-byte header { u32 count, u32 version = 2, 7 x u64 reserved = 0 };
 *   per blob, at the next multiple of 64: a 64-byte metadata record { u32 sentinel 0xDEADBEEF,
 *   u32 dtype, u64 size in bytes, u64 offset of the data, u64 padding bits (0 here),
 *   4 x u64 reserved = 0 }, then the data at once (so also 64-aligned); gaps are zeros and the
 *   file ends with the last blob's data. All little-endian.
 * A program's const op names a blob by the offset of its metadata record. */
#ifndef WTCONV_COREML_BLOB_STORAGE_H
#define WTCONV_COREML_BLOB_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#define WTCONV_BLOB_ALIGNMENT 64
#define WTCONV_BLOB_HEADER_BYTES 64
#define WTCONV_BLOB_METADATA_BYTES 64
#define WTCONV_BLOB_SENTINEL 0xDEADBEEFu
#define WTCONV_BLOB_VERSION 2u

/* BlobDataType values (MILBlob/Blob/BlobDataType.hpp). */
typedef enum wtconv_blob_dtype {
    WTCONV_BLOB_FLOAT16 = 1,
    WTCONV_BLOB_FLOAT32 = 2
} wtconv_blob_dtype;

/* The file, built in memory. Errors are sticky, as in protobuf_writer.h. */
typedef struct wtconv_blob_file {
    unsigned char *data;
    size_t size, capacity;
    uint32_t count;
    int failed;
} wtconv_blob_file;

/* Starts the file with its header (count 0). */
void wtconv_blob_file_init(wtconv_blob_file *file);
void wtconv_blob_file_free(wtconv_blob_file *file);

/* Appends one blob of `size` bytes and returns the offset of its metadata record, the value a
 * program's BlobFileValue.offset holds (0 after a failure). */
uint64_t wtconv_blob_file_add(wtconv_blob_file *file, wtconv_blob_dtype dtype, const void *data,
                              size_t size);

#endif
