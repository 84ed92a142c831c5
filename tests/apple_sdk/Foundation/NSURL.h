/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_FOUNDATION_NSURL_H
#define WTCONV_APPLE_SDK_FOUNDATION_NSURL_H

#include <Foundation/NSString.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: NSURL, https://developer.apple.com/documentation/foundation/nsurl */
@interface NSURL : NSObject <NSCopying>
/* Doc: fileURLWithPath:isDirectory: */
+ (NSURL *)fileURLWithPath:(NSString *)path
               isDirectory:(BOOL)isDir
    API_AVAILABLE(macos(10.5), ios(2.0), watchos(2.0), tvos(9.0));
/* Doc: fileURLWithPath: */
+ (NSURL *)fileURLWithPath:(NSString *)path;
/* Doc: path (nil for a URL without a path) */
@property(nullable, readonly, copy) NSString *path;
@end

@interface NSURL (NSURLPathUtilities)
/* Doc: lastPathComponent */
@property(nullable, readonly, copy)
    NSString *lastPathComponent API_AVAILABLE(macos(10.6), ios(4.0), watchos(2.0), tvos(9.0));
/* Doc: pathExtension */
@property(nullable, readonly, copy)
    NSString *pathExtension API_AVAILABLE(macos(10.6), ios(4.0), watchos(2.0), tvos(9.0));
/* Doc: URLByAppendingPathComponent: */
- (nullable NSURL *)URLByAppendingPathComponent:(NSString *)pathComponent
    API_AVAILABLE(macos(10.6), ios(4.0), watchos(2.0), tvos(9.0));
/* Doc: URLByAppendingPathComponent:isDirectory: */
- (nullable NSURL *)URLByAppendingPathComponent:(NSString *)pathComponent
                                    isDirectory:(BOOL)isDirectory
    API_AVAILABLE(macos(10.7), ios(5.0), watchos(2.0), tvos(9.0));
@end

NS_ASSUME_NONNULL_END

#endif
