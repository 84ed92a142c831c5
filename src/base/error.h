/* Internal: recording this thread's last failure for wtconv_last_error(). */
#ifndef WTCONV_BASE_ERROR_H
#define WTCONV_BASE_ERROR_H

#include "wtconv/wtconv.h"

/* Also included by the Apple layer (Objective-C++) and the Metal emulator (C++). */
#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define WTCONV_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define WTCONV_PRINTF(fmt_index, first_arg)
#endif

/* Stores the formatted message as this thread's last error and returns `status`, so that a
 * failing path reads `return wtconv_fail(WTCONV_ERR_IO, "cannot open '%s'", path);`. */
wtconv_status wtconv_fail(wtconv_status status, const char *fmt, ...) WTCONV_PRINTF(2, 3);

/* Prepends context ("model 'x.safetensors': ") to the message already stored. */
void wtconv_error_prefix(const char *fmt, ...) WTCONV_PRINTF(1, 2);

#ifdef __cplusplus
}
#endif

#endif
