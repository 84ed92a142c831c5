#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"

#if defined(_MSC_VER)
#define WTCONV_THREAD_LOCAL __declspec(thread)
#else
#define WTCONV_THREAD_LOCAL _Thread_local
#endif

/* Long enough for a message that lists several layer prefixes; longer ones are truncated. */
#define WTCONV_ERROR_CAPACITY 1024

static WTCONV_THREAD_LOCAL char last_error[WTCONV_ERROR_CAPACITY];

/* Messages quote names from model files (tensor names, metadata, layer prefixes), which JSON
 * escapes can fill with control characters, and paths, whose bytes need not be UTF-8. Each
 * control character (C0, DEL, and C1 as UTF-8: U+0080..U+009F, which UTF-8 terminals obey as
 * well) becomes '?' ('??' for C1's two bytes), as does each byte that starts no well-formed
 * UTF-8 sequence: a message printed to a terminal or a log stays one line of UTF-8 and
 * carries no escape sequences. */
static void make_printable(char *text) {
    unsigned char *p = (unsigned char *)text, *const end = p + strlen(text);
    while (p < end) {
        const size_t n = wtconv_utf8_sequence((const char *)p, (size_t)(end - p));
        if (n == 0) {
            *p++ = '?';
            continue;
        }
        if (n == 1 && (*p < 0x20 || *p == 0x7f))
            *p = '?';
        else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
            p[0] = p[1] = '?';
        p += n;
    }
}

wtconv_status wtconv_fail(wtconv_status status, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, args);
    va_end(args);
    make_printable(last_error);
    return status;
}

void wtconv_error_prefix(const char *fmt, ...) {
    char prefix[WTCONV_ERROR_CAPACITY];
    size_t prefix_len, message_len;
    va_list args;
    va_start(args, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, args);
    va_end(args);
    prefix_len = strlen(prefix);
    message_len = strlen(last_error);
    /* Shift the message right to make room, truncating its end if the whole does not fit. */
    if (prefix_len + message_len >= sizeof last_error)
        message_len = prefix_len < sizeof last_error - 1 ? sizeof last_error - 1 - prefix_len : 0;
    memmove(last_error + prefix_len, last_error, message_len);
    last_error[prefix_len + message_len] = '\0';
    memcpy(last_error, prefix, prefix_len < sizeof last_error ? prefix_len : sizeof last_error - 1);
    make_printable(last_error);
}

const char *wtconv_last_error(void) { return last_error; }
