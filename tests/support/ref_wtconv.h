/*
 * ref_wtconv - a deliberately plain float64 reference of the WTConv2d forward pass (Haar, 'same'
 * depthwise convolutions), written straight from the semantics document and independent of the
 * library under test. Clarity over speed: every step works on one (n, c) plane with explicit
 * zero-padded copies.
 */
#ifndef WTCONV_TEST_REF_WTCONV_H
#define WTCONV_TEST_REF_WTCONV_H

#define REF_MAX_LEVELS 32 /* the library's WTCONV_MAX_LEVELS */

typedef struct ref_layer {
    int channels;                                 /* C */
    int kernel;                                   /* k (>= 1; odd or even) */
    int levels;                                   /* L (0..REF_MAX_LEVELS; 0 = base branch only) */
    int has_bias;                                 /* 1 if base_bias is used */
    const double *base_weight;                    /* C*k*k      ([C,1,k,k]) */
    const double *base_bias;                      /* C, or NULL when !has_bias */
    const double *base_scale;                     /* C          ([1,C,1,1]) */
    const double *wavelet_weight[REF_MAX_LEVELS]; /* 4C*k*k each ([4C,1,k,k]); channel 4c+s is
                                                     subband s (0 LL, 1 H-diff, 2 W-diff, 3 diag)
                                                     of channel c */
    const double *wavelet_scale[REF_MAX_LEVELS];  /* 4C each    ([1,4C,1,1]) */
} ref_layer;

/* Output size of one spatial dimension for `size` and `stride`: ceil(size/stride). */
int ref_out_dim(int size, int stride);

/*
 * x: batch*C*height*width doubles (NCHW); y: batch*C*ceil(height/stride)*ceil(width/stride).
 * Returns 0 on success, -1 on allocation failure, -2 on an invalid argument (NULL pointer,
 * non-positive size, levels out of range). y is not touched on failure.
 */
int ref_wtconv_forward(const ref_layer *layer, int batch, int height, int width, int stride,
                       const double *x, double *y);

/* Building blocks, exposed for tests. All return 0, -1 on allocation failure. */

/* out (h x w) = depthwise 'same' cross-correlation of in (h x w) with ker (k x k): zero padding of
 * (k-1)/2 before and k/2 after in each dimension (PyTorch padding='same'). */
int ref_conv_same(const double *in, int h, int w, const double *ker, int k, double *out);

/* bands[s] ((h+1)/2 x (w+1)/2 each) = Haar subband s of in (h x w), zero-padded to even size. */
int ref_haar_forward(const double *in, int h, int w, double *const bands[4]);

/* out (h x w) = inverse Haar of bands (each (h+1)/2 x (w+1)/2), cropped to h x w. */
int ref_haar_inverse(const double *const bands[4], int h, int w, double *out);

#endif /* WTCONV_TEST_REF_WTCONV_H */
