/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_FOUNDATION_NSOBJECT_H
#define WTCONV_APPLE_SDK_FOUNDATION_NSOBJECT_H

#include <Foundation/NSObjCRuntime.h>
#include <objc/NSObject.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: NSZone, https://developer.apple.com/documentation/foundation/nszone (opaque here). */
typedef struct _NSZone NSZone;

/* Doc: NSCopying, https://developer.apple.com/documentation/foundation/nscopying
 * Dictionary literal keys must conform to it. */
@protocol NSCopying
/* Doc: copyWithZone: */
- (id)copyWithZone:(nullable NSZone *)zone;
@end

NS_ASSUME_NONNULL_END

#endif
