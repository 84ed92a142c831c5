#include <stddef.h>

#include "backend/backend.h"
#include "cpu/cpu_backend.h"
#ifdef WTCONV_HAVE_METAL
#include "apple/metal_backend.h"
#endif
#ifdef WTCONV_HAVE_CUDA
#include "cuda/cuda_backend.h"
#endif

/* In order of preference for WTCONV_BACKEND_AUTO. Platform backends go before the CPU. */
static const wtconv_backend_ops *const compiled_backends[] = {
#ifdef WTCONV_HAVE_METAL
    &wtconv_metal_backend,
#endif
    &wtconv_cpu_backend,
#ifdef WTCONV_HAVE_CUDA
    &wtconv_cuda_backend, /* after the CPU: AUTO never picks it (see wtconv.h) */
#endif
};

static const wtconv_backend_ops *find(wtconv_backend kind, unsigned formats, int usable_only) {
    size_t count = sizeof compiled_backends / sizeof compiled_backends[0];
    for (size_t i = 0; i < count; i++) {
        const wtconv_backend_ops *ops = compiled_backends[i];
        if ((kind == WTCONV_BACKEND_AUTO || ops->kind == kind) && (ops->formats & formats) &&
            (!usable_only || ops->available()))
            return ops;
    }
    return NULL;
}

const wtconv_backend_ops *wtconv_backend_lookup(wtconv_backend kind, unsigned formats) {
    return find(kind, formats, 1);
}

const wtconv_backend_ops *wtconv_backend_compiled(wtconv_backend kind, unsigned formats) {
    return find(kind, formats, 0);
}
