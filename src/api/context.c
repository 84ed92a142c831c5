/* The public entry points: argument checks, then model -> plan -> backend. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "api/load.h"
#include "api/options.h"
#include "backend/backend.h"
#include "model/format.h"
#include "model/model.h"
#include "plan/plan.h"

/* Room for wtconv_backend_detail's line. */
#define DETAIL_BYTES 192

struct wtconv_ctx {
    const wtconv_backend_ops *backend;
    void *backend_state;
    wtconv_plan plan;
    int has_bias;
    int threads;               /* wtconv_num_threads */
    char detail[DETAIL_BYTES]; /* wtconv_backend_detail */
};

static const char *backend_enum_name(wtconv_backend kind) {
    switch (kind) {
    case WTCONV_BACKEND_CPU:
        return "CPU";
    case WTCONV_BACKEND_METAL:
        return "Metal";
    case WTCONV_BACKEND_CUDA:
        return "CUDA";
    default:
        return "AUTO";
    }
}

int wtconv_backend_available(wtconv_backend backend) {
    if (backend == WTCONV_BACKEND_AUTO)
        return 1;
    return wtconv_backend_lookup(backend, WTCONV_ANY_MODEL_FORMAT) != NULL;
}

/* Why no backend takes this request: none is compiled in, the one compiled in cannot run on
 * this machine, or it does not read this kind of model file. */
static wtconv_status backend_unavailable(wtconv_backend kind, wtconv_model_format format,
                                         const char *path) {
    const wtconv_backend_ops *coreml = wtconv_backend_compiled(WTCONV_BACKEND_METAL, format);
    const wtconv_backend_ops *compiled = wtconv_backend_compiled(kind, WTCONV_ANY_MODEL_FORMAT);
    const char *why;
    if (kind != WTCONV_BACKEND_AUTO && !compiled)
        return wtconv_fail(WTCONV_ERR_BACKEND_UNAVAILABLE,
                           "the %s backend is not available in this build of libwtconv %s",
                           backend_enum_name(kind), WTCONV_VERSION_STRING);
    if (kind != WTCONV_BACKEND_AUTO && !compiled->available()) {
        why = compiled->unavailable_reason ? compiled->unavailable_reason() : NULL;
        return wtconv_fail(WTCONV_ERR_BACKEND_UNAVAILABLE,
                           "the %s backend cannot run on this machine%s%s", backend_enum_name(kind),
                           why ? ": " : "", why ? why : "");
    }
    if (format == WTCONV_MODEL_COREML && coreml && !coreml->available()) {
        why = coreml->unavailable_reason ? coreml->unavailable_reason() : NULL;
        return wtconv_fail(WTCONV_ERR_BACKEND_UNAVAILABLE,
                           "'%s' is a Core ML model, which only the Metal backend runs, and it "
                           "cannot run on this machine%s%s",
                           path, why ? ": " : "", why ? why : "");
    }
    if (format == WTCONV_MODEL_COREML)
        return wtconv_fail(WTCONV_ERR_BACKEND_UNAVAILABLE,
                           "'%s' is a Core ML model, which only the Metal backend runs%s; give "
                           "the CPU backend the .safetensors file it was exported from",
                           path,
                           coreml ? ""
                                  : ", and this build of libwtconv has none (it is built on "
                                    "macOS and iOS with WTCONV_WITH_METAL)");
    return wtconv_fail(WTCONV_ERR_BACKEND_UNAVAILABLE,
                       "the %s backend runs Core ML models (.mlpackage, .mlmodelc); '%s' is read "
                       "as a safetensors file: export it with tools/export_wtconv_coreml.py, or "
                       "use the CPU backend",
                       backend_enum_name(kind), path);
}

static wtconv_status check_size(const char *what, int value) {
    if (value < 1)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT, "%s is %d; must be >= 1", what, value);
    return WTCONV_OK;
}

wtconv_status wtconv_check_sizes(int channels, int height, int width) {
    wtconv_status status;
    if ((status = check_size("channels", channels)) != WTCONV_OK ||
        (status = check_size("height", height)) != WTCONV_OK ||
        (status = check_size("width", width)) != WTCONV_OK)
        return status;
    return WTCONV_OK;
}

