#include "api/options.h"

#include <stddef.h>
#include <string.h>

#include "base/error.h"

/* The size of the first published wtconv_options (through `layer`). It never changes: it is
 * what the plain function wtconv_options_init, which cannot see its caller's sizeof, fills. */
#define WTCONV_OPTIONS_SIZE_V1 (offsetof(wtconv_options, layer) + sizeof(const char *))
/* Larger sizes are refused as uninitialised memory rather than scanned. */
#define WTCONV_OPTIONS_MAX_SIZE 1024

static void set_defaults(wtconv_options *opts) {
    opts->backend = WTCONV_BACKEND_AUTO;
    opts->batch = 1;
    opts->num_threads = 0;
    opts->stride = 0;
    opts->layer = NULL;
    opts->threadpool = NULL;
    opts->parallel_for = NULL;
    opts->parallel_for_data = NULL;
    opts->precision = WTCONV_PRECISION_DEFAULT;
    opts->compute_units = WTCONV_COMPUTE_UNITS_ALL;
}

void wtconv_options_init_sized(wtconv_options *opts, size_t struct_size) {
    wtconv_options defaults;
    size_t n;
    if (!opts || struct_size < sizeof(size_t))
        return;
    memset(&defaults, 0, sizeof defaults);
    set_defaults(&defaults);
    defaults.struct_size = struct_size;
    /* Write only the caller's bytes: known fields from the defaults, any newer tail zeroed. */
    n = struct_size < sizeof defaults ? struct_size : sizeof defaults;
    memcpy(opts, &defaults, n);
    if (struct_size > n)
        memset((char *)opts + n, 0, struct_size - n);
}

/* The exported function behind the macro of the same name (the parentheses stop the macro). */
void(wtconv_options_init)(wtconv_options *opts) {
    wtconv_options_init_sized(opts, WTCONV_OPTIONS_SIZE_V1);
}

wtconv_status wtconv_options_read(const wtconv_options *caller, wtconv_options *out) {
    size_t size;
    memset(out, 0, sizeof *out);
    set_defaults(out);
    out->struct_size = sizeof *out;
    if (!caller)
        return WTCONV_OK;
    size = caller->struct_size;
    /* Every version of the struct is a whole number of pointers and far below the bound; a
     * size that is not is garbage from options never initialised, and must not be used to
     * read the caller's memory. */
    if (size < WTCONV_OPTIONS_SIZE_V1 || size > WTCONV_OPTIONS_MAX_SIZE ||
        size % sizeof(void *) != 0)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "options.struct_size is %zu, not the size of any wtconv_options "
                           "(this library's is %zu): were the options initialised with "
                           "wtconv_options_init()?",
                           size, sizeof *out);
    if (size > sizeof *out) {
        /* A newer caller: fields this library does not know must be left at zero. */
        const unsigned char *tail = (const unsigned char *)caller + sizeof *out;
        for (size_t i = 0; i < size - sizeof *out; i++)
            if (tail[i] != 0)
                return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                                   "options byte %zu is set, but this libwtconv (%s) knows only "
                                   "the first %zu bytes of wtconv_options (initialise options "
                                   "with wtconv_options_init() and set only fields this "
                                   "version has)",
                                   sizeof *out + i, WTCONV_VERSION_STRING, sizeof *out);
        size = sizeof *out;
    }
    memcpy(out, caller, size);
    out->struct_size = sizeof *out;

    switch (out->backend) {
    case WTCONV_BACKEND_AUTO:
    case WTCONV_BACKEND_CPU:
    case WTCONV_BACKEND_METAL:
    case WTCONV_BACKEND_CUDA:
        break;
    default:
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT, "options.backend is %d, not a backend",
                           (int)out->backend);
    }
    if (out->batch < 1)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT, "options.batch is %d; must be >= 1",
                           out->batch);
    if (out->num_threads < 0)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "options.num_threads is %d; must be >= 0 (0 = one per core)",
                           out->num_threads);
    if (out->threadpool && out->parallel_for)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "options.threadpool and options.parallel_for are both set; set at "
                           "most one (neither: the process-wide pool)");
    if (out->parallel_for_data && !out->parallel_for)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "options.parallel_for_data is set but options.parallel_for is NULL");
    if ((unsigned)out->precision > (unsigned)WTCONV_PRECISION_FP16)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "options.precision is %d, not a wtconv_precision (0 default, 1 fp32, "
                           "2 fp16)",
                           (int)out->precision);
    if ((unsigned)out->compute_units > (unsigned)WTCONV_COMPUTE_UNITS_CPU_ONLY)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "options.compute_units is %d, not a wtconv_compute_units (0 all, 1 CPU "
                           "and GPU, 2 CPU and Neural Engine, 3 CPU only)",
                           (int)out->compute_units);
    if (out->stride < 0)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "options.stride is %d; must be >= 1, or 0 for the model's", out->stride);
    return WTCONV_OK;
}
