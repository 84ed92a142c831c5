/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header.
 *
 * The NSObject root class and protocol, from the Objective-C runtime documentation. */
#ifndef WTCONV_APPLE_SDK_OBJC_NSOBJECT_H
#define WTCONV_APPLE_SDK_OBJC_NSOBJECT_H

#include <objc/objc.h>
#include <objc/NSObjCRuntime.h>

#pragma clang assume_nonnull begin

@class NSString;

/* Doc: NSObject (protocol),
 * https://developer.apple.com/documentation/objectivec/nsobjectprotocol */
@protocol NSObject
/* Doc: class */
- (Class)class;
/* Doc: isKindOfClass: */
- (BOOL)isKindOfClass:(Class)aClass;
/* Doc: description */
@property(readonly, copy) NSString *description;
@end

/* Doc: NSObject (class), https://developer.apple.com/documentation/objectivec/nsobject */
__attribute__((objc_root_class))
@interface NSObject<NSObject> {
    Class isa;
}
/* Doc: alloc */
+ (instancetype)alloc;
/* Doc: new */
+ (instancetype)new;
/* Doc: class */
+ (Class)class;
/* Doc: init. Apple's header marks it the designated initializer (NS_DESIGNATED_INITIALIZER). */
- (instancetype)init __attribute__((objc_designated_initializer));
@end

#pragma clang assume_nonnull end

#endif
