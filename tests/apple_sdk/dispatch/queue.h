/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_DISPATCH_QUEUE_H
#define WTCONV_APPLE_SDK_DISPATCH_QUEUE_H

#include <dispatch/object.h>

/* Doc: dispatch_queue_t, https://developer.apple.com/documentation/dispatch/dispatch_queue_t */
WT_DISPATCH_DECL(dispatch_queue, dispatch_object);

#endif
