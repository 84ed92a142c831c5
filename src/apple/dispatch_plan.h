/* Internal, portable C: everything the Apple backend does on a run, decided once at create
 * time. The Objective-C++ layer (metal_runtime.mm, coreml_stage.mm) only carries this plan out,
 * and so does the Linux test suite's CPU grid emulator (tests/metal_emu), so the emulated runs
 * test the very buffers, dispatches, grids, kernel arguments and Core ML feature names that
 * Apple hardware runs.
 *
 * A run is: copy the input into the `x` buffer; the forward stage (one Haar dispatch per
 * level); one Core ML prediction (inputs x, coeffs_i; outputs base, filtered_i, written into
 * the buffers named below); the inverse stage (levels L-1..1 accumulate into the LL band of the
 * level above; the last dispatch adds the base branch and applies the stride); copy `y` out. */
#ifndef WTCONV_APPLE_DISPATCH_PLAN_H
#define WTCONV_APPLE_DISPATCH_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "wtconv_kernel_args.h" /* metal/ */
#include "model/model.h"
#include "plan/plan.h"
#include "wtconv/wtconv.h"

/* Also included by the Apple layer (Objective-C++) and the Metal emulator (C++). */
#ifdef __cplusplus
extern "C" {
#endif

typedef enum wtconv_mtl_kernel {
    WTCONV_MTL_HAAR_FORWARD,
    WTCONV_MTL_HAAR_INVERSE_ACCUMULATE,
    WTCONV_MTL_RECONSTRUCT_OUTPUT,
    WTCONV_MTL_KERNEL_COUNT
} wtconv_mtl_kernel;

/* The Metal function name of each kernel, as in metal/wtconv_kernels.metal. */
const char *wtconv_mtl_kernel_name(wtconv_mtl_kernel kernel);

typedef enum wtconv_mtl_buffer_role {
    WTCONV_MTL_INPUT,    /* x: the caller's input, copied in; Core ML input */
    WTCONV_MTL_COEFFS,   /* coeffs_i: Haar coefficients of level i; Core ML input */
    WTCONV_MTL_BASE,     /* base: the base branch; Core ML output */
    WTCONV_MTL_FILTERED, /* filtered_i: level i after its convolution; Core ML output */
    WTCONV_MTL_OUTPUT    /* y: the layer's output, copied out */
} wtconv_mtl_buffer_role;

#define WTCONV_MTL_NAME_MAX 16 /* "filtered_31" and its terminator fit */

/* One shared-storage buffer. Every buffer that Core ML sees is a float32 NCHW tensor. */
typedef struct wtconv_mtl_buffer {
    wtconv_mtl_buffer_role role;
    int level;                             /* for COEFFS and FILTERED, else -1 */
    int shape[4];                          /* N, channels, height, width */
    size_t elements;                       /* the product of shape */
    size_t bytes;                          /* elements * sizeof(float) */
    int is_coreml_input, is_coreml_output; /* what Core ML does with it */
    char name[WTCONV_MTL_NAME_MAX];        /* its Core ML feature name; "y" for y */
} wtconv_mtl_buffer;

#define WTCONV_MTL_MAX_BUFFERS (2 * WTCONV_MAX_LEVELS + 3)
#define WTCONV_MTL_MAX_BINDINGS 3

typedef union wtconv_mtl_args {
    wtconv_haar_forward_args haar_forward;
    wtconv_haar_inverse_args haar_inverse;
    wtconv_reconstruct_args reconstruct;
} wtconv_mtl_args;

/* One dispatch: buffers[b] is bound at [[buffer(b)]] (b < binding_count), the arguments at
 * [[buffer(binding_count)]] (setBytes), and the grid is threadgroups x threads_per_group. */
typedef struct wtconv_mtl_dispatch {
    wtconv_mtl_kernel kernel;
    int binding_count;
    int buffers[WTCONV_MTL_MAX_BINDINGS]; /* indices into wtconv_mtl_plan.buffers */
    wtconv_mtl_args args;
    size_t args_size;
    uint32_t grid[3];              /* the threads with work: width, height, planes */
    uint32_t threadgroups[3];      /* ceil(grid / threads_per_group) */
    uint32_t threads_per_group[3]; /* product <= the pipelines' limit */
} wtconv_mtl_dispatch;

typedef struct wtconv_mtl_plan {
    int buffer_count;
    wtconv_mtl_buffer buffers[WTCONV_MTL_MAX_BUFFERS];
    int input_buffer, output_buffer; /* x and y */
    int forward_count;               /* dispatches[0 .. forward_count): before Core ML */
    int inverse_count;               /* the next inverse_count: after it */
    wtconv_mtl_dispatch dispatches[2 * WTCONV_MAX_LEVELS];
    size_t total_bytes; /* all buffers */
} wtconv_mtl_plan;

/* Plans the Apple backend's run of `plan`. `max_threads_per_group` is the smallest
 * maxTotalThreadsPerThreadgroup of the kernels' pipelines (>= 1). Fails with
 * WTCONV_ERR_SHAPE_MISMATCH when a grid or buffer does not fit the kernels' 32-bit sizes. */
wtconv_status wtconv_mtl_plan_make(const wtconv_plan *plan, uint32_t max_threads_per_group,
                                   wtconv_mtl_plan *out);

/* The buffer names: Core ML's feature names "x", "coeffs_<i>", "base", "filtered_<i>", and "y". */
void wtconv_mtl_buffer_name(wtconv_mtl_buffer_role role, int level, char name[WTCONV_MTL_NAME_MAX]);

#ifdef __cplusplus
}
#endif

#endif
