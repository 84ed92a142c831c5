#define _POSIX_C_SOURCE 200809L

#include "fma_peak.h"

#include <time.h>

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>

/* Twelve independent chains: more than the FMA units' latency x throughput (4 x 2 on current
 * x86 cores), so the units never wait. The asm statement keeps them in registers and the loop
 * from being folded away. */
#define CHAINS(T, set1)                                                                            \
    T a0 = set1(1.0f), a1 = set1(2.0f), a2 = set1(3.0f), a3 = set1(4.0f), a4 = set1(5.0f),         \
      a5 = set1(6.0f), a6 = set1(7.0f), a7 = set1(8.0f), a8 = set1(9.0f), a9 = set1(10.0f),        \
      a10 = set1(11.0f), a11 = set1(12.0f)
#define STEP(fma)                                                                                  \
    a0 = fma(a0, m, c), a1 = fma(a1, m, c), a2 = fma(a2, m, c), a3 = fma(a3, m, c);                \
    a4 = fma(a4, m, c), a5 = fma(a5, m, c), a6 = fma(a6, m, c), a7 = fma(a7, m, c);                \
    a8 = fma(a8, m, c), a9 = fma(a9, m, c), a10 = fma(a10, m, c), a11 = fma(a11, m, c)
#define KEEP(reg)                                                                                  \
    __asm__ volatile(""                                                                            \
                     : "+" reg(a0), "+" reg(a1), "+" reg(a2), "+" reg(a3), "+" reg(a4),            \
                       "+" reg(a5), "+" reg(a6), "+" reg(a7), "+" reg(a8), "+" reg(a9),            \
                       "+" reg(a10), "+" reg(a11))
#define SUM(add)                                                                                   \
    add(add(add(add(a0, a1), add(a2, a3)), add(add(a4, a5), add(a6, a7))),                         \
        add(add(a8, a9), add(a10, a11)))

__attribute__((target("avx512f"))) static float chains_zmm(long iterations) {
    const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    CHAINS(__m512, _mm512_set1_ps);
    for (long i = 0; i < iterations; i++) {
        STEP(_mm512_fmadd_ps);
        KEEP("v");
    }
    return _mm512_reduce_add_ps(SUM(_mm512_add_ps));
}

__attribute__((target("avx2,fma"))) static float chains_ymm(long iterations) {
    const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    float lanes[8];
    CHAINS(__m256, _mm256_set1_ps);
    for (long i = 0; i < iterations; i++) {
        STEP(_mm256_fmadd_ps);
        KEEP("x");
    }
    _mm256_storeu_ps(lanes, SUM(_mm256_add_ps));
    return lanes[0];
}

typedef float (*chains_fn)(long);

/* The widest chains this CPU runs, and their lanes; NULL when none. */
static chains_fn pick_chains(double *lanes, const char **what) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
        *lanes = 16, *what = "zmm (AVX-512)";
        return chains_zmm;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        *lanes = 8, *what = "ymm (AVX2+FMA)";
        return chains_ymm;
    }
    *lanes = 0, *what = "none (no AVX2+FMA)";
    return NULL;
}

double bench_fma_sustained(double seconds, const char **what) {
    double lanes;
    const chains_fn chains = pick_chains(&lanes, what);
    const long iterations = 1 << 18; /* about a millisecond a slice */
    volatile float sink = 0;
    double t0, elapsed;
    long slices = 0;
    if (!chains)
        return 0;
    t0 = now_seconds();
    do {
        sink += chains(iterations);
        slices++;
        elapsed = now_seconds() - t0;
    } while (elapsed < seconds);
    (void)sink;
    return 2.0 * lanes * 12.0 * (double)iterations * (double)slices / elapsed / 1e9;
}

double bench_fma_peak(double seconds, const char **what) {
    double lanes, best = 0;
    volatile float sink = 0;
    const chains_fn chains = pick_chains(&lanes, what);
    if (!chains)
        return 0;
    {
        long iterations = 1 << 16;
        double t = 0;
        while (t < seconds / 10) { /* size a trial: 5 of them take at most `seconds` */
            const double t0 = now_seconds();
            sink += chains(iterations);
            t = now_seconds() - t0;
            if (t < seconds / 10)
                iterations *= 2;
        }
        for (int trial = 0; trial < 5; trial++) {
            const double t0 = now_seconds();
            double gflops;
            sink += chains(iterations);
            gflops = 2.0 * lanes * 12.0 * (double)iterations / (now_seconds() - t0) / 1e9;
            best = gflops > best ? gflops : best;
        }
    }
    (void)sink;
    return best;
}

#else

double bench_fma_peak(double seconds, const char **what) {
    (void)seconds;
    (void)now_seconds;
    *what = "not measured on this CPU or compiler";
    return 0;
}

double bench_fma_sustained(double seconds, const char **what) {
    return bench_fma_peak(seconds, what);
}

#endif
