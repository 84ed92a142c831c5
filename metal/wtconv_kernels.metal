// The Haar stages of the Metal backend. The depthwise convolutions between them run in Core ML.
//
// Written for the Metal Shading Language and, unchanged, for the C++ shim in tests/metal_emu
// that runs these kernels on a CPU grid emulator in the Linux test suite. So: scalar code, no
// threadgroup memory, no SIMD-group functions, and a bounds check in every kernel (the plan
// dispatches whole threadgroups, so the grid may overhang the data).
//
// Build with -fno-fast-math: the sums below must round like the CPU backend's.

#include <metal_stdlib>

#include "wtconv_kernel_args.h"

using namespace metal;

// The Haar matrix is symmetric and its own inverse:
//   s = M [a b c d], [a b c d] = M s, with M = 1/2 [[1,1,1,1],[1,1,-1,-1],[1,-1,1,-1],[1,-1,-1,1]].

kernel void wtconv_haar_forward(device const float *src [[buffer(WTCONV_HAAR_FORWARD_SRC)]],
                                device float *dst [[buffer(WTCONV_HAAR_FORWARD_DST)]],
                                constant wtconv_haar_forward_args &args
                                [[buffer(WTCONV_HAAR_FORWARD_ARGS)]],
                                uint3 gid [[thread_position_in_grid]]) {
    if (gid.x >= args.dst_width || gid.y >= args.dst_height || gid.z >= args.planes)
        return;
    const uint row = 2 * gid.y, col = 2 * gid.x;
    const bool has_right = col + 1 < args.src_width, has_below = row + 1 < args.src_height;
    device const float *top =
        src + ulong(gid.z) * args.src_plane_stride + ulong(row) * args.src_width + col;
    // Odd sizes: the reference zero-pads one row at the bottom and one column at the right.
    // (The row below is addressed only when it exists.)
    const float a = top[0];
    const float b = has_right ? top[1] : 0.0f;
    const float c = has_below ? top[args.src_width] : 0.0f;
    const float d = has_right && has_below ? top[args.src_width + 1] : 0.0f;

    const ulong band = ulong(args.dst_height) * args.dst_width;
    device float *out = dst + ulong(gid.z) * 4 * band + ulong(gid.y) * args.dst_width + gid.x;
    out[0] = 0.5f * ((a + b) + (c + d));
    out[band] = 0.5f * ((a + b) - (c + d));
    out[2 * band] = 0.5f * ((a - b) + (c - d));
    out[3 * band] = 0.5f * ((a - b) - (c - d));
}

kernel void wtconv_haar_inverse_accumulate(device const float *src
                                           [[buffer(WTCONV_HAAR_INVERSE_SRC)]],
                                           device float *dst [[buffer(WTCONV_HAAR_INVERSE_DST)]],
                                           constant wtconv_haar_inverse_args &args
                                           [[buffer(WTCONV_HAAR_INVERSE_ARGS)]],
                                           uint3 gid [[thread_position_in_grid]]) {
    if (gid.x >= args.src_width || gid.y >= args.src_height || gid.z >= args.planes)
        return;
    const ulong band = ulong(args.src_height) * args.src_width;
    device const float *s = src + ulong(gid.z) * 4 * band + ulong(gid.y) * args.src_width + gid.x;
    const float s0 = s[0], s1 = s[band], s2 = s[2 * band], s3 = s[3 * band];

    const uint row = 2 * gid.y, col = 2 * gid.x;
    const bool has_right = col + 1 < args.dst_width, has_below = row + 1 < args.dst_height;
    device float *top =
        dst + ulong(gid.z) * args.dst_plane_stride + ulong(row) * args.dst_width + col;
    // Each thread owns its 2x2 block of the destination: no two threads touch one element.
    top[0] += 0.5f * ((s0 + s1) + (s2 + s3));
    if (has_right)
        top[1] += 0.5f * ((s0 + s1) - (s2 + s3));
    if (has_below)
        top[args.dst_width] += 0.5f * ((s0 - s1) + (s2 - s3));
    if (has_right && has_below)
        top[args.dst_width + 1] += 0.5f * ((s0 - s1) - (s2 - s3));
}

kernel void wtconv_reconstruct_output(device const float *coeffs
                                      [[buffer(WTCONV_RECONSTRUCT_COEFFS)]],
                                      device const float *base [[buffer(WTCONV_RECONSTRUCT_BASE)]],
                                      device float *output [[buffer(WTCONV_RECONSTRUCT_OUTPUT)]],
                                      constant wtconv_reconstruct_args &args
                                      [[buffer(WTCONV_RECONSTRUCT_ARGS)]],
                                      uint3 gid [[thread_position_in_grid]]) {
    if (gid.x >= args.out_width || gid.y >= args.out_height || gid.z >= args.planes)
        return;
    const uint row = gid.y * args.stride, col = gid.x * args.stride;
    const ulong band = ulong(args.coeff_height) * args.coeff_width;
    device const float *s =
        coeffs + ulong(gid.z) * 4 * band + ulong(row / 2) * args.coeff_width + col / 2;
    const float s0 = s[0], s1 = s[band], s2 = s[2 * band], s3 = s[3 * band];
    // The element's place in its 2x2 block picks the signs of the inverse's row of M.
    const float v = (row & 1) == 0
                        ? ((col & 1) == 0 ? (s0 + s1) + (s2 + s3) : (s0 + s1) - (s2 + s3))
                        : ((col & 1) == 0 ? (s0 - s1) + (s2 - s3) : (s0 - s1) - (s2 - s3));
    const ulong in_plane = ulong(args.height) * args.width;
    const float b = base[ulong(gid.z) * in_plane + ulong(row) * args.width + col];
    output[ulong(gid.z) * args.out_height * args.out_width + ulong(gid.y) * args.out_width +
           gid.x] = b + 0.5f * v;
}
