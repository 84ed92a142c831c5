#include "model/param_names.h"

#include <string.h>

#include "model/model.h"

/* The reference module's state_dict names, then those of the public "fast" variants. */
static const struct {
    const char *name;
    wtconv_param_kind kind;
} plain_names[] = {
    {"base_conv.weight", PARAM_BASE_WEIGHT}, {"base_weight", PARAM_BASE_WEIGHT},
    {"base_conv.bias", PARAM_BASE_BIAS},     {"base_bias", PARAM_BASE_BIAS},
    {"base_scale.weight", PARAM_BASE_SCALE}, {"base_scale", PARAM_BASE_SCALE},
    {"wt_filter", PARAM_WT_FILTER},          {"iwt_filter", PARAM_IWT_FILTER},
    {"stride_filter", PARAM_STRIDE_FILTER},
};

/* Per-level names: prefix, level index, suffix. */
static const struct {
    const char *prefix;
    const char *suffix;
    wtconv_param_kind kind;
} level_names[] = {
    {"wavelet_convs.", ".weight", PARAM_WAVELET_WEIGHT}, {"wt_weights.", "", PARAM_WAVELET_WEIGHT},
    {"wavelet_scale.", ".weight", PARAM_WAVELET_SCALE},  {"wt_scales.", "", PARAM_WAVELET_SCALE},
    {"wavelet_scales.", "", PARAM_WAVELET_SCALE},
};

const char *const wtconv_anchor_keys[] = {"base_conv.weight", "base_weight"};
const size_t wtconv_anchor_key_count = sizeof wtconv_anchor_keys / sizeof wtconv_anchor_keys[0];

wtconv_param_kind wtconv_classify_param(const char *key, int *level) {
    for (size_t i = 0; i < sizeof plain_names / sizeof plain_names[0]; i++)
        if (!strcmp(key, plain_names[i].name))
            return plain_names[i].kind;
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        size_t prefix_len = strlen(level_names[i].prefix);
        const char *p = key + prefix_len;
        long index = 0;
        int digits = 0, too_deep = 0;
        if (strncmp(key, level_names[i].prefix, prefix_len) != 0)
            continue;
        /* A canonical decimal index, as PyTorch writes it: no sign, no leading zeros. */
        while (*p >= '0' && *p <= '9') {
            if (digits == 1 && index == 0)
                break;
            if (index >= WTCONV_MAX_LEVELS)
                too_deep = 1;
            else
                index = index * 10 + (*p - '0');
            digits++;
            p++;
        }
        if (digits == 0 || strcmp(p, level_names[i].suffix) != 0)
            continue;
        if (too_deep || index >= WTCONV_MAX_LEVELS)
            return PARAM_LEVEL_TOO_DEEP;
        *level = (int)index;
        return level_names[i].kind;
    }
    return PARAM_UNKNOWN;
}

const char *wtconv_param_description(wtconv_param_kind kind) {
    switch (kind) {
    case PARAM_BASE_WEIGHT:
        return "base kernel";
    case PARAM_BASE_BIAS:
        return "base bias";
    case PARAM_BASE_SCALE:
        return "base scale";
    case PARAM_WAVELET_WEIGHT:
        return "wavelet kernel";
    case PARAM_WAVELET_SCALE:
        return "wavelet scale";
    case PARAM_WT_FILTER:
        return "wavelet analysis filter";
    case PARAM_IWT_FILTER:
        return "wavelet synthesis filter";
    case PARAM_STRIDE_FILTER:
        return "stride filter";
    default:
        return "unknown parameter";
    }
}
