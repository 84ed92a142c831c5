/* Internal: size_t arithmetic that reports overflow instead of wrapping, for the sizes that
 * create works out from caller-chosen shapes (the plan, the backends' buffers, the loader's
 * allocations). A failed step sets *overflow and yields 0; later steps keep the flag set, so a
 * chain of them needs one check at the end. */
#ifndef WTCONV_BASE_CHECKED_SIZE_H
#define WTCONV_BASE_CHECKED_SIZE_H

#include <stddef.h>
#include <stdint.h>

/* Also included by the Apple layer (Objective-C++) and the Metal emulator (C++). */
#ifdef __cplusplus
extern "C" {
#endif

/* a*b, or 0 with *overflow set when it does not fit size_t. */
static inline size_t wtconv_mul_size(size_t a, size_t b, int *overflow) {
    if (a != 0 && b > SIZE_MAX / a) {
        *overflow = 1;
        return 0;
    }
    return a * b;
}

/* a+b, or 0 with *overflow set when it does not fit size_t. */
static inline size_t wtconv_add_size(size_t a, size_t b, int *overflow) {
    if (b > SIZE_MAX - a) {
        *overflow = 1;
        return 0;
    }
    return a + b;
}

#ifdef __cplusplus
}
#endif

#endif
