/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_METAL_MTLBUFFER_H
#define WTCONV_APPLE_SDK_METAL_MTLBUFFER_H

#include <Metal/MTLResource.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: MTLBuffer, https://developer.apple.com/documentation/metal/mtlbuffer */
API_AVAILABLE(macos(10.11), ios(8.0))
@protocol MTLBuffer <MTLResource>
/* Doc: length */
@property(readonly) NSUInteger length;
/* Doc: contents (CPU address of the storage; meaningless for private storage) */
- (void *)contents NS_RETURNS_INNER_POINTER;
@end

NS_ASSUME_NONNULL_END

#endif
