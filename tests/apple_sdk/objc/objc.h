/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header.
 *
 * Objective-C basics of <objc/objc.h>. id, Class, SEL and instancetype are built into clang in
 * Objective-C mode, so only BOOL, YES/NO and nil are declared here. */
#ifndef WTCONV_APPLE_SDK_OBJC_OBJC_H
#define WTCONV_APPLE_SDK_OBJC_OBJC_H

/* Doc: BOOL, https://developer.apple.com/documentation/objectivec/bool
 * BOOL is bool on arm64 Apple platforms and signed char on x86_64 macOS. A Darwin target tells
 * clang which (__OBJC_BOOL_IS_BOOL); on any other target we pick bool, the type on Apple silicon,
 * where the backend runs. */
#if defined(__OBJC_BOOL_IS_BOOL) && !__OBJC_BOOL_IS_BOOL
typedef signed char BOOL;
#elif defined(__cplusplus)
typedef bool BOOL;
#else
typedef _Bool BOOL;
#endif

/* Doc: YES, NO, https://developer.apple.com/documentation/objectivec/yes
 * clang's __objc_yes/__objc_no keep @YES and @NO working. */
#define YES __objc_yes
#define NO __objc_no

/* Doc: nil, Nil, https://developer.apple.com/documentation/objectivec/nil */
#ifdef __cplusplus
#define nil nullptr
#define Nil nullptr
#else
#define nil ((void *)0)
#define Nil ((void *)0)
#endif

#endif
