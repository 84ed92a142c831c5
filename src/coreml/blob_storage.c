#include "coreml/blob_storage.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Bounded far below SIZE_MAX so that offset arithmetic cannot wrap: 1 TiB, or a quarter of a
 * 32-bit size_t (which cannot be shifted by 40). */
#if SIZE_MAX > 0xffffffffu
#define MAX_FILE_BYTES ((size_t)1 << 40)
#else
#define MAX_FILE_BYTES (SIZE_MAX / 4)
#endif

static void put_u32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Grows the file to `size` bytes, the new bytes zero. */
static int grow_to(wtconv_blob_file *file, size_t size) {
    if (file->failed)
        return 0;
    if (size > MAX_FILE_BYTES) {
        file->failed = 1;
        return 0;
    }
    if (size > file->capacity) {
        size_t capacity = file->capacity ? file->capacity : 4096;
        unsigned char *grown;
        while (capacity < size)
            capacity *= 2;
        grown = realloc(file->data, capacity);
        if (!grown) {
            file->failed = 1;
            return 0;
        }
        file->data = grown;
        file->capacity = capacity;
    }
    if (size > file->size)
        memset(file->data + file->size, 0, size - file->size);
    file->size = size;
    return 1;
}

void wtconv_blob_file_init(wtconv_blob_file *file) {
    memset(file, 0, sizeof *file);
    if (grow_to(file, WTCONV_BLOB_HEADER_BYTES))
        put_u32(file->data + 4, WTCONV_BLOB_VERSION); /* count (bytes 0..3) stays 0 */
}

void wtconv_blob_file_free(wtconv_blob_file *file) {
    free(file->data);
    memset(file, 0, sizeof *file);
}

uint64_t wtconv_blob_file_add(wtconv_blob_file *file, wtconv_blob_dtype dtype, const void *data,
                              size_t size) {
    const size_t metadata =
        (file->size + WTCONV_BLOB_ALIGNMENT - 1) / WTCONV_BLOB_ALIGNMENT * WTCONV_BLOB_ALIGNMENT;
    const size_t start = metadata + WTCONV_BLOB_METADATA_BYTES;
    unsigned char *record;
    if (file->failed || size > MAX_FILE_BYTES || !grow_to(file, start + size))
        return 0;
    record = file->data + metadata;
    put_u32(record, WTCONV_BLOB_SENTINEL);
    put_u32(record + 4, (uint32_t)dtype);
    put_u64(record + 8, size);
    put_u64(record + 16, start); /* padding bits and reserved fields stay zero */
    memcpy(file->data + start, data, size);
    put_u32(file->data, ++file->count);
    return metadata;
}
