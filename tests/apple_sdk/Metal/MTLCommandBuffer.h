/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_METAL_MTLCOMMANDBUFFER_H
#define WTCONV_APPLE_SDK_METAL_MTLCOMMANDBUFFER_H

#include <Metal/MTLDefines.h>

NS_ASSUME_NONNULL_BEGIN

@protocol MTLCommandBuffer;
@protocol MTLComputeCommandEncoder;
@protocol MTLEvent;

/* Doc: MTLCommandBufferStatus,
 * https://developer.apple.com/documentation/metal/mtlcommandbufferstatus */
typedef NS_ENUM(NSUInteger, MTLCommandBufferStatus) {
    MTLCommandBufferStatusNotEnqueued = 0,
    MTLCommandBufferStatusEnqueued = 1,
    MTLCommandBufferStatusCommitted = 2,
    MTLCommandBufferStatusScheduled = 3,
    MTLCommandBufferStatusCompleted = 4,
    MTLCommandBufferStatusError = 5,
} API_AVAILABLE(macos(10.11), ios(8.0));

/* Doc: MTLCommandBufferHandler,
 * https://developer.apple.com/documentation/metal/mtlcommandbufferhandler */
typedef void (^MTLCommandBufferHandler)(id<MTLCommandBuffer>);

/* Doc: MTLDispatchType, https://developer.apple.com/documentation/metal/mtldispatchtype */
typedef NS_ENUM(NSUInteger, MTLDispatchType) {
    MTLDispatchTypeSerial = 0,
    MTLDispatchTypeConcurrent = 1,
} API_AVAILABLE(macos(10.14), ios(12.0));

/* Doc: MTLCommandBuffer, https://developer.apple.com/documentation/metal/mtlcommandbuffer */
API_AVAILABLE(macos(10.11), ios(8.0))
@protocol MTLCommandBuffer <NSObject>
/* Doc: label */
@property(nullable, copy, atomic) NSString *label;
/* Doc: commit */
- (void)commit;
/* Doc: waitUntilScheduled */
- (void)waitUntilScheduled;
/* Doc: addCompletedHandler: */
- (void)addCompletedHandler:(MTLCommandBufferHandler)block;
/* Doc: waitUntilCompleted */
- (void)waitUntilCompleted;
/* Doc: status */
@property(readonly) MTLCommandBufferStatus status;
/* Doc: error (set when status is MTLCommandBufferStatusError) */
@property(nullable, readonly) NSError *error;
/* Doc: computeCommandEncoder */
- (nullable id<MTLComputeCommandEncoder>)computeCommandEncoder;
/* Doc: computeCommandEncoderWithDispatchType: */
- (nullable id<MTLComputeCommandEncoder>)computeCommandEncoderWithDispatchType:
    (MTLDispatchType)dispatchType API_AVAILABLE(macos(10.14), ios(12.0));
/* Doc: encodeWaitForEvent:value: */
- (void)encodeWaitForEvent:(id<MTLEvent>)event
                     value:(uint64_t)value API_AVAILABLE(macos(10.14), ios(12.0));
/* Doc: encodeSignalEvent:value: */
- (void)encodeSignalEvent:(id<MTLEvent>)event
                    value:(uint64_t)value API_AVAILABLE(macos(10.14), ios(12.0));
@end

NS_ASSUME_NONNULL_END

#endif
