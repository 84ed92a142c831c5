#include "base/utf8.h"

#include <string.h>

static int in_range(unsigned char c, unsigned char lo, unsigned char hi) {
    return c >= lo && c <= hi;
}

size_t wtconv_utf8_sequence(const char *s, size_t avail) {
    const unsigned char *u = (const unsigned char *)s;
    /* The second byte's range depends on the first (Unicode's table of well-formed sequences);
     * later bytes are 0x80..0xBF. */
    unsigned char c, lo = 0x80, hi = 0xBF;
    size_t n;
    if (avail == 0)
        return 0;
    c = u[0];
    if (c < 0x80)
        return 1;
    if (in_range(c, 0xC2, 0xDF))
        n = 2;
    else if (in_range(c, 0xE0, 0xEF)) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (in_range(c, 0xF0, 0xF4)) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (avail < n || !in_range(u[1], lo, hi))
        return 0;
    for (size_t i = 2; i < n; i++)
        if (!in_range(u[i], 0x80, 0xBF))
            return 0;
    return n;
}

void wtconv_utf8_copy(char *dst, size_t cap, const char *src) {
    size_t at = 0, left = strlen(src);
    while (left > 0) {
        const size_t n = wtconv_utf8_sequence(src, left);
        const size_t take = n ? n : 1;
        if (at + take >= cap)
            break;
        for (size_t i = 0; i < take; i++)
            dst[at + i] = n ? src[i] : '?';
        at += take;
        src += take;
        left -= take;
    }
    dst[at] = '\0';
}
