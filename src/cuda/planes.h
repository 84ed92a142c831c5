/* Internal (src/cuda): the whole-plane path (planes.cu). For planes small enough (WTConvNeXt's
 * 56x56 and below), one block runs the whole layer on one plane: x is read once into shared memory,
 * every level's Haar coefficients are kept there with a zero border of the convolution's padding,
 * the inverse cascade runs from the deepest level up through two reconstruction buffers, and level
 * 0 adds the base branch and writes y. One launch; x read once, y written once. */
#ifndef WTCONV_CUDA_PLANES_H
#define WTCONV_CUDA_PLANES_H

#include <cuda_runtime.h>

#include "cuda/device_util.cuh"
#include "cuda/fast_divisor.cuh"
#include "plan/plan.h"

namespace wtconv_cuda {

constexpr int kPlaneMaxLevels = 8;
/* The SPLIT kernel's deep warp: exactly one warp, as it synchronises by __syncwarp alone. */
constexpr int kDeepThreads = 32;

struct plane_args {
    const float *x;
    float *y;
    const float4 *weights; /* per channel: nw4 float4s; plane_band() says where what is */
    long long planes, plane_base;
    int channels, levels, stride, out_h, out_w, nw4;
    int h[kPlaneMaxLevels], w[kPlaneMaxLevels];   /* level inputs */
    int hc[kPlaneMaxLevels], wc[kPlaneMaxLevels]; /* coefficient grids */
    int cp[kPlaneMaxLevels];                      /* coefficient row pitch (border included) */
    int coef[kPlaneMaxLevels];                    /* offset of level i's four bands */
    int band[kPlaneMaxLevels];                    /* floats per band */
    int xr, xp;                                   /* input rows and pitch (border included) */
    int jobs_row0;                                /* level-0 jobs (threads) a coefficient row */
    int r_off[2];                                 /* R_i of even / odd i */
    int w_off;                                    /* the weights (16-byte aligned) */
    int per_block, threads;                       /* planes per block, threads per plane */
    int deep;                                     /* SPLIT: kDeepThreads, else 0 */
    bool w4;                                      /* the W4 weight layout (plane_band) */
    bool vec_y; /* y's planes and rows 16-byte aligned (set per run) */
    int slice;  /* floats of shared memory per plane (a multiple of 4) */
    /* Divisions as multiplications (planes_plan): threads a plane, planes an image (channels);
     * and plane_base's channel (planes_enqueue). */
    fast_divisor per_slice, per_image;
    int channel0;
};

/* The packed weights of a channel, in floats: the base filter at 0, the bias at kb, level l's
 * band s at kb + g + (4l + s) kb. W4: kb = round4(k*k), g = 4 (every filter 16-byte aligned);
 * else kb = k*k, g = 1 (the aligned layout was 1-2% slower with scalar loads). */
__host__ __device__ constexpr int plane_bias(int k, bool w4) { return w4 ? round4(k * k) : k * k; }
__host__ __device__ constexpr int plane_band(int k, bool w4, int l, int s) {
    return plane_bias(k, w4) * (1 + 4 * l + s) + (w4 ? 4 : 1);
}

typedef void (*plane_fn)(plane_args);

/* How the layer is launched: the arguments but for the pointers and the plane count. */
struct plane_launch {
    plane_args args;
    plane_fn fn;
    dim3 block;
    size_t smem;
};

/* The whole-plane launch for this plan, or false when the planes are too large (or k not 3, 5
 * or 7, or the cascade too deep). */
bool planes_plan(const wtconv_plan &p, plane_launch *out);

/* Sets the kernel's shared-memory attributes (allow_dynamic_smem); false when the device cannot
 * give it enough. */
bool planes_prepare(const plane_launch &L);

/* Loads L's kernel, so that its first launch does not (lazy loading); cudaSuccess or the error
 * of a device that cannot run it. */
cudaError_t planes_load(const plane_launch &L);

/* Enqueues the layer with arguments `a` (L.args with the pointers and plane count set); the
 * launch's error. */
cudaError_t planes_enqueue(const plane_launch &L, const plane_args &a, cudaStream_t stream);

} // namespace wtconv_cuda

#endif
