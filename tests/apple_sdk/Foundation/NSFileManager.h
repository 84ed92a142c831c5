/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_FOUNDATION_NSFILEMANAGER_H
#define WTCONV_APPLE_SDK_FOUNDATION_NSFILEMANAGER_H

#include <Foundation/NSArray.h>
#include <Foundation/NSDictionary.h>
#include <Foundation/NSError.h>
#include <Foundation/NSPathUtilities.h>
#include <Foundation/NSURL.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: NSFileAttributeKey,
 * https://developer.apple.com/documentation/foundation/nsfileattributekey */
typedef NSString *NSFileAttributeKey NS_TYPED_EXTENSIBLE_ENUM;

/* Doc: NSFileManager, https://developer.apple.com/documentation/foundation/nsfilemanager */
@interface NSFileManager : NSObject
/* Doc: defaultManager */
@property(class, readonly, strong) NSFileManager *defaultManager;
/* Doc: URLsForDirectory:inDomains: */
- (NSArray<NSURL *> *)URLsForDirectory:(NSSearchPathDirectory)directory
                             inDomains:(NSSearchPathDomainMask)domainMask
    API_AVAILABLE(macos(10.6), ios(4.0), watchos(2.0), tvos(9.0));
/* Doc: createDirectoryAtURL:withIntermediateDirectories:attributes:error: */
- (BOOL)createDirectoryAtURL:(NSURL *)url
    withIntermediateDirectories:(BOOL)createIntermediates
                     attributes:(nullable NSDictionary<NSFileAttributeKey, id> *)attributes
                          error:(NSError **)error
    API_AVAILABLE(macos(10.7), ios(5.0), watchos(2.0), tvos(9.0));
/* Doc: moveItemAtURL:toURL:error: */
- (BOOL)moveItemAtURL:(NSURL *)srcURL
                toURL:(NSURL *)dstURL
                error:(NSError **)error
    API_AVAILABLE(macos(10.6), ios(4.0), watchos(2.0), tvos(9.0));
/* Doc: removeItemAtURL:error: */
- (BOOL)removeItemAtURL:(NSURL *)URL
                  error:(NSError **)error
    API_AVAILABLE(macos(10.6), ios(4.0), watchos(2.0), tvos(9.0));
/* Doc: fileExistsAtPath: */
- (BOOL)fileExistsAtPath:(NSString *)path;
/* Doc: fileExistsAtPath:isDirectory: */
- (BOOL)fileExistsAtPath:(NSString *)path isDirectory:(nullable BOOL *)isDirectory;
@end

@interface NSFileManager (NSUserInformation)
/* Doc: temporaryDirectory */
@property(readonly, copy)
    NSURL *temporaryDirectory API_AVAILABLE(macos(10.12), ios(10.0), watchos(3.0), tvos(10.0));
@end

NS_ASSUME_NONNULL_END

#endif
