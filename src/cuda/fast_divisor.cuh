/* Internal (src/cuda): division by a divisor fixed at launch, as a multiplication. A block's
 * index arithmetic (its plane, tile and channel) took integer divisions of about 20 instructions
 * each, and a 64-bit remainder (a call), in every thread. Used where it measured faster
 * (docs/cuda-backend.md): the whole-plane kernel and level_strip_kernel. */
#ifndef WTCONV_CUDA_FAST_DIVISOR_CUH
#define WTCONV_CUDA_FAST_DIVISOR_CUH

#include <cuda_runtime.h>

namespace wtconv_cuda {

/* For 1 <= d < 2^31: s with 2^s >= d, and m = ceil(2^(31+s) / d), which is below 2^32. For
 * 0 <= n < 2^31, n * m / 2^(31+s) exceeds n / d by less than n / 2^(31+s) < 1 / d, which cannot
 * carry n / d (at most (d-1)/d past an integer) to the next integer: its floor is n / d. */
struct fast_divisor {
    unsigned m;
    unsigned shift; /* 31 + s */
};

inline fast_divisor make_fast_divisor(int d) {
    unsigned s = 0;
    while ((1ull << s) < (unsigned long long)d)
        s++;
    fast_divisor f;
    f.m = (unsigned)(((1ull << (31 + s)) + (unsigned long long)d - 1) / (unsigned long long)d);
    f.shift = 31 + s;
    return f;
}

/* n / d for 0 <= n < 2^31. */
__host__ __device__ __forceinline__ int fast_div(int n, const fast_divisor &f) {
    return (int)(((unsigned long long)(unsigned)n * f.m) >> f.shift);
}

/* The channel of plane `plane` (0 <= plane < 2^31) of a launch with arguments `a` (level_args or
 * plane_args): (a.channel0 + plane) mod a.channels, a.channel0 being the channel of the launch's
 * first plane and a.per_image dividing by a.channels. */
template <class Args> __device__ __forceinline__ int channel_of_plane(const Args &a, int plane) {
    const int c = a.channel0 + (plane - fast_div(plane, a.per_image) * a.channels);
    return c < a.channels ? c : c - a.channels;
}

} // namespace wtconv_cuda

#endif
