/* Internal (src/cuda): the tiled path, for planes too large for one block's shared memory
 * (tiles.cu). A down pass writes the raw LL bands LL_1 .. LL_{L-1}, then one launch per level,
 * deepest first; level 0 adds the base branch and writes y. */
#ifndef WTCONV_CUDA_TILES_H
#define WTCONV_CUDA_TILES_H

#include <cuda_runtime.h>

#include "cuda/fast_divisor.cuh"
#include "plan/plan.h"

namespace wtconv_cuda {

struct level_args {
    const float *src;             /* the level's input planes, h x w (x for level 0) */
    const float *rnext;           /* R_{i+1}, hc x wc planes; NULL at the deepest level */
    float *dst;                   /* level 0: y (out_h x out_w planes); else R_i (h x w planes) */
    const float *wl;              /* [C][4][k][k] level filters, scale folded in */
    const float *wb;              /* level 0: [C][k][k] base filters, scale folded in */
    const float *bb;              /* level 0: [C] scaled bias */
    long long planes, plane_base; /* planes of this launch; the first one's index */
    int h, w, hc, wc;             /* level input size, coefficient grid size */
    int k, pb;                    /* kernel size, 'same' padding before */
    int channels, stride, out_h, out_w;
    int tiles_u, tiles_v; /* tiles per plane */
    /* Shared-memory geometry of one plane's slice (floats). */
    int xr, xp; /* input tile rows and row pitch */
    int cr, cp; /* coefficient tile rows and row pitch */
    int slice;  /* floats per plane slice: xr*xp + 4*cr*cp + weights */
    int r_tile; /* level_strip_kernel: where R_{i+1}'s tile (32 x 32 floats) lies, then the
                 * weights (each filter round4(k*k) floats, 16-byte aligned) */
    /* level_strip_kernel's block and channel arithmetic: tiles_u * tiles_v, tiles_v and
     * channels as divisors (tiles_plan_level), plane_base's channel (tiles_enqueue_level). */
    fast_divisor per_plane, per_row, per_image;
    int channel0;
    const float *wdeep[2]; /* the cone (level 0 with levels 1, 2 in the block): their filters */
};

typedef void (*level_fn)(level_args);

struct level_launch {
    level_args args; /* everything but the pointers and the plane count */
    bool base, direct, strip, cone;
    dim3 block;
    size_t smem;
    level_fn fn;
};

/* From L->args' sizes, kernel and padding (and L->base): the kernel, the tile shape and the
 * shared memory, or L->direct when even the smallest tile does not fit. register_taps: the
 * kernel with the taps in registers (level_strip_kernel) where it applies. */
void tiles_plan_level(level_launch *L, long long planes_per_item, bool register_taps);

/* Level 0 as the cone where it applies (after tiles_plan_level, before tiles_prepare_level):
 * one launch that makes the deeper levels of each tile in the same block, for `levels` = 2, 3
 * on level_strip_kernel's 32 x 32 tiles. Returns whether it does (L0->cone). */
bool tiles_plan_cone(level_launch *L0, int levels);

/* cudaSuccess when this build's GPU code runs on the current device. */
cudaError_t tiles_check_device();

/* Raises the kernel's shared-memory limit where L needs more than 48 KiB; L->direct where the
 * device has less. */
void tiles_prepare_level(level_launch *L);

/* Loads the kernel L launches (the direct kernel where L->direct), so that its first launch does
 * not (lazy loading); cudaSuccess or the error of a device that cannot run it. */
cudaError_t tiles_load_level(const level_launch &L);

/* Enqueues the down pass: LL_1 .. LL_{L-1} of `planes` planes of x into ll[1] ..; the first
 * launch error (its launches stop there). */
cudaError_t tiles_enqueue_down(const wtconv_plan &p, const float *x, float *const *ll,
                               long long planes, cudaStream_t stream);

/* Enqueues one level with arguments `a` (L.args with the pointers and plane count set); the
 * launch's error. after_own_kernel: a kernel of this run comes right before it on the stream
 * (the level may then start while that kernel's last blocks run). */
cudaError_t tiles_enqueue_level(const level_launch &L, const level_args &a, bool after_own_kernel,
                                cudaStream_t stream);

} // namespace wtconv_cuda

#endif