wtconv_status wtconv_load_layer(const char *path, const wtconv_options *options, int channels,
                                int height, int width, wtconv_model *model, wtconv_plan *plan) {
    wtconv_status status = wtconv_model_load(path, options->layer, options->stride, model);
    int stride;
    if (status != WTCONV_OK)
        return status;
    stride = options->stride ? options->stride : model->stride ? model->stride : 1;
    status = wtconv_plan_make(model, options->batch, channels, height, width, stride, plan);
    if (status != WTCONV_OK)
        wtconv_model_free(model);
    return status;
}

/* Safetensors: the library loads the weights and plans; the backend builds from them. Should
 * it fail to, `fallback` (if any) builds from the same weights instead. */
static wtconv_status create_from_weights(const wtconv_backend_ops *backend,
                                         const wtconv_backend_ops *fallback, const char *path,
                                         const wtconv_options *options, int channels, int height,
                                         int width, wtconv_ctx *ctx) {
    wtconv_model model;
    wtconv_backend_config config;
    wtconv_status status =
        wtconv_load_layer(path, options, channels, height, width, &model, &ctx->plan);
    if (status != WTCONV_OK)
        return status;
    ctx->has_bias = model.has_bias;
    config.num_threads = options->num_threads;
    config.threadpool = options->threadpool;
    config.parallel_for = options->parallel_for;
    config.parallel_for_data = options->parallel_for_data;
    config.precision = options->precision;
    config.compute_units = options->compute_units;
    config.model_path = path;
    status = backend->create(&model, &ctx->plan, &config, &ctx->backend_state);
    if (status != WTCONV_OK && fallback) {
        ctx->backend = fallback;
        status = fallback->create(&model, &ctx->plan, &config, &ctx->backend_state);
    }
    wtconv_model_free(&model);
    return status;
}

wtconv_status wtconv_create_with_options(const char *model_path, int channels, int height,
                                         int width, const wtconv_options *opts,
                                         wtconv_ctx **out_ctx) {
    wtconv_options options;
    wtconv_model_format format;
    const wtconv_backend_ops *backend;
    wtconv_ctx *ctx;
    wtconv_status status;

    if (!out_ctx)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT, "out_ctx is NULL");
    *out_ctx = NULL;
    if (!model_path)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT, "model_path is NULL");
    if ((status = wtconv_check_sizes(channels, height, width)) != WTCONV_OK)
        return status;
    if ((status = wtconv_options_read(opts, &options)) != WTCONV_OK)
        return status;
    format = wtconv_model_format_of(model_path);
    backend = wtconv_backend_lookup(options.backend, format);
    if (!backend)
        return backend_unavailable(options.backend, format, model_path);

    ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory creating a context");
    ctx->backend = backend;
    if (format == WTCONV_MODEL_SAFETENSORS) {
        /* AUTO prefers a platform backend (Metal, whose create compiles a Core ML program);
         * should it fail to build the layer, AUTO still gives a working context, on the CPU.
         * An explicit backend reports its own failure. */
        const wtconv_backend_ops *fallback =
            options.backend == WTCONV_BACKEND_AUTO && backend->kind != WTCONV_BACKEND_CPU
                ? wtconv_backend_lookup(WTCONV_BACKEND_CPU, format)
                : NULL;
        status = create_from_weights(backend, fallback, model_path, &options, channels, height,
                                     width, ctx);
    } else {
        wtconv_backend_request request;
        request.model_path = model_path;
        request.layer = options.layer;
        request.batch = options.batch;
        request.channels = channels;
        request.height = height;
        request.width = width;
        request.stride = options.stride;
        request.num_threads = options.num_threads;
        request.precision = options.precision;
        request.compute_units = options.compute_units;
        status =
            backend->create_from_file(&request, &ctx->plan, &ctx->has_bias, &ctx->backend_state);
    }
    if (status != WTCONV_OK) {
        free(ctx);
        return status;
    }
    ctx->threads = 1;
    if (ctx->backend->describe)
        ctx->backend->describe(ctx->backend_state, &ctx->threads, ctx->detail, sizeof ctx->detail);
    *out_ctx = ctx;
    return WTCONV_OK;
}

