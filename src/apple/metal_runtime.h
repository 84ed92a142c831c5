// Internal (Objective-C++): the Metal half of the Apple backend. It carries out the dispatches
// of a wtconv_mtl_plan; what to dispatch, with which buffers, arguments and grids, is decided
// by the portable plan (dispatch_plan.h), never here.
#ifndef WTCONV_APPLE_METAL_RUNTIME_H
#define WTCONV_APPLE_METAL_RUNTIME_H

#import <Foundation/Foundation.h>
#import <Metal/Metal.h>

#include "apple/dispatch_plan.h"

// The process-wide Metal objects: the default device and one compute pipeline per kernel of the
// embedded metallib. Made once, on first use (thread-safe), and shared by every context.
struct wtconv_metal_runtime {
    id<MTLDevice> device;
    id<MTLComputePipelineState> pipelines[WTCONV_MTL_KERNEL_COUNT];
    uint32_t max_threads_per_group; // the smallest limit among the pipelines
};

// The runtime, or nullptr when this machine has no Metal device or the kernels do not load;
// `why` (may be nullptr) then receives the reason.
const wtconv_metal_runtime *wtconv_metal_runtime_get(const char **why);

// One shared-storage buffer per buffer of the plan, in the plan's order.
wtconv_status wtconv_metal_make_buffers(const wtconv_metal_runtime *runtime,
                                        const wtconv_mtl_plan *plan,
                                        NSArray<id<MTLBuffer>> *__autoreleasing *buffers);

// Encodes dispatches [first, first + count) of the plan into one command buffer on `queue`,
// commits it and waits for it: one CPU wait per stage, none per kernel.
wtconv_status wtconv_metal_run_stage(const wtconv_metal_runtime *runtime, id<MTLCommandQueue> queue,
                                     const wtconv_mtl_plan *plan, NSArray<id<MTLBuffer>> *buffers,
                                     int first, int count, const char *stage);

#endif
