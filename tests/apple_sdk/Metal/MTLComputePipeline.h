/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_METAL_MTLCOMPUTEPIPELINE_H
#define WTCONV_APPLE_SDK_METAL_MTLCOMPUTEPIPELINE_H

#include <Metal/MTLDefines.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: MTLComputePipelineState,
 * https://developer.apple.com/documentation/metal/mtlcomputepipelinestate */
API_AVAILABLE(macos(10.11), ios(8.0))
@protocol MTLComputePipelineState <NSObject>
/* Doc: maxTotalThreadsPerThreadgroup */
@property(readonly) NSUInteger maxTotalThreadsPerThreadgroup;
/* Doc: threadExecutionWidth */
@property(readonly) NSUInteger threadExecutionWidth;
@end

NS_ASSUME_NONNULL_END

#endif
