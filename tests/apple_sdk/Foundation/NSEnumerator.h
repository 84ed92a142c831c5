/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_FOUNDATION_NSENUMERATOR_H
#define WTCONV_APPLE_SDK_FOUNDATION_NSENUMERATOR_H

#include <Foundation/NSObject.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: NSFastEnumerationState,
 * https://developer.apple.com/documentation/foundation/nsfastenumerationstate */
typedef struct {
    unsigned long state;
    id __unsafe_unretained _Nullable *_Nullable itemsPtr;
    unsigned long *_Nullable mutationsPtr;
    unsigned long extra[5];
} NSFastEnumerationState;

/* Doc: NSFastEnumeration, https://developer.apple.com/documentation/foundation/nsfastenumeration
 * for-in loops send countByEnumeratingWithState:objects:count:. */
@protocol NSFastEnumeration
/* Doc: countByEnumeratingWithState:objects:count: */
- (NSUInteger)countByEnumeratingWithState:(NSFastEnumerationState *)state
                                  objects:(id __unsafe_unretained _Nullable[_Nonnull])buffer
                                    count:(NSUInteger)len;
@end

NS_ASSUME_NONNULL_END

#endif
