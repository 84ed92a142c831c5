/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_FOUNDATION_NSPROCESSINFO_H
#define WTCONV_APPLE_SDK_FOUNDATION_NSPROCESSINFO_H

#include <Foundation/NSString.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: NSOperatingSystemVersion,
 * https://developer.apple.com/documentation/foundation/nsoperatingsystemversion */
typedef struct {
    NSInteger majorVersion;
    NSInteger minorVersion;
    NSInteger patchVersion;
} NSOperatingSystemVersion;

/* Doc: NSProcessInfo, https://developer.apple.com/documentation/foundation/nsprocessinfo */
@interface NSProcessInfo : NSObject
/* Doc: processInfo */
@property(class, readonly, strong) NSProcessInfo *processInfo;
/* Doc: operatingSystemVersionString */
@property(readonly, copy) NSString *operatingSystemVersionString;
/* Doc: operatingSystemVersion */
@property(readonly) NSOperatingSystemVersion operatingSystemVersion API_AVAILABLE(
    macos(10.10), ios(8.0), watchos(2.0), tvos(9.0));
/* Doc: isOperatingSystemAtLeastVersion: */
- (BOOL)isOperatingSystemAtLeastVersion:(NSOperatingSystemVersion)version
    API_AVAILABLE(macos(10.10), ios(8.0), watchos(2.0), tvos(9.0));
@end

NS_ASSUME_NONNULL_END

#endif
