/* What the benchmarks share: reproducible random data, and a layer with random weights
 * written to a safetensors file for wtconv_create. */
#ifndef WTCONV_BENCH_MODEL_H
#define WTCONV_BENCH_MODEL_H

#include <stddef.h>

/* `count` floats uniform in [-scale, scale), from one fixed sequence (exits on out of
 * memory); the caller frees them. */
float *bench_random_floats(size_t count, float scale);

/* A layer of `channels` channels, k x k kernels and `levels` levels with weights of
 * trained-like size (base ~0.2, wavelet ~0.2 scaled by ~0.1) at path: 0, or -1 after a
 * message on stderr naming `program`. */
int bench_write_model(const char *program, int channels, int kernel, int levels, const char *path);

#endif
