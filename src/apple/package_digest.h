/* Internal, portable C: the key under which the Apple backend caches a compiled Core ML model,
 * so that only the first wtconv_create of a given .mlpackage pays for compiling it. */
#ifndef WTCONV_APPLE_PACKAGE_DIGEST_H
#define WTCONV_APPLE_PACKAGE_DIGEST_H

#include "coreml/coreml_package.h"
#include "wtconv/wtconv.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits on what is hashed: a Core ML package holds a handful of files. */
#define WTCONV_DIGEST_MAX_DEPTH 16
#define WTCONV_DIGEST_MAX_ENTRIES 4096

/* SHA-256, in hex, of `salt` and the content of `path`: a regular file, or a directory tree
 * taken in a fixed order (names sorted bytewise; each entry's relative path, kind, size and
 * bytes). Any change to any file, name or the salt (the OS and library versions: a compiled
 * model belongs to the Core ML that compiled it) gives another key. Fails with WTCONV_ERR_IO
 * for unreadable entries and WTCONV_ERR_MODEL_FORMAT for symbolic links, special files, or a
 * tree past the limits above. */
wtconv_status wtconv_package_digest(const char *path, const char *salt, char hex[65]);

/* The key of a package the library wrote itself (coreml_package.h), from its bytes in memory,
 * so that a cached compiled model is found without writing the package to disk first: SHA-256,
 * in hex, of `salt` and the model and weight files (the manifest only restates them). */
void wtconv_generated_package_key(const wtconv_coreml_package *package, const char *salt,
                                  char hex[65]);

#ifdef __cplusplus
}
#endif

#endif
