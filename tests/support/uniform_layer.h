/*
 * uniform_layer - a layer whose every tensor holds the first values of one float array v
 * (4*C*k*k of them: the base weight, bias and scale, and each level's weight and scale, as
 * st_writer_add_layer is given v for each), and its float64 reference output
 * (tests/support/ref_wtconv.c) at stride 1, as floats. For tests that draw random weights.
 */
#ifndef WTCONV_TEST_UNIFORM_LAYER_H
#define WTCONV_TEST_UNIFORM_LAYER_H

#include <stddef.h>

/* Writes the layer (C, k, L, with a bias) to `path`. Returns 0, or nonzero (reported). */
int uniform_layer_write(const char *path, int c, int k, int levels, const float *v);

/* The reference's output for n x c x h x w input x; NULL on failure (reported). The caller
 * frees it. */
float *uniform_layer_reference(int n, int c, int h, int w, int k, int levels, const float *v,
                               const float *x);

#endif
