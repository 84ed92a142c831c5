/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_METAL_MTLDEFINES_H
#define WTCONV_APPLE_SDK_METAL_MTLDEFINES_H

#include <Foundation/Foundation.h>

#define MTL_EXPORT __attribute__((visibility("default")))
#ifdef __cplusplus
#define MTL_EXTERN extern "C" MTL_EXPORT
#else
#define MTL_EXTERN extern MTL_EXPORT
#endif
#define MTL_INLINE static inline

#endif
