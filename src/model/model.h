/* Internal: one WTConv2d layer's weights, loaded and validated from a model file. */
#ifndef WTCONV_MODEL_MODEL_H
#define WTCONV_MODEL_MODEL_H

#include "wtconv/wtconv.h"

/* Also included by the Apple layer (Objective-C++) and the Metal emulator (C++). */
#ifdef __cplusplus
extern "C" {
#endif

/* Deeper cascades only repeat 1x1 levels; the bound keeps per-level tables fixed-size. */
#define WTCONV_MAX_LEVELS 32
/* Far above any published WTConv kernel; keeps k*k and padding arithmetic small. */
#define WTCONV_MAX_KERNEL 255

typedef struct wtconv_model {
    int channels; /* C */
    int kernel;   /* k */
    int levels;   /* L */
    int has_bias;
    int stride;                               /* the layer's stride from the file's metadata
                                                 ("<prefix>stride", or "stride"); 0 if none */
    float *base_weight;                       /* C*k*k   [C,1,k,k] */
    float *base_bias;                         /* C, all zero without a bias */
    float *base_scale;                        /* C       [1,C,1,1] */
    float *wavelet_weight[WTCONV_MAX_LEVELS]; /* 4C*k*k  [4C,1,k,k]; channel 4c+s = subband s */
    float *wavelet_scale[WTCONV_MAX_LEVELS];  /* 4C      [1,4C,1,1] */
    float *storage;                           /* the one allocation behind every array */
    char *prefix; /* the layer's key prefix ("" for none), as found in the file */
} wtconv_model;

/* Loads the layer under key prefix `layer` (NULL: the file's only layer) from a safetensors
 * file. Messages name the file and the offending tensor. `stride_option` is the caller's
 * stride option: non-zero means the file's stride is not used, so a file-wide "stride" that
 * cannot be attributed to the layer is no error (see layer_stride in model.c). */
wtconv_status wtconv_model_load(const char *path, const char *layer, int stride_option,
                                wtconv_model *model);
void wtconv_model_free(wtconv_model *model);

#ifdef __cplusplus
}
#endif

#endif
