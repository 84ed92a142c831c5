/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_FOUNDATION_NSERROR_H
#define WTCONV_APPLE_SDK_FOUNDATION_NSERROR_H

#include <Foundation/NSDictionary.h>
#include <Foundation/NSString.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: NSErrorDomain, https://developer.apple.com/documentation/foundation/nserrordomain */
typedef NSString *NSErrorDomain;
/* Doc: NSErrorUserInfoKey,
 * https://developer.apple.com/documentation/foundation/nserroruserinfokey */
typedef NSString *NSErrorUserInfoKey NS_TYPED_EXTENSIBLE_ENUM;

/* Doc: NSError, https://developer.apple.com/documentation/foundation/nserror
 * Methods taking an NSError ** out-parameter inside NS_ASSUME_NONNULL regions get
 * NSError * _Nullable * _Nullable from clang, as with Apple's headers. */
@interface NSError : NSObject <NSCopying>
/* Doc: errorWithDomain:code:userInfo: */
+ (instancetype)errorWithDomain:(NSErrorDomain)domain
                           code:(NSInteger)code
                       userInfo:(nullable NSDictionary<NSErrorUserInfoKey, id> *)dict;
/* Doc: domain */
@property(readonly, copy) NSErrorDomain domain;
/* Doc: code */
@property(readonly) NSInteger code;
/* Doc: localizedDescription */
@property(readonly, copy) NSString *localizedDescription;
@end

NS_ASSUME_NONNULL_END

#endif
