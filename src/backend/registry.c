#include <stddef.h>

#include "backend/backend.h"
#include "cpu/cpu_backend.h"

/* In order of preference for WTCONV_BACKEND_AUTO. Platform backends go before the CPU. */
static const wtconv_backend_ops *const compiled_backends[] = {
    &wtconv_cpu_backend,
};

const wtconv_backend_ops *wtconv_backend_lookup(wtconv_backend kind) {
    size_t count = sizeof compiled_backends / sizeof compiled_backends[0];
    for (size_t i = 0; i < count; i++) {
        const wtconv_backend_ops *ops = compiled_backends[i];
        if ((kind == WTCONV_BACKEND_AUTO || ops->kind == kind) && ops->available())
            return ops;
    }
    return NULL;
}