wtconv_status wtconv_create(const char *model_path, int channels, int height, int width,
                            wtconv_ctx **out_ctx) {
    return wtconv_create_with_options(model_path, channels, height, width, NULL, out_ctx);
}

/* True if [a, a+a_bytes) and [b, b+b_bytes) share a byte. Compared as integers, since
 * relational comparison of pointers into different objects is undefined in C. */
static int ranges_overlap(const void *a, size_t a_bytes, const void *b, size_t b_bytes) {
    uintptr_t a0 = (uintptr_t)a, b0 = (uintptr_t)b;
    return a0 < b0 + b_bytes && b0 < a0 + a_bytes;
}

/* The buffer checks wtconv_run and wtconv_run_device share (ctx is not NULL). */
static wtconv_status check_buffers(const wtconv_ctx *ctx, const float *input, const float *output) {
    if (!input)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT, "input is NULL");
    if (!output)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT, "output is NULL");
    if (ranges_overlap(input, ctx->plan.input_elements * sizeof(float), output,
                       ctx->plan.output_elements * sizeof(float)))
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "input and output overlap; in-place runs are not supported");
    return WTCONV_OK;
}

wtconv_status wtconv_run(wtconv_ctx *ctx, const float *input, float *output) {
    wtconv_status st;
    if (!ctx)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT, "ctx is NULL");
    st = check_buffers(ctx, input, output);
    return st != WTCONV_OK ? st : ctx->backend->run(ctx->backend_state, input, output);
}

wtconv_status wtconv_run_device(wtconv_ctx *ctx, const float *input, float *output, void *stream) {
    wtconv_status st;
    if (!ctx)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT, "ctx is NULL");
    if (!ctx->backend->run_device)
        return wtconv_fail(WTCONV_ERR_BACKEND_UNAVAILABLE,
                           "wtconv_run_device needs a context of the CUDA backend; this one runs "
                           "on the %s backend (use wtconv_run)",
                           ctx->backend->name);
    st = check_buffers(ctx, input, output);
    return st != WTCONV_OK ? st
                           : ctx->backend->run_device(ctx->backend_state, input, output, stream);
}

void wtconv_destroy(wtconv_ctx *ctx) {
    if (!ctx)
        return;
    ctx->backend->destroy(ctx->backend_state);
    free(ctx);
}

wtconv_status wtconv_output_shape(const wtconv_ctx *ctx, int *n, int *c, int *h, int *w) {
    if (!ctx)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT, "ctx is NULL");
    if (n)
        *n = ctx->plan.batch;
    if (c)
        *c = ctx->plan.channels;
    if (h)
        *h = ctx->plan.out_height;
    if (w)
        *w = ctx->plan.out_width;
    return WTCONV_OK;
}

size_t wtconv_input_size(const wtconv_ctx *ctx) { return ctx ? ctx->plan.input_elements : 0; }
size_t wtconv_output_size(const wtconv_ctx *ctx) { return ctx ? ctx->plan.output_elements : 0; }
int wtconv_kernel_size(const wtconv_ctx *ctx) { return ctx ? ctx->plan.kernel : 0; }
int wtconv_levels(const wtconv_ctx *ctx) { return ctx ? ctx->plan.levels : 0; }
int wtconv_stride(const wtconv_ctx *ctx) { return ctx ? ctx->plan.stride : 0; }
int wtconv_has_bias(const wtconv_ctx *ctx) { return ctx ? ctx->has_bias : 0; }

wtconv_backend wtconv_backend_in_use(const wtconv_ctx *ctx) {
    return ctx ? ctx->backend->kind : WTCONV_BACKEND_AUTO;
}

const char *wtconv_backend_name(const wtconv_ctx *ctx) { return ctx ? ctx->backend->name : ""; }

size_t wtconv_workspace_size(const wtconv_ctx *ctx) {
    return ctx ? ctx->backend->workspace_size(ctx->backend_state) : 0;
}

int wtconv_num_threads(const wtconv_ctx *ctx) { return ctx ? ctx->threads : 0; }

const char *wtconv_backend_detail(const wtconv_ctx *ctx) { return ctx ? ctx->detail : ""; }
