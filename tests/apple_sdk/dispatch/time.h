/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_DISPATCH_TIME_H
#define WTCONV_APPLE_SDK_DISPATCH_TIME_H

#include <stdint.h>

/* Doc: dispatch_time_t, https://developer.apple.com/documentation/dispatch/dispatch_time_t */
typedef uint64_t dispatch_time_t;

/* Doc: DISPATCH_TIME_FOREVER,
 * https://developer.apple.com/documentation/dispatch/dispatch_time_forever */
#define DISPATCH_TIME_FOREVER (~0ull)

#endif
