/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_METAL_MTLEVENT_H
#define WTCONV_APPLE_SDK_METAL_MTLEVENT_H

#include <Metal/MTLDefines.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: MTLEvent, https://developer.apple.com/documentation/metal/mtlevent */
API_AVAILABLE(macos(10.14), ios(12.0))
@protocol MTLEvent <NSObject>
@end

/* Doc: MTLSharedEvent, https://developer.apple.com/documentation/metal/mtlsharedevent */
API_AVAILABLE(macos(10.14), ios(12.0))
@protocol MTLSharedEvent <MTLEvent>
/* Doc: signaledValue (setting it signals the event; it only ever grows) */
@property(readwrite) uint64_t signaledValue;
@end

NS_ASSUME_NONNULL_END

#endif
