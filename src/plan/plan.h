/* Internal: the shapes of one run, worked out once at create time with checked arithmetic. */
#ifndef WTCONV_PLAN_PLAN_H
#define WTCONV_PLAN_PLAN_H

#include <stddef.h>

#include "model/model.h"
#include "wtconv/wtconv.h"

/* Also included by the Apple layer (Objective-C++) and the Metal emulator (C++). */
#ifdef __cplusplus
extern "C" {
#endif

/* The largest height or width: far beyond any image, and small enough that index arithmetic
 * with a kernel's padding on either side stays within int. */
#define WTCONV_MAX_SIDE (1 << 30)

typedef struct wtconv_level_plan {
    int height, width;           /* this level's input (h_i, w_i) */
    int half_height, half_width; /* its coefficients: ceil(h_i/2) x ceil(w_i/2) */
    size_t half_plane;           /* half_height * half_width */
} wtconv_level_plan;

typedef struct wtconv_plan {
    int batch, channels, height, width;
    int kernel, levels, stride;
    int out_height, out_width; /* ceil(H/stride), ceil(W/stride) */
    size_t plane;              /* H*W */
    size_t out_plane;          /* out_height*out_width */
    size_t input_elements;     /* N*C*H*W */
    size_t output_elements;    /* N*C*out_height*out_width */
    wtconv_level_plan level[WTCONV_MAX_LEVELS];
} wtconv_plan;

/* Fills the plan for `model` on N x C x H x W inputs with the given stride (>= 1). Fails with
 * WTCONV_ERR_SHAPE_MISMATCH when C differs from the model's or a size overflows. */
wtconv_status wtconv_plan_make(const wtconv_model *model, int batch, int channels, int height,
                               int width, int stride, wtconv_plan *plan);

#ifdef __cplusplus
}
#endif

#endif
