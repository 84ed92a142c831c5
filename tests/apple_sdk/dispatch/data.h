/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_DISPATCH_DATA_H
#define WTCONV_APPLE_SDK_DISPATCH_DATA_H

#include <dispatch/queue.h>

#pragma clang assume_nonnull begin

/* Doc: dispatch_data_t, https://developer.apple.com/documentation/dispatch/dispatch_data_t */
WT_DISPATCH_DECL(dispatch_data, dispatch_object);

/* Doc: DISPATCH_DATA_DESTRUCTOR_DEFAULT (copy the bytes into data the system owns),
 * https://developer.apple.com/documentation/dispatch/dispatch_data_destructor_default */
#define DISPATCH_DATA_DESTRUCTOR_DEFAULT NULL

/* Doc: dispatch_data_create,
 * https://developer.apple.com/documentation/dispatch/dispatch_data_create
 *
 * queue and destructor may be NULL (the default destructor copies the buffer). */
API_AVAILABLE(macos(10.7), ios(5.0))
DISPATCH_EXPORT DISPATCH_RETURNS_RETAINED DISPATCH_WARN_RESULT DISPATCH_NOTHROW dispatch_data_t
dispatch_data_create(const void *buffer, size_t size, dispatch_queue_t _Nullable queue,
                     dispatch_block_t _Nullable destructor);

#pragma clang assume_nonnull end

#endif
