/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_FOUNDATION_NSVALUE_H
#define WTCONV_APPLE_SDK_FOUNDATION_NSVALUE_H

#include <Foundation/NSObject.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: NSValue, https://developer.apple.com/documentation/foundation/nsvalue (superclass only) */
@interface NSValue : NSObject <NSCopying>
@end

/* Doc: NSNumber, https://developer.apple.com/documentation/foundation/nsnumber */
@interface NSNumber : NSValue
/* Doc: intValue */
@property(readonly) int intValue;
/* Doc: longLongValue */
@property(readonly) long long longLongValue;
/* Doc: integerValue */
@property(readonly)
    NSInteger integerValue API_AVAILABLE(macos(10.5), ios(2.0), watchos(2.0), tvos(9.0));
@end

/* The numberWith* class methods; a boxed expression @(x) calls the one for x's type, so all of
 * them are declared. */
@interface NSNumber (NSNumberCreation)
/* Doc: numberWithChar: */
+ (NSNumber *)numberWithChar:(char)value;
/* Doc: numberWithUnsignedChar: */
+ (NSNumber *)numberWithUnsignedChar:(unsigned char)value;
/* Doc: numberWithShort: */
+ (NSNumber *)numberWithShort:(short)value;
/* Doc: numberWithUnsignedShort: */
+ (NSNumber *)numberWithUnsignedShort:(unsigned short)value;
/* Doc: numberWithInt: */
+ (NSNumber *)numberWithInt:(int)value;
/* Doc: numberWithUnsignedInt: */
+ (NSNumber *)numberWithUnsignedInt:(unsigned int)value;
/* Doc: numberWithLong: */
+ (NSNumber *)numberWithLong:(long)value;
/* Doc: numberWithUnsignedLong: */
+ (NSNumber *)numberWithUnsignedLong:(unsigned long)value;
/* Doc: numberWithLongLong: */
+ (NSNumber *)numberWithLongLong:(long long)value;
/* Doc: numberWithUnsignedLongLong: */
+ (NSNumber *)numberWithUnsignedLongLong:(unsigned long long)value;
/* Doc: numberWithFloat: */
+ (NSNumber *)numberWithFloat:(float)value;
/* Doc: numberWithDouble: */
+ (NSNumber *)numberWithDouble:(double)value;
/* Doc: numberWithBool: (also used for @YES and @NO) */
+ (NSNumber *)numberWithBool:(BOOL)value;
/* Doc: numberWithInteger: */
+ (NSNumber *)numberWithInteger:(NSInteger)value
    API_AVAILABLE(macos(10.5), ios(2.0), watchos(2.0), tvos(9.0));
/* Doc: numberWithUnsignedInteger: */
+ (NSNumber *)numberWithUnsignedInteger:(NSUInteger)value
    API_AVAILABLE(macos(10.5), ios(2.0), watchos(2.0), tvos(9.0));
@end

NS_ASSUME_NONNULL_END

#endif
