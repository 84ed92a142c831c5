// The Metal half of the Apple backend: device, pipelines, buffers, and a stage's dispatches.
#include "apple/metal_runtime.h"

#include <string>

#include "base/error.h"
#include "apple/metallib_data.h"

namespace {

struct runtime_holder {
    wtconv_metal_runtime runtime;
    bool ok = false;
    std::string why;
};

runtime_holder make_runtime() {
    runtime_holder h;
    @autoreleasepool {
        NSError *error = nil;
        h.runtime.device = MTLCreateSystemDefaultDevice();
        if (!h.runtime.device) {
            h.why = "this machine has no Metal device";
            return h;
        }
        // Metal wants dispatch data; the default destructor copies the (small) bytes once.
        dispatch_data_t bytes = dispatch_data_create(wtconv_metallib_data, wtconv_metallib_size,
                                                     nil, DISPATCH_DATA_DESTRUCTOR_DEFAULT);
        id<MTLLibrary> library = [h.runtime.device newLibraryWithData:bytes error:&error];
        if (!library) {
            h.why = std::string("the embedded Metal kernels do not load: ") +
                    (error ? error.localizedDescription.UTF8String : "no reason given");
            return h;
        }
        h.runtime.max_threads_per_group = UINT32_MAX;
        for (int k = 0; k < WTCONV_MTL_KERNEL_COUNT; k++) {
            const char *name = wtconv_mtl_kernel_name(static_cast<wtconv_mtl_kernel>(k));
            id<MTLFunction> function = [library newFunctionWithName:@(name)];
            id<MTLComputePipelineState> pipeline =
                function
                    ? [h.runtime.device newComputePipelineStateWithFunction:function error:&error]
                    : nil;
            if (!pipeline) {
                h.why = std::string("the Metal kernel '") + name + "' does not load" +
                        (error ? std::string(": ") + error.localizedDescription.UTF8String : "");
                return h;
            }
            h.runtime.pipelines[k] = pipeline;
            if (pipeline.maxTotalThreadsPerThreadgroup < h.runtime.max_threads_per_group)
                h.runtime.max_threads_per_group =
                    static_cast<uint32_t>(pipeline.maxTotalThreadsPerThreadgroup);
        }
        h.ok = true;
    }
    return h;
}

// Never throws: this runs inside C calls.
const runtime_holder *make_holder() {
    try {
        return new runtime_holder(make_runtime());
    } catch (...) {
        return nullptr;
    }
}

} // namespace

const wtconv_metal_runtime *wtconv_metal_runtime_get(const char **why) {
    // Made once, thread-safely (C++11), and never destroyed: a run still in flight on another
    // thread at exit must not find its pipelines released.
    static const runtime_holder *const holder = make_holder();
    if (why)
        *why = holder ? holder->why.c_str() : "out of memory starting Metal";
    return holder && holder->ok ? &holder->runtime : nullptr;
}

wtconv_status wtconv_metal_make_buffers(const wtconv_metal_runtime *runtime,
                                        const wtconv_mtl_plan *plan,
                                        NSArray<id<MTLBuffer>> *__autoreleasing *buffers) {
    NSMutableArray<id<MTLBuffer>> *made =
        [NSMutableArray arrayWithCapacity:static_cast<NSUInteger>(plan->buffer_count)];
    for (int b = 0; b < plan->buffer_count; b++) {
        const wtconv_mtl_buffer *spec = &plan->buffers[b];
        if (spec->bytes > runtime->device.maxBufferLength)
            return wtconv_fail(WTCONV_ERR_SHAPE_MISMATCH,
                               "the Metal buffer '%s' needs %zu bytes; this GPU's limit is %llu",
                               spec->name, spec->bytes,
                               static_cast<unsigned long long>(runtime->device.maxBufferLength));
        // Shared storage: the CPU copies in and out, and Core ML reads and writes it in place.
        id<MTLBuffer> buffer = [runtime->device newBufferWithLength:spec->bytes
                                                            options:MTLResourceStorageModeShared];
        if (!buffer)
            return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY,
                               "out of GPU memory for the Metal buffer '%s' (%zu bytes)",
                               spec->name, spec->bytes);
        [made addObject:buffer];
    }
    *buffers = made;
    return WTCONV_OK;
}

wtconv_status wtconv_metal_run_stage(const wtconv_metal_runtime *runtime, id<MTLCommandQueue> queue,
                                     const wtconv_mtl_plan *plan, NSArray<id<MTLBuffer>> *buffers,
                                     int first, int count, const char *stage) {
    id<MTLCommandBuffer> commands = [queue commandBuffer];
    id<MTLComputeCommandEncoder> encoder = [commands computeCommandEncoder];
    if (!commands || !encoder)
        return wtconv_fail(WTCONV_ERR_BACKEND_FAILURE,
                           "Metal gave no command buffer for the %s stage", stage);
    // One serial encoder: each dispatch sees the writes of the ones before it.
    for (int i = first; i < first + count; i++) {
        const wtconv_mtl_dispatch *d = &plan->dispatches[i];
        [encoder setComputePipelineState:runtime->pipelines[d->kernel]];
        for (int b = 0; b < d->binding_count; b++)
            [encoder setBuffer:buffers[static_cast<NSUInteger>(d->buffers[b])]
                        offset:0
                       atIndex:static_cast<NSUInteger>(b)];
        [encoder setBytes:&d->args
                   length:d->args_size
                  atIndex:static_cast<NSUInteger>(d->binding_count)];
        [encoder dispatchThreadgroups:MTLSizeMake(d->threadgroups[0], d->threadgroups[1],
                                                  d->threadgroups[2])
                threadsPerThreadgroup:MTLSizeMake(d->threads_per_group[0], d->threads_per_group[1],
                                                  d->threads_per_group[2])];
    }
    [encoder endEncoding];
    [commands commit];
    [commands waitUntilCompleted];
    if (commands.status != MTLCommandBufferStatusCompleted)
        return wtconv_fail(WTCONV_ERR_BACKEND_FAILURE, "the Metal %s stage failed: %s", stage,
                           commands.error ? commands.error.localizedDescription.UTF8String
                                          : "no reason given");
    return WTCONV_OK;
}
