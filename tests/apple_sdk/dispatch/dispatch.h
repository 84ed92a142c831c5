/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header.
 * The libdispatch subset the Objective-C++ backend uses. */
#ifndef WTCONV_APPLE_SDK_DISPATCH_DISPATCH_H
#define WTCONV_APPLE_SDK_DISPATCH_DISPATCH_H

#include <dispatch/object.h>
#include <dispatch/time.h>
#include <dispatch/queue.h>
#include <dispatch/data.h>
#include <dispatch/semaphore.h>

#endif
