/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_FOUNDATION_NSDICTIONARY_H
#define WTCONV_APPLE_SDK_FOUNDATION_NSDICTIONARY_H

#include <Foundation/NSArray.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: NSDictionary, https://developer.apple.com/documentation/foundation/nsdictionary
 * for-in over a dictionary enumerates its keys. */
@interface NSDictionary<__covariant KeyType, __covariant ObjectType>
    : NSObject <NSCopying, NSFastEnumeration>
/* Doc: count */
@property(readonly) NSUInteger count;
/* Doc: objectForKey: */
- (nullable ObjectType)objectForKey:(KeyType)aKey;
@end

@interface NSDictionary <KeyType, ObjectType>(NSExtendedDictionary)
/* Doc: allKeys */
@property(readonly, copy) NSArray<KeyType> *allKeys;
/* Doc: objectForKeyedSubscript: (dict[key]) */
- (nullable ObjectType)objectForKeyedSubscript:(KeyType)key
    API_AVAILABLE(macos(10.8), ios(6.0), watchos(2.0), tvos(9.0));
/* Doc: enumerateKeysAndObjectsUsingBlock: */
- (void)enumerateKeysAndObjectsUsingBlock:
    (void(NS_NOESCAPE ^)(KeyType key, ObjectType obj, BOOL *stop))block
    API_AVAILABLE(macos(10.6), ios(4.0), watchos(2.0), tvos(9.0));
@end

@interface NSDictionary <KeyType, ObjectType>(NSDictionaryCreation)
/* Doc: dictionary */
+ (instancetype)dictionary;
/* Doc: dictionaryWithObjects:forKeys:count: (@{...} literals) */
+ (instancetype)dictionaryWithObjects:(const ObjectType _Nonnull[_Nullable])objects
                              forKeys:(const KeyType<NSCopying> _Nonnull[_Nullable])keys
                                count:(NSUInteger)cnt;
@end

/* Doc: NSMutableDictionary,
 * https://developer.apple.com/documentation/foundation/nsmutabledictionary */
@interface NSMutableDictionary<KeyType, ObjectType> : NSDictionary <KeyType, ObjectType>
/* Doc: setObject:forKey: */
- (void)setObject:(ObjectType)anObject forKey:(KeyType<NSCopying>)aKey;
@end

@interface NSMutableDictionary <KeyType, ObjectType>(NSExtendedMutableDictionary)
/* Doc: setObject:forKeyedSubscript: (dict[key] = value; nil removes the key) */
- (void)setObject:(nullable ObjectType)obj
    forKeyedSubscript:(KeyType<NSCopying>)key
    API_AVAILABLE(macos(10.8), ios(6.0), watchos(2.0), tvos(9.0));
@end

@interface NSMutableDictionary <KeyType, ObjectType>(NSMutableDictionaryCreation)
/* Doc: dictionaryWithCapacity: */
+ (instancetype)dictionaryWithCapacity:(NSUInteger)numItems;
@end

NS_ASSUME_NONNULL_END

#endif
