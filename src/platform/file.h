/* Internal: the few file operations the model loader needs, with 64-bit offsets everywhere. */
#ifndef WTCONV_PLATFORM_FILE_H
#define WTCONV_PLATFORM_FILE_H

#include <stdint.h>
#include <stdio.h>

#include "wtconv/wtconv.h"

typedef struct wtconv_file {
    FILE *fp;
    uint64_t size;
} wtconv_file;

/* Opens a regular file for reading. Fails with WTCONV_ERR_IO (and a message naming the path
 * and the reason) if it is missing, unreadable, or not a regular file. */
wtconv_status wtconv_file_open(const char *path, wtconv_file *file);

/* Reads exactly `size` bytes at `offset`. WTCONV_ERR_IO if the file ends early or fails. */
wtconv_status wtconv_file_read_at(wtconv_file *file, uint64_t offset, void *dst, size_t size);

void wtconv_file_close(wtconv_file *file);

#endif
