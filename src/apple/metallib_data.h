/* Internal: metal/wtconv_kernels.metal compiled into a .metallib at build time (xcrun metal,
 * -fno-fast-math) and embedded in the library as bytes (cmake/EmbedBinary.cmake), so nothing
 * is looked up on disk at run time. */
#ifndef WTCONV_APPLE_METALLIB_DATA_H
#define WTCONV_APPLE_METALLIB_DATA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

extern const unsigned char wtconv_metallib_data[];
extern const size_t wtconv_metallib_size;

#ifdef __cplusplus
}
#endif

#endif
