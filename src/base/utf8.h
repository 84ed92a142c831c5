/* Internal: well-formed UTF-8, for the JSON parser's strings, the strings the library writes into
 * formats that require it (protobuf string fields of a Core ML model), and its messages. */
#ifndef WTCONV_BASE_UTF8_H
#define WTCONV_BASE_UTF8_H

#include <stddef.h>

/* Length (1..4) of the well-formed UTF-8 sequence that starts at s within its first `avail`
 * bytes (RFC 3629: no overlong forms, surrogates or code points past U+10FFFF), or 0 where none
 * does. A NUL is a sequence of one byte; avail 0 gives 0. */
size_t wtconv_utf8_sequence(const char *s, size_t avail);

/* Copies src into dst (cap >= 1 bytes; always terminated), each byte that starts no well-formed
 * sequence replaced by '?'. Where src does not fit, it stops before the first character that
 * does not fit whole, so a cut never splits one. */
void wtconv_utf8_copy(char *dst, size_t cap, const char *src);

#endif
