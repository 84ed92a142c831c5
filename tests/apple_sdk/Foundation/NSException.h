/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header.
 * Needed for @catch (NSException *e) around Metal and Core ML calls. */
#ifndef WTCONV_APPLE_SDK_FOUNDATION_NSEXCEPTION_H
#define WTCONV_APPLE_SDK_FOUNDATION_NSEXCEPTION_H

#include <Foundation/NSString.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: NSExceptionName, https://developer.apple.com/documentation/foundation/nsexceptionname */
typedef NSString *NSExceptionName NS_TYPED_EXTENSIBLE_ENUM;

/* Doc: NSException, https://developer.apple.com/documentation/foundation/nsexception */
@interface NSException : NSObject <NSCopying>
/* Doc: name */
@property(readonly, copy) NSExceptionName name;
/* Doc: reason (may be nil) */
@property(nullable, readonly, copy) NSString *reason;
@end

NS_ASSUME_NONNULL_END

#endif
