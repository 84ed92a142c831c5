/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_METAL_MTLCOMMANDENCODER_H
#define WTCONV_APPLE_SDK_METAL_MTLCOMMANDENCODER_H

#include <Metal/MTLDefines.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: MTLBarrierScope, https://developer.apple.com/documentation/metal/mtlbarrierscope */
typedef NS_OPTIONS(NSUInteger, MTLBarrierScope) {
    MTLBarrierScopeBuffers = 1 << 0,
    MTLBarrierScopeTextures = 1 << 1,
    MTLBarrierScopeRenderTargets API_AVAILABLE(macos(10.14), macCatalyst(13.0))
        API_UNAVAILABLE(ios) = 1 << 2,
} API_AVAILABLE(macos(10.14), ios(12.0));

/* Doc: MTLCommandEncoder, https://developer.apple.com/documentation/metal/mtlcommandencoder */
API_AVAILABLE(macos(10.11), ios(8.0))
@protocol MTLCommandEncoder <NSObject>
/* Doc: label */
@property(nullable, copy, atomic) NSString *label;
/* Doc: endEncoding */
- (void)endEncoding;
/* Doc: pushDebugGroup: */
- (void)pushDebugGroup:(NSString *)string;
/* Doc: popDebugGroup */
- (void)popDebugGroup;
@end

NS_ASSUME_NONNULL_END

#endif
