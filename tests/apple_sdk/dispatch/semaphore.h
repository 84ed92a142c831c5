/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_DISPATCH_SEMAPHORE_H
#define WTCONV_APPLE_SDK_DISPATCH_SEMAPHORE_H

#include <dispatch/object.h>
#include <dispatch/time.h>

#pragma clang assume_nonnull begin

/* Doc: dispatch_semaphore_t,
 * https://developer.apple.com/documentation/dispatch/dispatch_semaphore_t */
WT_DISPATCH_DECL(dispatch_semaphore, dispatch_object);

/* Doc: dispatch_semaphore_create,
 * https://developer.apple.com/documentation/dispatch/dispatch_semaphore_create
 * Documented to return NULL for a value below zero, yet declared without _Nullable (inside
 * Apple's assume-nonnull region), as here. The count and results are intptr_t since the
 * macOS 11 / iOS 14 SDKs (long before). */
API_AVAILABLE(macos(10.6), ios(4.0))
DISPATCH_EXPORT DISPATCH_MALLOC DISPATCH_RETURNS_RETAINED DISPATCH_WARN_RESULT DISPATCH_NOTHROW
    dispatch_semaphore_t
    dispatch_semaphore_create(intptr_t value);

/* Doc: dispatch_semaphore_wait (0 on success, non-zero on timeout),
 * https://developer.apple.com/documentation/dispatch/dispatch_semaphore_wait */
API_AVAILABLE(macos(10.6), ios(4.0))
DISPATCH_EXPORT DISPATCH_NONNULL_ALL DISPATCH_NOTHROW intptr_t
dispatch_semaphore_wait(dispatch_semaphore_t dsema, dispatch_time_t timeout);

/* Doc: dispatch_semaphore_signal (non-zero if a thread was woken),
 * https://developer.apple.com/documentation/dispatch/dispatch_semaphore_signal */
API_AVAILABLE(macos(10.6), ios(4.0))
DISPATCH_EXPORT DISPATCH_NONNULL_ALL DISPATCH_NOTHROW intptr_t
dispatch_semaphore_signal(dispatch_semaphore_t dsema);

#pragma clang assume_nonnull end

#endif
