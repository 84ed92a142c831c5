#include "wtconv/wtconv.h"

const char *wtconv_status_string(wtconv_status status) {
    switch (status) {
    case WTCONV_OK:
        return "WTCONV_OK: success";
    case WTCONV_ERR_INVALID_ARGUMENT:
        return "WTCONV_ERR_INVALID_ARGUMENT: invalid argument";
    case WTCONV_ERR_IO:
        return "WTCONV_ERR_IO: a file missing, unreadable or unwritable";
    case WTCONV_ERR_MODEL_FORMAT:
        return "WTCONV_ERR_MODEL_FORMAT: malformed, inconsistent or unsupported model file";
    case WTCONV_ERR_SHAPE_MISMATCH:
        return "WTCONV_ERR_SHAPE_MISMATCH: shape does not fit the model or the backend";
    case WTCONV_ERR_OUT_OF_MEMORY:
        return "WTCONV_ERR_OUT_OF_MEMORY: out of memory";
    case WTCONV_ERR_BACKEND_UNAVAILABLE:
        return "WTCONV_ERR_BACKEND_UNAVAILABLE: backend not available in this build or machine";
    case WTCONV_ERR_BACKEND_FAILURE:
        return "WTCONV_ERR_BACKEND_FAILURE: the backend's device or runtime failed";
    }
    return "WTCONV_ERR_UNKNOWN: unknown status code";
}
