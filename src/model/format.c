#include "model/format.h"

#include <ctype.h>
#include <string.h>

/* 1 if path[0..len) ends with `suffix`, ignoring case. */
static int ends_with(const char *path, size_t len, const char *suffix) {
    const size_t n = strlen(suffix);
    if (len < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)path[len - n + i]) != suffix[i])
            return 0;
    return 1;
}

/* The length of `path` without trailing slashes. */
static size_t trimmed_length(const char *path) {
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    return len;
}

int wtconv_model_is_compiled_coreml(const char *path) {
    return ends_with(path, trimmed_length(path), ".mlmodelc");
}

wtconv_model_format wtconv_model_format_of(const char *path) {
    const size_t len = trimmed_length(path);
    if (ends_with(path, len, ".mlpackage") || ends_with(path, len, ".mlmodelc") ||
        ends_with(path, len, ".mlmodel"))
        return WTCONV_MODEL_COREML;
    return WTCONV_MODEL_SAFETENSORS;
}
