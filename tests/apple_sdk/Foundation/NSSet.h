/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header.
 * Needed because MLFeatureProvider.featureNames is an NSSet<NSString *>. */
#ifndef WTCONV_APPLE_SDK_FOUNDATION_NSSET_H
#define WTCONV_APPLE_SDK_FOUNDATION_NSSET_H

#include <Foundation/NSEnumerator.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: NSSet, https://developer.apple.com/documentation/foundation/nsset */
@interface NSSet<__covariant ObjectType> : NSObject <NSCopying, NSFastEnumeration>
/* Doc: count */
@property(readonly) NSUInteger count;
@end

NS_ASSUME_NONNULL_END

#endif
