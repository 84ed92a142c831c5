/* Internal: SHA-256 (FIPS 180-4), for the Core ML compiled-model cache key and the item
 * identifiers of the Core ML packages the library writes. */
#ifndef WTCONV_BASE_SHA256_H
#define WTCONV_BASE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wtconv_sha256 {
    uint32_t state[8];
    uint64_t length; /* bytes hashed so far */
    unsigned char block[64];
    size_t used; /* bytes waiting in block */
} wtconv_sha256;

void wtconv_sha256_init(wtconv_sha256 *h);
void wtconv_sha256_update(wtconv_sha256 *h, const void *data, size_t size);
void wtconv_sha256_final(wtconv_sha256 *h, unsigned char digest[32]);

#ifdef __cplusplus
}
#endif

#endif
