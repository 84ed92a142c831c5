/* Internal: the Apple backend (Metal for the Haar stages, Core ML for the convolutions).
 * Compiled only with WTCONV_WITH_METAL, on macOS and iOS. */
#ifndef WTCONV_APPLE_METAL_BACKEND_H
#define WTCONV_APPLE_METAL_BACKEND_H

#include "backend/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const wtconv_backend_ops wtconv_metal_backend;

#ifdef __cplusplus
}
#endif

#endif
