/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_FOUNDATION_NSUUID_H
#define WTCONV_APPLE_SDK_FOUNDATION_NSUUID_H

#include <Foundation/NSString.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: NSUUID, https://developer.apple.com/documentation/foundation/nsuuid */
API_AVAILABLE(macos(10.8), ios(6.0), watchos(2.0), tvos(9.0))
@interface NSUUID : NSObject <NSCopying>
/* Doc: UUID */
+ (instancetype)UUID;
/* Doc: UUIDString */
@property(readonly, copy) NSString *UUIDString;
@end

NS_ASSUME_NONNULL_END

#endif
