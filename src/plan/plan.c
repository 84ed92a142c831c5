#include "plan/plan.h"

#include <stdint.h>
#include <string.h>

#include "base/checked_size.h"
#include "base/error.h"

wtconv_status wtconv_plan_make(const wtconv_model *model, int batch, int channels, int height,
                               int width, int stride, wtconv_plan *plan) {
    int overflow = 0;
    size_t planes;
    memset(plan, 0, sizeof *plan);
    if (channels != model->channels)
        return wtconv_fail(WTCONV_ERR_SHAPE_MISMATCH,
                           "channels is %d but the model's layer has C=%d (from its base kernel "
                           "[C,1,k,k])",
                           channels, model->channels);
    /* Kernels index rows and columns with int, padded by up to a kernel on each side. */
    if (height > WTCONV_MAX_SIDE || width > WTCONV_MAX_SIDE)
        return wtconv_fail(WTCONV_ERR_SHAPE_MISMATCH, "%s is %d: too large (at most %d)",
                           height > WTCONV_MAX_SIDE ? "height" : "width",
                           height > WTCONV_MAX_SIDE ? height : width, WTCONV_MAX_SIDE);
    plan->batch = batch;
    plan->channels = channels;
    plan->height = height;
    plan->width = width;
    plan->kernel = model->kernel;
    plan->levels = model->levels;
    plan->stride = stride;
    plan->out_height = (int)(((long long)height + stride - 1) / stride);
    plan->out_width = (int)(((long long)width + stride - 1) / stride);

    planes = wtconv_mul_size((size_t)batch, (size_t)channels, &overflow);
    plan->plane = wtconv_mul_size((size_t)height, (size_t)width, &overflow);
    plan->out_plane = wtconv_mul_size((size_t)plan->out_height, (size_t)plan->out_width, &overflow);
    plan->input_elements = wtconv_mul_size(planes, plan->plane, &overflow);
    plan->output_elements = wtconv_mul_size(planes, plan->out_plane, &overflow);
    /* Buffers are indexed with ptrdiff_t and sized in bytes: both must fit. */
    if (overflow || plan->input_elements > (size_t)PTRDIFF_MAX / sizeof(float))
        return wtconv_fail(WTCONV_ERR_SHAPE_MISMATCH,
                           "shape N=%d C=%d H=%d W=%d is too large: N*C*H*W floats overflow "
                           "this platform's address range",
                           batch, channels, height, width);

    for (int i = 0, h = height, w = width; i < plan->levels; i++) {
        wtconv_level_plan *lv = &plan->level[i];
        lv->height = h;
        lv->width = w;
        lv->half_height = h / 2 + h % 2; /* odd sizes are zero-padded by one */
        lv->half_width = w / 2 + w % 2;
        lv->half_plane = (size_t)lv->half_height * (size_t)lv->half_width;
        h = lv->half_height;
        w = lv->half_width;
    }
    return WTCONV_OK;
}
