/* Internal: checking a request's sizes, loading a safetensors layer and planning the request,
 * shared by wtconv_create and wtconv_write_coreml. */
#ifndef WTCONV_API_LOAD_H
#define WTCONV_API_LOAD_H

#include "model/model.h"
#include "plan/plan.h"
#include "wtconv/wtconv.h"

/* WTCONV_ERR_INVALID_ARGUMENT naming the first of C, H, W that is below 1. */
wtconv_status wtconv_check_sizes(int channels, int height, int width);

/* Loads the layer options->layer of `path` and plans N (options->batch) x C x H x W with the
 * stride in effect: options->stride, else the layer's, else 1. `options` are already read and
 * validated. On failure nothing is left to free. */
wtconv_status wtconv_load_layer(const char *path, const wtconv_options *options, int channels,
                                int height, int width, wtconv_model *model, wtconv_plan *plan);

#endif
