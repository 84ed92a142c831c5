/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_METAL_MTLDEVICE_H
#define WTCONV_APPLE_SDK_METAL_MTLDEVICE_H

#include <Metal/MTLBuffer.h>
#include <Metal/MTLCommandQueue.h>
#include <Metal/MTLComputePipeline.h>
#include <Metal/MTLEvent.h>
#include <Metal/MTLLibrary.h>
#include <Metal/MTLResource.h>
#include <Metal/MTLTypes.h>

NS_ASSUME_NONNULL_BEGIN

@protocol MTLDevice;

/* Doc: MTLCreateSystemDefaultDevice (nil where Metal is unavailable),
 * https://developer.apple.com/documentation/metal/mtlcreatesystemdefaultdevice() */
MTL_EXTERN id<MTLDevice> _Nullable MTLCreateSystemDefaultDevice(void)
    API_AVAILABLE(macos(10.11), ios(8.0)) NS_RETURNS_RETAINED;

/* Doc: MTLGPUFamily, https://developer.apple.com/documentation/metal/mtlgpufamily
 * Apple7 = A14/M1, Apple8 = A15/A16/M2, Apple9 = A17/M3/M4. Apple-silicon Macs report Mac2 too.
 * The newest SDK headers mark Mac2 and Common1-3 deprecated in macOS/iOS 27 (replacement:
 * Apple7, Apple1/3/5); that is recorded below and does not warn below a 27 deployment target. */
typedef NS_ENUM(NSInteger, MTLGPUFamily) {
    MTLGPUFamilyApple1 = 1001,
    MTLGPUFamilyApple2 = 1002,
    MTLGPUFamilyApple3 = 1003,
    MTLGPUFamilyApple4 = 1004,
    MTLGPUFamilyApple5 = 1005,
    MTLGPUFamilyApple6 = 1006,
    MTLGPUFamilyApple7 = 1007,
    MTLGPUFamilyApple8 = 1008,
    MTLGPUFamilyApple9 = 1009,
    MTLGPUFamilyMac1 API_DEPRECATED_WITH_REPLACEMENT("MTLGPUFamilyApple7", macos(10.15, 13.0),
                                                     ios(13.0, 16.0)) = 2001,
    MTLGPUFamilyMac2 API_DEPRECATED_WITH_REPLACEMENT("MTLGPUFamilyApple7", macos(10.15, 27.0),
                                                     ios(13.0, 27.0)) = 2002,
    MTLGPUFamilyCommon1 API_DEPRECATED_WITH_REPLACEMENT("MTLGPUFamilyApple1", macos(10.15, 27.0),
                                                        ios(13.0, 27.0)) = 3001,
    MTLGPUFamilyCommon2 API_DEPRECATED_WITH_REPLACEMENT("MTLGPUFamilyApple3", macos(10.15, 27.0),
                                                        ios(13.0, 27.0)) = 3002,
    MTLGPUFamilyCommon3 API_DEPRECATED_WITH_REPLACEMENT("MTLGPUFamilyApple5", macos(10.15, 27.0),
                                                        ios(13.0, 27.0)) = 3003,
    MTLGPUFamilyMetal3 API_AVAILABLE(macos(13.0), ios(16.0)) = 5001,
} API_AVAILABLE(macos(10.15), ios(13.0));

/* Doc: MTLDevice, https://developer.apple.com/documentation/metal/mtldevice */
API_AVAILABLE(macos(10.11), ios(8.0))
@protocol MTLDevice <NSObject>
/* Doc: name */
@property(nonnull, readonly) NSString *name;
/* Doc: maxThreadsPerThreadgroup */
@property(readonly) MTLSize maxThreadsPerThreadgroup API_AVAILABLE(macos(10.11), ios(9.0));
/* Doc: maxBufferLength (at least 256 MB) */
@property(readonly) NSUInteger maxBufferLength API_AVAILABLE(macos(10.14), ios(12.0));
/* Doc: hasUnifiedMemory */
@property(readonly) BOOL hasUnifiedMemory API_AVAILABLE(macos(10.15), ios(13.0));
/* Doc: newCommandQueue */
- (nullable id<MTLCommandQueue>)newCommandQueue;
/* Doc: newBufferWithLength:options: */
- (nullable id<MTLBuffer>)newBufferWithLength:(NSUInteger)length
                                      options:(MTLResourceOptions)options;
/* Doc: newLibraryWithData:error: (data holds a .metallib) */
- (nullable id<MTLLibrary>)newLibraryWithData:(dispatch_data_t)data
                                        error:(__autoreleasing NSError **)error;
/* Doc: newComputePipelineStateWithFunction:error: */
- (nullable id<MTLComputePipelineState>)
    newComputePipelineStateWithFunction:(id<MTLFunction>)computeFunction
                                  error:(__autoreleasing NSError **)error;
/* Doc: supportsFamily: */
- (BOOL)supportsFamily:(MTLGPUFamily)gpuFamily API_AVAILABLE(macos(10.15), ios(13.0));
/* Doc: newSharedEvent */
- (nullable id<MTLSharedEvent>)newSharedEvent API_AVAILABLE(macos(10.14), ios(12.0));
@end

NS_ASSUME_NONNULL_END

#endif
