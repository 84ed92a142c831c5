/* Internal: the depthwise convolution of one channel plane on the CPU. */
#ifndef WTCONV_CPU_DWCONV_H
#define WTCONV_CPU_DWCONV_H

/* out (out_h x out_w) = bias + the cross-correlation of `in` (h x w) with the k x k `kernel`,
 * with PyTorch's zero 'same' padding ((k-1)/2 before, k/2 after), evaluated at every
 * `stride`-th row and column: out[oy][ox] is the 'same' result at (oy*stride, ox*stride).
 * Borders are handled by clipping each tap's range of outputs, not by padded copies. */
void wtconv_cpu_dwconv_plane(const float *in, int h, int w, const float *kernel, int k, float bias,
                             int stride, float *out, int out_h, int out_w);

#endif
