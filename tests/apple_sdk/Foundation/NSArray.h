/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_FOUNDATION_NSARRAY_H
#define WTCONV_APPLE_SDK_FOUNDATION_NSARRAY_H

#include <Foundation/NSEnumerator.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: NSArray, https://developer.apple.com/documentation/foundation/nsarray */
@interface NSArray<__covariant ObjectType> : NSObject <NSCopying, NSFastEnumeration>
/* Doc: count */
@property(readonly) NSUInteger count;
/* Doc: objectAtIndex: */
- (ObjectType)objectAtIndex:(NSUInteger)index;
@end

@interface NSArray <ObjectType>(NSExtendedArray)
/* Doc: objectAtIndexedSubscript: (array[i]) */
- (ObjectType)objectAtIndexedSubscript:(NSUInteger)idx
    API_AVAILABLE(macos(10.8), ios(6.0), watchos(2.0), tvos(9.0));
@end

@interface NSArray <ObjectType>(NSArrayCreation)
/* Doc: array */
+ (instancetype)array;
/* Doc: arrayWithObjects:count: (@[...] literals) */
+ (instancetype)arrayWithObjects:(const ObjectType _Nonnull[_Nonnull])objects count:(NSUInteger)cnt;
@end

/* Doc: NSMutableArray, https://developer.apple.com/documentation/foundation/nsmutablearray */
@interface NSMutableArray<ObjectType> : NSArray <ObjectType>
/* Doc: addObject: */
- (void)addObject:(ObjectType)anObject;
@end

@interface NSMutableArray <ObjectType>(NSMutableArrayCreation)
/* Doc: arrayWithCapacity: */
+ (instancetype)arrayWithCapacity:(NSUInteger)numItems;
@end

NS_ASSUME_NONNULL_END

#endif
