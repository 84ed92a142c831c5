/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_METAL_MTLCOMMANDQUEUE_H
#define WTCONV_APPLE_SDK_METAL_MTLCOMMANDQUEUE_H

#include <Metal/MTLCommandBuffer.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: MTLCommandQueue, https://developer.apple.com/documentation/metal/mtlcommandqueue */
API_AVAILABLE(macos(10.11), ios(8.0))
@protocol MTLCommandQueue <NSObject>
/* Doc: label */
@property(nullable, copy, atomic) NSString *label;
/* Doc: commandBuffer */
- (nullable id<MTLCommandBuffer>)commandBuffer;
@end

NS_ASSUME_NONNULL_END

#endif
