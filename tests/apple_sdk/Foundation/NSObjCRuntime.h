/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header.
 *
 * Foundation's basic types and declaration macros, written from Apple's documentation
 * ("Foundation Data Types and Constants", "Grouping related Objective-C constants",
 * https://developer.apple.com/documentation/swift/grouping-related-objective-c-constants). */
#ifndef WTCONV_APPLE_SDK_FOUNDATION_NSOBJCRUNTIME_H
#define WTCONV_APPLE_SDK_FOUNDATION_NSOBJCRUNTIME_H

#include <os/availability.h>
#include <objc/objc.h>
#include <objc/NSObjCRuntime.h>

/* Doc: NS_ASSUME_NONNULL_BEGIN / NS_ASSUME_NONNULL_END */
#define NS_ASSUME_NONNULL_BEGIN _Pragma("clang assume_nonnull begin")
#define NS_ASSUME_NONNULL_END _Pragma("clang assume_nonnull end")

/* Doc: NS_ENUM. A named enum with a fixed underlying type. */
#define NS_ENUM(_type, _name)                                                                      \
    enum __attribute__((enum_extensibility(open))) _name : _type _name;                            \
    enum _name : _type

/* Doc: NS_OPTIONS. In C++ the option type is the integer type itself, so that a | b needs no
 * cast; in C it is a named enum, as in Apple's headers. */
#ifdef __cplusplus
#define NS_OPTIONS(_type, _name)                                                                   \
    _type _name;                                                                                   \
    enum __attribute__((flag_enum, enum_extensibility(open))) : _name
#else
#define NS_OPTIONS(_type, _name)                                                                   \
    enum __attribute__((flag_enum, enum_extensibility(open))) _name : _type _name;                 \
    enum _name : _type
#endif

/* Doc: NS_STRING_ENUM, NS_TYPED_ENUM, NS_TYPED_EXTENSIBLE_ENUM (Swift import hints). */
#define NS_STRING_ENUM __attribute__((swift_wrapper(enum)))
#define NS_TYPED_ENUM __attribute__((swift_wrapper(enum)))
#define NS_TYPED_EXTENSIBLE_ENUM __attribute__((swift_wrapper(struct)))

/* Doc: NS_DESIGNATED_INITIALIZER, NS_UNAVAILABLE, NS_REFINED_FOR_SWIFT */
#define NS_DESIGNATED_INITIALIZER __attribute__((objc_designated_initializer))
#define NS_UNAVAILABLE __attribute__((unavailable))
#define NS_REFINED_FOR_SWIFT __attribute__((swift_private))

/* Doc: NS_RETURNS_RETAINED, NS_RETURNS_INNER_POINTER, NS_NOESCAPE, NS_FORMAT_FUNCTION */
#define NS_RETURNS_RETAINED __attribute__((ns_returns_retained))
#define NS_RETURNS_INNER_POINTER __attribute__((objc_returns_inner_pointer))
#define NS_NOESCAPE __attribute__((noescape))
#define NS_FORMAT_FUNCTION(F, A) __attribute__((format(__NSString__, F, A)))

/* Doc: FOUNDATION_EXPORT */
#ifdef __cplusplus
#define FOUNDATION_EXPORT extern "C" __attribute__((visibility("default")))
#else
#define FOUNDATION_EXPORT extern __attribute__((visibility("default")))
#endif

#endif
