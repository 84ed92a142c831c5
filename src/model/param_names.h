/* Internal: which WTConv2d parameter a state_dict key names, in either naming scheme. */
#ifndef WTCONV_MODEL_PARAM_NAMES_H
#define WTCONV_MODEL_PARAM_NAMES_H

#include <stddef.h>

typedef enum wtconv_param_kind {
    PARAM_UNKNOWN,
    PARAM_BASE_WEIGHT,
    PARAM_BASE_BIAS,
    PARAM_BASE_SCALE,
    PARAM_WAVELET_WEIGHT, /* per level */
    PARAM_WAVELET_SCALE,  /* per level */
    PARAM_WT_FILTER,
    PARAM_IWT_FILTER,
    PARAM_STRIDE_FILTER,
    PARAM_LEVEL_TOO_DEEP /* a per-level name whose index is past WTCONV_MAX_LEVELS */
} wtconv_param_kind;

/* Classifies the key that follows the layer prefix. For per-level kinds, *level is set. */
wtconv_param_kind wtconv_classify_param(const char *key, int *level);

/* Keys that mark where a layer is: a layer's prefix is what precedes one of these. */
extern const char *const wtconv_anchor_keys[];
extern const size_t wtconv_anchor_key_count;

/* A short human description of a parameter kind ("base kernel"). */
const char *wtconv_param_description(wtconv_param_kind kind);

#endif
