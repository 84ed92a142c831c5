/* Raw little-endian float32 files (NCHW, no header), as the seed's --input-f32/--output-f32. */
#ifndef WTCONV_EXAMPLES_RAW_F32_H
#define WTCONV_EXAMPLES_RAW_F32_H

#include <stddef.h>

/* Reads exactly `count` floats. Returns 0, or -1 with a message in `error` (size `cap`). */
int raw_f32_read(const char *path, float *dst, size_t count, char *error, size_t cap);
/* Writes `count` floats. Returns 0, or -1 with a message. */
int raw_f32_write(const char *path, const float *src, size_t count, char *error, size_t cap);

#endif
