/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_METAL_MTLCOMPUTECOMMANDENCODER_H
#define WTCONV_APPLE_SDK_METAL_MTLCOMPUTECOMMANDENCODER_H

#include <Metal/MTLBuffer.h>
#include <Metal/MTLCommandEncoder.h>
#include <Metal/MTLComputePipeline.h>
#include <Metal/MTLTypes.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: MTLComputeCommandEncoder,
 * https://developer.apple.com/documentation/metal/mtlcomputecommandencoder */
API_AVAILABLE(macos(10.11), ios(8.0))
@protocol MTLComputeCommandEncoder <MTLCommandEncoder>
/* Doc: setComputePipelineState: */
- (void)setComputePipelineState:(id<MTLComputePipelineState>)state;
/* Doc: setBytes:length:atIndex: (copies up to 4 KB of constant data) */
- (void)setBytes:(const void *)bytes
          length:(NSUInteger)length
         atIndex:(NSUInteger)index API_AVAILABLE(macos(10.11), ios(8.3));
/* Doc: setBuffer:offset:atIndex: */
- (void)setBuffer:(nullable id<MTLBuffer>)buffer
           offset:(NSUInteger)offset
          atIndex:(NSUInteger)index;
/* Doc: dispatchThreadgroups:threadsPerThreadgroup: */
- (void)dispatchThreadgroups:(MTLSize)threadgroupsPerGrid
       threadsPerThreadgroup:(MTLSize)threadsPerThreadgroup;
/* Doc: dispatchThreads:threadsPerThreadgroup: (only on GPUs with nonuniform threadgroup sizes) */
- (void)dispatchThreads:(MTLSize)threadsPerGrid
    threadsPerThreadgroup:(MTLSize)threadsPerThreadgroup
    API_AVAILABLE(macos(10.13), ios(11.0), tvos(14.5));
/* Doc: memoryBarrierWithScope: */
- (void)memoryBarrierWithScope:(MTLBarrierScope)scope API_AVAILABLE(macos(10.14), ios(12.0));
@end

NS_ASSUME_NONNULL_END

#endif
