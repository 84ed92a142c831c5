/* The single-core fp32 FMA peak of this machine, measured (the benchmark's yardstick). */
#ifndef WTCONV_BENCH_FMA_PEAK_H
#define WTCONV_BENCH_FMA_PEAK_H

/* GFLOP/s (2 flops per FMA lane) of independent FMA chains on the widest vectors this CPU has
 * (zmm with AVX-512F, else ymm with AVX2+FMA), best of a few trials of about `seconds` each;
 * *what names the vectors used. 0 when neither instruction set is available (or the compiler
 * is not GCC or clang). */
double bench_fma_peak(double seconds, const char **what);

/* The same chains run without a break for `seconds`: their average GFLOP/s, the best slice
 * not singled out. Two processes at once, one per core, show what a shared host gives two
 * cores over that time (tools/bench_two_processes.sh). */
double bench_fma_sustained(double seconds, const char **what);

#endif
