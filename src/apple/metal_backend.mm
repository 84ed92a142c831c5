// The Apple backend: a thin executor of the portable plan. create opens the Core ML model (for
// a safetensors file, the one the library writes for the request, src/coreml), checks it and
// the request (coreml_meta.c), plans the run (plan.c, dispatch_plan.c) and allocates everything;
// run copies the input in, runs the Metal forward stage, the Core ML prediction and the Metal
// inverse stage, and copies the output out.
//
// Not yet run on Apple hardware: in this project's CI it is syntax-checked against
// declarations of the Apple APIs it uses, and the plan it executes runs on a CPU emulator of
// the Metal kernels (tests/metal_emu). See README.md.
#include "apple/metal_backend.h"

#include <memory>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "apple/coreml_stage.h"
#include "apple/guard.h"
#include "apple/metal_runtime.h"

namespace {

struct metal_state {
    const wtconv_metal_runtime *runtime = nullptr;
    wtconv_mtl_plan plan = {};
    id<MTLCommandQueue> queue;
    NSArray<id<MTLBuffer>> *buffers;
    MLModel *model;
    NSURL *temporary_model; // a compiled model outside the cache, deleted with the context
    wtconv_coreml_binding coreml;
};

void destroy_state(metal_state *s) {
    if (!s)
        return;
    @autoreleasepool { // releasing Core ML and Metal objects may autorelease
        NSURL *temporary = s->temporary_model;
        delete s;
        if (temporary)
            [NSFileManager.defaultManager removeItemAtURL:temporary error:nil];
    }
}

// Owns a state until create hands it over: a failed create (a status or an exception) frees
// it, and the temporary compiled model with it, through destroy_state.
struct state_deleter {
    void operator()(metal_state *s) const { destroy_state(s); }
};
using state_ptr = std::unique_ptr<metal_state, state_deleter>;

// Every entry from C (each function of the ops table below) is one `return guarded(...)`,
// checked by tests/apple_sdk/check_guards.cmake, so that no exception unwinds into the C
// caller. From the outside in: an autorelease pool, popped however the body ends (an
// exception unwinding through @autoreleasepool would skip its pop); guard.h's C++ guard
// (std::bad_alloc -> WTCONV_ERR_OUT_OF_MEMORY, any other C++ exception -> ..._BACKEND_FAILURE);
// and an @try that reports an NSException with its name and reason.
// ARC and exceptions: Objective-C++ compiles with -fobjc-arc-exceptions by default, so strong
// references in the frames an exception unwinds are released, and C++ destructors run
// (state_ptr below). Apple's frameworks are not exception-safe, though: an NSException means
// a programming error, and catching it only turns a crash of the caller into a failed call.
// A context whose run raised one is best destroyed.
template <typename Body> auto guarded(const char *entry, Body body) noexcept -> decltype(body()) {
    using result = decltype(body());
    @autoreleasepool {
        return wtconv_apple_guard(entry, [&]() -> result {
            @try {
                return body();
            } @catch (NSException *e) {
                return wtconv_apple_failure_result<result>(wtconv_fail(
                    WTCONV_ERR_BACKEND_FAILURE, "%s: Metal or Core ML raised %s: %s", entry,
                    e.name.UTF8String, e.reason ? e.reason.UTF8String : "no reason given"));
            }
        });
    }
}

// The Core ML features the backend relies on need macOS 13 or iOS 16.
bool os_is_recent_enough() {
    if (@available(macOS 13.0, iOS 16.0, *))
        return true;
    return false;
}

int metal_available() {
    return guarded("Metal backend available", []() -> int {
        return os_is_recent_enough() && wtconv_metal_runtime_get(nullptr);
    });
}

const char *metal_unavailable_reason() {
    return guarded("Metal backend unavailable_reason", []() -> const char * {
        const char *why = "";
        if (!os_is_recent_enough())
            return "the Metal backend needs macOS 13 or iOS 16 or later";
        return wtconv_metal_runtime_get(&why) ? "" : why;
    });
}

// Core ML's compute units for the option.
MLComputeUnits compute_units(wtconv_compute_units units) API_AVAILABLE(macos(13.0), ios(16.0)) {
    switch (units) {
    case WTCONV_COMPUTE_UNITS_CPU_AND_GPU:
        return MLComputeUnitsCPUAndGPU;
    case WTCONV_COMPUTE_UNITS_CPU_AND_NEURAL_ENGINE:
        return MLComputeUnitsCPUAndNeuralEngine;
    case WTCONV_COMPUTE_UNITS_CPU_ONLY:
        return MLComputeUnitsCPUOnly;
    case WTCONV_COMPUTE_UNITS_ALL:
        break;
    }
    return MLComputeUnitsAll;
}

// What both create paths share once the Core ML model is open and the run planned: the Metal
// plan, the model's features checked against it, the queue, the buffers and the bindings.
wtconv_status finish_state(const wtconv_metal_runtime *rt, metal_state *s, const wtconv_plan *plan,
                           MLModel *model, const char *label)
    API_AVAILABLE(macos(13.0), ios(16.0)) {
    NSArray<id<MTLBuffer>> *buffers = nil;
    wtconv_status status = wtconv_mtl_plan_make(plan, rt->max_threads_per_group, &s->plan);
    if (status == WTCONV_OK)
        status = wtconv_coreml_check_model(model, &s->plan, label);
    if (status != WTCONV_OK)
        return status;
    s->runtime = rt;
    s->model = model;
    if (!(s->queue = [rt->device newCommandQueue]))
        return wtconv_fail(WTCONV_ERR_BACKEND_FAILURE, "Metal gave no command queue");
    if ((status = wtconv_metal_make_buffers(rt, &s->plan, &buffers)) != WTCONV_OK)
        return status;
    s->buffers = buffers;
    return wtconv_coreml_bind(&s->plan, s->buffers, &s->coreml);
}

// A Core ML model file: its metadata says what it computes; the request must match it.
wtconv_status create_state_from_file(const wtconv_backend_request *request,
                                     const wtconv_metal_runtime *rt, metal_state *s,
                                     wtconv_plan *plan, int *has_bias)
    API_AVAILABLE(macos(13.0), ios(16.0)) {
    const char *path = request->model_path;
    wtconv_coreml_layer layer;
    wtconv_model shape;
    MLModel *model = nil;
    NSURL *temporary = nil;
    int stride = 1;
    wtconv_status status =
        wtconv_coreml_open(path, compute_units(request->compute_units), &model, &layer, &temporary);
    s->temporary_model = temporary;
    if (status == WTCONV_OK)
        status = wtconv_coreml_check_request(&layer, path, request->layer, request->batch,
                                             request->channels, request->height, request->width,
                                             request->stride, &shape, &stride);
    if (status == WTCONV_OK)
        status = wtconv_coreml_check_precision(&layer, path, request->precision);
    if (status == WTCONV_OK)
        status = wtconv_plan_make(&shape, request->batch, request->channels, request->height,
                                  request->width, stride, plan);
    if (status == WTCONV_OK)
        status = finish_state(rt, s, plan, model, path);
    if (status == WTCONV_OK)
        *has_bias = layer.has_bias;
    return status;
}

// A safetensors layer: the library writes the Core ML program for this request itself
// (src/coreml), and compiles it once per layer, shape and precision (then cached).
wtconv_status create_state_from_weights(const wtconv_model *weights, const wtconv_plan *plan,
                                        const wtconv_backend_config *config,
                                        const wtconv_metal_runtime *rt, metal_state *s)
    API_AVAILABLE(macos(13.0), ios(16.0)) {
    wtconv_coreml_settings settings = {};
    wtconv_coreml_package package;
    MLModel *model = nil;
    NSURL *temporary = nil;
    char label[512];
    settings.fp16 = config->precision == WTCONV_PRECISION_FP16;
    settings.source_path = config->model_path;
    snprintf(label, sizeof label, "the Core ML program of %s", config->model_path);
    wtconv_status status = wtconv_coreml_build(weights, plan, &settings, &package);
    if (status == WTCONV_OK)
        status = wtconv_coreml_open_written(&package, label, compute_units(config->compute_units),
                                            &model, &temporary);
    wtconv_coreml_package_free(&package);
    s->temporary_model = temporary;
    if (status == WTCONV_OK)
        status = finish_state(rt, s, plan, model, label);
    return status;
}

wtconv_status os_too_old() {
    return wtconv_fail(WTCONV_ERR_BACKEND_UNAVAILABLE,
                       "the Metal backend needs macOS 13 or iOS 16 or later");
}

// What both create entries share: the runtime and the state's ownership until it is handed
// over (a failed create frees it); `make` fills the state.
template <typename Make> wtconv_status create_with(Make make, void **out_state) {
    const char *why = "";
    const wtconv_metal_runtime *rt = wtconv_metal_runtime_get(&why);
    if (!rt)
        return wtconv_fail(WTCONV_ERR_BACKEND_UNAVAILABLE, "the Metal backend cannot run: %s", why);
    state_ptr s(new metal_state());
    wtconv_status status = make(rt, s.get());
    if (status == WTCONV_OK)
        *out_state = s.release();
    return status;
}

wtconv_status metal_create_from_file(const wtconv_backend_request *request, wtconv_plan *plan,
                                     int *has_bias, void **out_state) {
    return guarded("Metal backend create", [&]() -> wtconv_status {
        return create_with(
            [&](const wtconv_metal_runtime *rt, metal_state *s) -> wtconv_status {
                if (@available(macOS 13.0, iOS 16.0, *))
                    return create_state_from_file(request, rt, s, plan, has_bias);
                return os_too_old();
            },
            out_state);
    });
}

wtconv_status metal_create(const wtconv_model *weights, const wtconv_plan *plan,
                           const wtconv_backend_config *config, void **out_state) {
    return guarded("Metal backend create", [&]() -> wtconv_status {
        return create_with(
            [&](const wtconv_metal_runtime *rt, metal_state *s) -> wtconv_status {
                if (@available(macOS 13.0, iOS 16.0, *))
                    return create_state_from_weights(weights, plan, config, rt, s);
                return os_too_old();
            },
            out_state);
    });
}

wtconv_status run_stages(metal_state *s, const float *input, float *output)
    API_AVAILABLE(macos(13.0), ios(16.0)) {
    const wtconv_mtl_plan *p = &s->plan;
    const wtconv_mtl_buffer *x = &p->buffers[p->input_buffer], *y = &p->buffers[p->output_buffer];
    memcpy(s->buffers[static_cast<NSUInteger>(p->input_buffer)].contents, input, x->bytes);
    wtconv_status status = wtconv_metal_run_stage(s->runtime, s->queue, p, s->buffers, 0,
                                                  p->forward_count, "Haar forward");
    if (status == WTCONV_OK)
        status = wtconv_coreml_predict(s->model, &s->coreml);
    if (status == WTCONV_OK)
        status = wtconv_metal_run_stage(s->runtime, s->queue, p, s->buffers, p->forward_count,
                                        p->inverse_count, "inverse Haar");
    if (status == WTCONV_OK) // the caller's output is written only on success
        memcpy(output, s->buffers[static_cast<NSUInteger>(p->output_buffer)].contents, y->bytes);
    return status;
}

wtconv_status metal_run(void *state, const float *input, float *output) {
    return guarded("Metal backend run", [&]() -> wtconv_status {
        if (@available(macOS 13.0, iOS 16.0, *))
            return run_stages(static_cast<metal_state *>(state), input, output);
        return wtconv_fail(WTCONV_ERR_BACKEND_FAILURE,
                           "the Metal backend needs macOS 13 or iOS 16");
    });
}

size_t metal_workspace_size(const void *state) {
    return guarded("Metal backend workspace_size",
                   [&] { return static_cast<const metal_state *>(state)->plan.total_bytes; });
}

void metal_destroy(void *state) {
    return guarded("Metal backend destroy",
                   [&] { destroy_state(static_cast<metal_state *>(state)); });
}

// One CPU thread: the caller's, which encodes the stages and waits for the GPU.
void metal_describe(const void *state, int *threads, char *detail, size_t size) {
    return guarded("Metal backend describe", [&] {
        const metal_state *s = static_cast<const metal_state *>(state);
        *threads = 1;
        snprintf(detail, size, "Metal on %s: %d + %d dispatches around one Core ML prediction",
                 s->runtime->device.name.UTF8String, s->plan.forward_count, s->plan.inverse_count);
    });
}

// constexpr, so the table is constant-initialised: no code runs at load time.
constexpr wtconv_backend_ops make_ops() {
    wtconv_backend_ops ops = {};
    ops.name = "metal";
    ops.kind = WTCONV_BACKEND_METAL;
    ops.formats = WTCONV_MODEL_COREML | WTCONV_MODEL_SAFETENSORS;
    ops.available = metal_available;
    ops.unavailable_reason = metal_unavailable_reason;
    ops.create = metal_create;
    ops.create_from_file = metal_create_from_file;
    ops.run = metal_run;
    ops.workspace_size = metal_workspace_size;
    ops.destroy = metal_destroy;
    ops.describe = metal_describe;
    return ops;
}

constexpr wtconv_backend_ops metal_ops = make_ops();

} // namespace

extern "C" const wtconv_backend_ops wtconv_metal_backend = metal_ops;
