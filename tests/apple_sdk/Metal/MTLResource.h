/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_METAL_MTLRESOURCE_H
#define WTCONV_APPLE_SDK_METAL_MTLRESOURCE_H

#include <Metal/MTLDefines.h>

NS_ASSUME_NONNULL_BEGIN

@protocol MTLDevice;

/* Doc: MTLCPUCacheMode, https://developer.apple.com/documentation/metal/mtlcpucachemode */
typedef NS_ENUM(NSUInteger, MTLCPUCacheMode) {
    MTLCPUCacheModeDefaultCache = 0,
    MTLCPUCacheModeWriteCombined = 1,
} API_AVAILABLE(macos(10.11), ios(8.0));

/* Doc: MTLStorageMode, https://developer.apple.com/documentation/metal/mtlstoragemode */
typedef NS_ENUM(NSUInteger, MTLStorageMode) {
    MTLStorageModeShared = 0,
    MTLStorageModeManaged API_DEPRECATED(
        "Managed storage has no effect on Apple Silicon, use Shared storage instead",
        macos(10.11, 27.0), macCatalyst(13.0, 27.0)) API_UNAVAILABLE(ios) = 1,
    MTLStorageModePrivate = 2,
    MTLStorageModeMemoryless API_AVAILABLE(macos(11.0), macCatalyst(14.0), ios(10.0)) = 3,
} API_AVAILABLE(macos(10.11), ios(9.0));

/* Doc: MTLHazardTrackingMode,
 * https://developer.apple.com/documentation/metal/mtlhazardtrackingmode */
typedef NS_ENUM(NSUInteger, MTLHazardTrackingMode) {
    MTLHazardTrackingModeDefault = 0,
    MTLHazardTrackingModeUntracked = 1,
    MTLHazardTrackingModeTracked = 2,
} API_AVAILABLE(macos(10.15), ios(13.0));

/* Doc: MTLResourceOptions, https://developer.apple.com/documentation/metal/mtlresourceoptions
 * Each option is its mode's value shifted into the mode's field (documented macros below). */
#define MTLResourceCPUCacheModeShift 0
#define MTLResourceCPUCacheModeMask (0xfUL << MTLResourceCPUCacheModeShift)
#define MTLResourceStorageModeShift 4
#define MTLResourceStorageModeMask (0xfUL << MTLResourceStorageModeShift)
#define MTLResourceHazardTrackingModeShift 8
#define MTLResourceHazardTrackingModeMask (0x3UL << MTLResourceHazardTrackingModeShift)

/* clang-format off */
typedef NS_OPTIONS(NSUInteger, MTLResourceOptions) {
    /* Doc: MTLResourceCPUCacheModeDefaultCache (0) */
    MTLResourceCPUCacheModeDefaultCache =
        MTLCPUCacheModeDefaultCache << MTLResourceCPUCacheModeShift,
    /* Doc: MTLResourceStorageModeShared (0) */
    MTLResourceStorageModeShared API_AVAILABLE(macos(10.11), ios(9.0)) =
        MTLStorageModeShared << MTLResourceStorageModeShift,
    /* Doc: MTLResourceHazardTrackingModeTracked (0x200) */
    MTLResourceHazardTrackingModeTracked API_AVAILABLE(macos(10.15), ios(13.0)) =
        MTLHazardTrackingModeTracked << MTLResourceHazardTrackingModeShift,
} API_AVAILABLE(macos(10.11), ios(8.0));
/* clang-format on */

/* Doc: MTLResource, https://developer.apple.com/documentation/metal/mtlresource
 * (Newer SDKs put MTLAllocation between it and NSObject; nothing used here depends on that.) */
API_AVAILABLE(macos(10.11), ios(8.0))
@protocol MTLResource <NSObject>
/* Doc: label */
@property(nullable, copy, atomic) NSString *label;
/* Doc: device */
@property(readonly) id<MTLDevice> device;
@end

NS_ASSUME_NONNULL_END

#endif
