/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_FOUNDATION_NSPATHUTILITIES_H
#define WTCONV_APPLE_SDK_FOUNDATION_NSPATHUTILITIES_H

#include <Foundation/NSString.h>

NS_ASSUME_NONNULL_BEGIN

/* Class page: https://developer.apple.com/documentation/foundation/nsstring
 * ("Working with Paths") */
@interface NSString (NSStringPathExtensions)
/* Doc: lastPathComponent */
@property(readonly, copy) NSString *lastPathComponent;
/* Doc: pathExtension */
@property(readonly, copy) NSString *pathExtension;
/* Doc: stringByAppendingPathComponent: */
- (NSString *)stringByAppendingPathComponent:(NSString *)str;
@end

/* Doc: NSSearchPathDirectory,
 * https://developer.apple.com/documentation/foundation/nssearchpathdirectory */
typedef NS_ENUM(NSUInteger, NSSearchPathDirectory) {
    /* Doc: NSCachesDirectory */
    NSCachesDirectory = 13,
};

/* Doc: NSSearchPathDomainMask,
 * https://developer.apple.com/documentation/foundation/nssearchpathdomainmask */
typedef NS_OPTIONS(NSUInteger, NSSearchPathDomainMask) {
    /* Doc: NSUserDomainMask */
    NSUserDomainMask = 1,
};

NS_ASSUME_NONNULL_END

#endif
