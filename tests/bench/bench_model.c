#include "bench_model.h"

#include <stdio.h>
#include <stdlib.h>

#include "st_writer.h"

/* splitmix64: weights and inputs need only be reproducible, not good. */
static unsigned long long rng_state = 0x5eedbe7cULL;
static float rng_float(void) { /* uniform in [-1, 1) */
    unsigned long long z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (float)((double)(z >> 40) / (double)(1ULL << 23) - 1.0);
}

float *bench_random_floats(size_t count, float scale) {
    float *p = malloc((count ? count : 1) * sizeof *p);
    if (!p) {
        fprintf(stderr, "benchmark: out of memory (%zu floats)\n", count);
        exit(2);
    }
    for (size_t i = 0; i < count; i++)
        p[i] = scale * rng_float();
    return p;
}

int bench_write_model(const char *program, int channels, int kernel, int levels, const char *path) {
    const size_t c = (size_t)channels, kk = (size_t)kernel * (size_t)kernel;
    st_writer *w = st_writer_new();
    float *base = bench_random_floats(c * kk, 0.2f);
    float *bias = bench_random_floats(c, 0.5f);
    float *scale = bench_random_floats(c, 1.0f);
    float *wave = bench_random_floats(4 * c * kk, 0.2f);
    float *wave_scale = bench_random_floats(4 * c, 0.1f);
    int rc =
        !w ||
        st_writer_add_layer(w, channels, kernel, levels, base, bias, scale, wave, wave_scale) ||
        st_writer_save(w, path);
    if (rc)
        fprintf(stderr, "%s: writing %s: %s\n", program, path, st_writer_error(w));
    st_writer_free(w);
    free(base);
    free(bias);
    free(scale);
    free(wave);
    free(wave_scale);
    return rc ? -1 : 0;
}
