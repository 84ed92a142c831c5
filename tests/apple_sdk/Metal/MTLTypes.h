/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_METAL_MTLTYPES_H
#define WTCONV_APPLE_SDK_METAL_MTLTYPES_H

#include <Metal/MTLDefines.h>

/* Doc: MTLSize, https://developer.apple.com/documentation/metal/mtlsize */
typedef struct {
    NSUInteger width, height, depth;
} MTLSize;

/* Doc: MTLSizeMake, https://developer.apple.com/documentation/metal/mtlsizemake(_:_:_:) */
MTL_INLINE MTLSize MTLSizeMake(NSUInteger width, NSUInteger height, NSUInteger depth) {
    MTLSize size = {width, height, depth};
    return size;
}

#endif
