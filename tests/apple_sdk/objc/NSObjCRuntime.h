/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_OBJC_NSOBJCRUNTIME_H
#define WTCONV_APPLE_SDK_OBJC_NSOBJCRUNTIME_H

/* Doc: NSInteger, https://developer.apple.com/documentation/objectivec/nsinteger
 * Doc: NSUInteger, https://developer.apple.com/documentation/objectivec/nsuinteger
 * long and unsigned long on the 64-bit platforms the backend targets. */
typedef long NSInteger;
typedef unsigned long NSUInteger;

#endif
