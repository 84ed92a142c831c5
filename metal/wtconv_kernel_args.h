/* The arguments of the Metal kernels in wtconv_kernels.metal, shared by the shaders and the
 * portable C that plans their dispatches (src/apple/dispatch_plan.c). Plain structs of 32-bit
 * unsigned fields: the same layout in the Metal Shading Language and in C, with no padding.
 *
 * Layouts: a plane is one (n, c) image, row-major. Haar coefficients of level i are stored as
 * Core ML sees them, [N, 4C, hh_i, hw_i]: plane 4p+s holds subband s of plane p = n*C + c. */
#ifndef WTCONV_METAL_KERNEL_ARGS_H
#define WTCONV_METAL_KERNEL_ARGS_H

#ifdef __METAL_VERSION__
typedef uint wtconv_u32;
#else
#include <stdint.h>
typedef uint32_t wtconv_u32;
#endif

/* Buffer indices ([[buffer(i)]]) of each kernel's parameters. The dispatch plan binds by these
 * names, and the Linux emulator passes each parameter the buffer bound at its index. */
#define WTCONV_HAAR_FORWARD_SRC 0
#define WTCONV_HAAR_FORWARD_DST 1
#define WTCONV_HAAR_FORWARD_ARGS 2

#define WTCONV_HAAR_INVERSE_SRC 0
#define WTCONV_HAAR_INVERSE_DST 1
#define WTCONV_HAAR_INVERSE_ARGS 2

#define WTCONV_RECONSTRUCT_COEFFS 0
#define WTCONV_RECONSTRUCT_BASE 1
#define WTCONV_RECONSTRUCT_OUTPUT 2
#define WTCONV_RECONSTRUCT_ARGS 3

/* One level of the forward cascade: each thread turns one 2x2 block of a source plane (zero
 * outside it, for odd sizes) into the four subbands. Grid: dst_width x dst_height x planes. */
typedef struct wtconv_haar_forward_args {
    wtconv_u32 src_height, src_width; /* this level's input, h_i x w_i */
    wtconv_u32 src_plane_stride;      /* floats from one source plane to the next */
    wtconv_u32 dst_height, dst_width; /* ceil(h_i/2) x ceil(w_i/2) */
    wtconv_u32 planes;                /* N*C */
} wtconv_haar_forward_args;

/* One level i >= 1 of the inverse cascade: each thread reconstructs one 2x2 block from the
 * filtered subbands of level i and adds the part inside h_i x w_i to the LL band of level i-1's
 * filtered coefficients (whose size is exactly h_i x w_i). Grid: src_width x src_height x planes.
 */
typedef struct wtconv_haar_inverse_args {
    wtconv_u32 src_height, src_width; /* ceil(h_i/2) x ceil(w_i/2) */
    wtconv_u32 dst_height, dst_width; /* h_i x w_i: the crop */
    wtconv_u32 dst_plane_stride;      /* floats between LL planes of level i-1: 4*h_i*w_i */
    wtconv_u32 planes;                /* N*C */
} wtconv_haar_inverse_args;

/* The last step: output = base + inverse Haar of level 0's filtered subbands, cropped to H x W
 * and subsampled by the stride. One thread per output element. Grid: out_width x out_height x
 * planes. */
typedef struct wtconv_reconstruct_args {
    wtconv_u32 height, width;             /* H x W */
    wtconv_u32 coeff_height, coeff_width; /* ceil(H/2) x ceil(W/2) */
    wtconv_u32 out_height, out_width;     /* ceil(H/stride) x ceil(W/stride) */
    wtconv_u32 stride;
    wtconv_u32 planes; /* N*C */
} wtconv_reconstruct_args;

#endif
