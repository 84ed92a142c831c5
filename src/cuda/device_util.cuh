/* Internal (src/cuda): device helpers that the whole-plane kernels (planes.cu) and the tiled
 * kernels (tiles.cu) share. */
#ifndef WTCONV_CUDA_DEVICE_UTIL_CUH
#define WTCONV_CUDA_DEVICE_UTIL_CUH

#include <cuda_runtime.h>

namespace wtconv_cuda {

/* Threads per block at most. */
constexpr int kMaxThreads = 256;

/* Tap t of a filter in shared memory. W4: the filter starts 16-byte aligned and is read as
 * float4s (with t known at compile time, one broadcast load serves four taps; faster where a
 * warp holds several planes' jobs, slower elsewhere). */
template <bool W4> __device__ __forceinline__ float wtap(const float *w, int t) {
    if (!W4)
        return w[t];
    const float4 q = reinterpret_cast<const float4 *>(w)[t >> 2];
    return (t & 3) == 0 ? q.x : (t & 3) == 1 ? q.y : (t & 3) == 2 ? q.z : q.w;
}

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
