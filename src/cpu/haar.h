/* Internal: the one-level Haar transform of one channel plane on the CPU. */
#ifndef WTCONV_CPU_HAAR_H
#define WTCONV_CPU_HAAR_H

/* Forward: `in` (h x w), zero-padded at the bottom/right to even size, into four subband
 * planes of ceil(h/2) x ceil(w/2) stored one after another (LL, then H, W and diagonal
 * differences, as in the reference's channel order 4c+s). */
void wtconv_cpu_haar_forward_plane(const float *in, int h, int w, float *out);

/* Inverse: four subband planes of hh x wh into `out`, cropped to h x w (h <= 2hh, w <= 2wh). */
void wtconv_cpu_haar_inverse_plane(const float *in, int hh, int wh, float *out, int h, int w);

#endif
