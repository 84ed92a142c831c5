/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header.
 *
 * Dispatch objects as Objective-C objects. With ARC (OS_OBJECT_USE_OBJC, the default whenever
 * Objective-C is compiled), every dispatch_*_t is a pointer to an NSObject adopting a protocol
 * OS_dispatch_*, so ARC retains and releases it; see "Dispatch Objects",
 * https://developer.apple.com/documentation/dispatch/dispatch_object_t */
#ifndef WTCONV_APPLE_SDK_DISPATCH_OBJECT_H
#define WTCONV_APPLE_SDK_DISPATCH_OBJECT_H

#include <stddef.h>
#include <stdint.h>
#include <os/availability.h>
#include <objc/NSObject.h>

#define OS_OBJECT_USE_OBJC 1

/* Attributes Apple's dispatch functions carry: create functions return a +1 object that ARC
 * takes over. */
#ifdef __cplusplus
#define DISPATCH_EXPORT extern "C" __attribute__((visibility("default")))
#else
#define DISPATCH_EXPORT extern __attribute__((visibility("default")))
#endif
#define DISPATCH_RETURNS_RETAINED __attribute__((__ns_returns_retained__))
#define DISPATCH_WARN_RESULT __attribute__((__warn_unused_result__))
#define DISPATCH_NOTHROW __attribute__((__nothrow__))
#define DISPATCH_NONNULL_ALL __attribute__((__nonnull__))
#define DISPATCH_MALLOC __attribute__((__malloc__))

/* Declares protocol OS_dispatch_<name> adopting OS_dispatch_<base>, and the type
 * dispatch_<name>_t as NSObject<OS_dispatch_<name>> *. */
/* clang-format off */
#define WT_DISPATCH_DECL(name, base)                                                               \
    @protocol OS_##name <OS_##base>                                                                \
    @end                                                                                           \
    typedef NSObject<OS_##name> *name##_t
/* clang-format on */

/* Doc: dispatch_object_t, https://developer.apple.com/documentation/dispatch/dispatch_object_t */
@protocol OS_dispatch_object <NSObject>
@end
typedef NSObject<OS_dispatch_object> *dispatch_object_t;

/* Doc: dispatch_block_t, https://developer.apple.com/documentation/dispatch/dispatch_block_t */
typedef void (^dispatch_block_t)(void);

#endif
