/* Internal (src/cuda): device helpers that the whole-plane kernels (planes.cu) and the tiled
 * kernels (tiles.cu) share. */
#ifndef WTCONV_CUDA_DEVICE_UTIL_CUH
#define WTCONV_CUDA_DEVICE_UTIL_CUH

#include <cuda_runtime.h>

namespace wtconv_cuda {

/* Threads per block at most. */
constexpr int kMaxThreads = 256;
constexpr int kMaxBlockZ = 64; /* CUDA's limit on blockDim.z */

/* The taps of a filter in shared memory, read in order 0, 1, 2, ... W4: the filter starts 16-byte
 * aligned and one float4 broadcast load serves four taps. The load is inline PTX because nvcc
 * turned a float4 read of these weights into four scalar shared loads, each costing a wavefront
 * (docs/cuda-backend.md, sixteenth and seventeenth rounds); volatile, so that the compiler keeps
 * it after the barrier that follows the weights' copy into shared memory. */
template <bool W4> struct tap_stream {
    const float *w;
    unsigned at;
    float4 q;
    __device__ __forceinline__ explicit tap_stream(const float *weights)
        : w(weights), at(W4 ? (unsigned)__cvta_generic_to_shared(weights) : 0u), q() {}
    /* Tap t, t = 0, 1, 2, ... in turn (t known at compile time). */
    __device__ __forceinline__ float next(int t) {
        if (!W4)
            return w[t];
        if ((t & 3) == 0)
            asm volatile("ld.shared.v4.f32 {%0, %1, %2, %3}, [%4];"
                         : "=f"(q.x), "=f"(q.y), "=f"(q.z), "=f"(q.w)
                         : "r"(at + 4u * (unsigned)t));
        return (t & 3) == 0 ? q.x : (t & 3) == 1 ? q.y : (t & 3) == 2 ? q.z : q.w;
    }
};

/* Loads N floats (N a multiple of 4) from 16-byte aligned shared memory. */
template <int N> __device__ __forceinline__ void load_row(float (&r)[N], const float *p) {
    const float4 *q = reinterpret_cast<const float4 *>(p);
#pragma unroll
    for (int i = 0; i < N / 4; i++) {
        const float4 t = q[i];
        r[4 * i] = t.x;
        r[4 * i + 1] = t.y;
        r[4 * i + 2] = t.z;
        r[4 * i + 3] = t.w;
    }
}

__host__ __device__ constexpr int round4(int n) { return (n + 3) / 4 * 4; }

/* floor(n / d) without an integer division (about 20 instructions), from d's reciprocal: exact
 * for 0 <= n < 2^22 and 1 <= d < 2^23, since (n + 0.5) / d lies at least 0.5 / d from an integer
 * and the correctly rounded reciprocal and product err by less than (n + 0.5) / d * 2^-23. */
__device__ __forceinline__ float small_inv(int d) { return __frcp_rn((float)d); }
__device__ __forceinline__ int small_div(int n, float inv_d) {
    return (int)(((float)n + 0.5f) * inv_d);
}

} // namespace wtconv_cuda

#endif
