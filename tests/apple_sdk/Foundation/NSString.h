/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header.
 * Class page: https://developer.apple.com/documentation/foundation/nsstring */
#ifndef WTCONV_APPLE_SDK_FOUNDATION_NSSTRING_H
#define WTCONV_APPLE_SDK_FOUNDATION_NSSTRING_H

#include <Foundation/NSObject.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: NSString. @"..." literals have this type. */
@interface NSString : NSObject <NSCopying>
/* Doc: length */
@property(readonly) NSUInteger length;
@end

@interface NSString (NSStringExtensionMethods)
/* Doc: isEqualToString: */
- (BOOL)isEqualToString:(NSString *)aString;
/* Doc: hasSuffix: */
- (BOOL)hasSuffix:(NSString *)str;
/* Doc: UTF8String (nil when the string cannot be converted) */
@property(nullable, readonly) const char *UTF8String NS_RETURNS_INNER_POINTER;
/* Doc: stringWithFormat: */
+ (instancetype)stringWithFormat:(NSString *)format, ... NS_FORMAT_FUNCTION(1, 2);
/* Doc: stringWithUTF8String: (nil for invalid UTF-8; also used for boxed C strings, @(s)) */
+ (nullable instancetype)stringWithUTF8String:(const char *)nullTerminatedCString;
@end

NS_ASSUME_NONNULL_END

#endif
