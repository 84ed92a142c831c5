// src/cuda/fast_divisor.cuh on the host: fast_div(n, make_fast_divisor(d)) against C++'s integer
// division, for every n below 2^16 and the top 4096 values below 2^31 with every d up to 2048,
// for divisors next to each power of two up to 2^31 - 1, and for pseudo-random pairs. Built
// where the CUDA backend is (the header includes cuda_runtime.h); needs no GPU.
#include <cstdint>
#include <cstdio>

#include "cuda/fast_divisor.cuh"

using wtconv_cuda::fast_div;
using wtconv_cuda::make_fast_divisor;

namespace {

long long checked, failed;

void check(int n, int d) {
    checked++;
    const int got = fast_div(n, make_fast_divisor(d));
    if (got != n / d && failed++ < 10)
        std::printf("FAIL %d / %d: %d, not %d\n", n, d, got, n / d);
}

/* A fixed 64-bit LCG, so that every run checks the same pairs: 31 bits, below 2^31. */
uint64_t state = 0x9e3779b97f4a7c15ull;
uint32_t next() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(state >> 33);
}

} // namespace

int main() {
    const int top = 0x7fffffff;
    for (int d = 1; d <= 2048; d++) {
        for (int n = 0; n < (1 << 16); n++)
            check(n, d);
        for (int n = top; n > top - 4096; n--)
            check(n, d);
    }
    for (int s = 1; s <= 31; s++)
        for (long long d = (1ll << s) - 2; d <= (1ll << s) + 2; d++)
            if (d >= 1 && d <= top)
                for (int i = 0; i < 4096; i++) {
                    check(top - i, (int)d);
                    check((int)next(), (int)d);
                    check((int)((d * (i + 1)) & 0x7fffffff), (int)d); /* multiples */
                    check((int)((d * (i + 1) - 1) & 0x7fffffff), (int)d);
                }
    for (int i = 0; i < 4000000; i++) {
        const int d = (int)(next() >> (next() % 31)) | 1;
        check((int)next(), d); /* odd, 1 <= d < 2^31 */
    }
    std::printf("fast_divisor: %lld divisions checked, %lld wrong\n", checked, failed);
    return failed ? 1 : 0;
}
