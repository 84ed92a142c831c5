#include "apple/coreml_meta.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "plan/plan.h"

enum {
    KEY_FORMAT,
    KEY_BATCH,
    KEY_CHANNELS,
    KEY_HEIGHT,
    KEY_WIDTH,
    KEY_KERNEL,
    KEY_LEVELS,
    KEY_STRIDE,
    KEY_BIAS,
    KEY_PRECISION,
    KEY_LAYER,
    KEY_COUNT
};

static const char *const key_names[KEY_COUNT] = {
    "wtconv.format", "wtconv.batch",     "wtconv.channels", "wtconv.height",
    "wtconv.width",  "wtconv.kernel",    "wtconv.levels",   "wtconv.stride",
    "wtconv.bias",   "wtconv.precision", "wtconv.layer"};

/* A plain decimal in [lo, hi]: digits only, no sign, space or leading zero. */
static int parse_int(const char *s, int lo, int hi, int *out) {
    long long v = 0;
    if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (v > hi)
            return -1;
    }
    if (v < lo)
        return -1;
    *out = (int)v;
    return 0;
}

wtconv_status wtconv_coreml_read_metadata(const char *const *keys, const char *const *values,
                                          size_t count, const char *path,
                                          wtconv_coreml_layer *layer) {
    const char *found[KEY_COUNT] = {0};
    static const struct {
        int key, lo, hi;
        size_t field;
    } ints[] = {
        {KEY_BATCH, 1, INT_MAX, offsetof(wtconv_coreml_layer, batch)},
        {KEY_CHANNELS, 1, INT_MAX, offsetof(wtconv_coreml_layer, channels)},
        {KEY_HEIGHT, 1, WTCONV_MAX_SIDE, offsetof(wtconv_coreml_layer, height)},
        {KEY_WIDTH, 1, WTCONV_MAX_SIDE, offsetof(wtconv_coreml_layer, width)},
        {KEY_KERNEL, 1, WTCONV_MAX_KERNEL, offsetof(wtconv_coreml_layer, kernel)},
        {KEY_LEVELS, 1, WTCONV_MAX_LEVELS, offsetof(wtconv_coreml_layer, levels)},
        {KEY_STRIDE, 1, INT_MAX, offsetof(wtconv_coreml_layer, stride)},
        {KEY_BIAS, 0, 1, offsetof(wtconv_coreml_layer, has_bias)},
    };

    memset(layer, 0, sizeof *layer);
    if (count > 0 && (!keys || !values))
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT, "Core ML metadata: no keys or values");
    for (size_t i = 0; i < count; i++) {
        if (!keys[i] || !values[i])
            return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                               "Core ML model '%s': metadata entry %zu is not a string", path, i);
        for (int k = 0; k < KEY_COUNT; k++) {
            if (strcmp(keys[i], key_names[k]) != 0)
                continue;
            if (found[k])
                return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                                   "Core ML model '%s': metadata '%s' appears twice", path,
                                   key_names[k]);
            if (strlen(values[i]) > WTCONV_COREML_MAX_VALUE)
                return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                                   "Core ML model '%s': metadata '%s' is longer than %d bytes",
                                   path, key_names[k], WTCONV_COREML_MAX_VALUE);
            found[k] = values[i];
        }
    }
    if (!found[KEY_FORMAT])
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "Core ML model '%s' has no 'wtconv.format' metadata: it was written "
                           "neither by libwtconv nor by tools/export_wtconv_coreml.py",
                           path);
    if (strcmp(found[KEY_FORMAT], WTCONV_COREML_FORMAT) != 0)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "Core ML model '%s' has wtconv.format '%s'; this libwtconv reads "
                           "format %s",
                           path, found[KEY_FORMAT], WTCONV_COREML_FORMAT);
    for (int k = 0; k < KEY_COUNT; k++)
        if (!found[k])
            return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                               "Core ML model '%s' lacks the '%s' metadata", path, key_names[k]);
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        int *field = (int *)(void *)((char *)layer + ints[i].field);
        if (parse_int(found[ints[i].key], ints[i].lo, ints[i].hi, field) != 0)
            return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                               "Core ML model '%s': metadata '%s' is '%s'; expected an integer "
                               "from %d to %d",
                               path, key_names[ints[i].key], found[ints[i].key], ints[i].lo,
                               ints[i].hi);
    }
    if (strcmp(found[KEY_PRECISION], "fp32") == 0)
        layer->fp16 = 0;
    else if (strcmp(found[KEY_PRECISION], "fp16") == 0)
        layer->fp16 = 1;
    else
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "Core ML model '%s': metadata 'wtconv.precision' is '%s'; expected "
                           "'fp32' or 'fp16'",
                           path, found[KEY_PRECISION]);
    strcpy(layer->layer, found[KEY_LAYER]); /* length checked above */
    return WTCONV_OK;
}

wtconv_status wtconv_coreml_check_request(const wtconv_coreml_layer *layer, const char *path,
                                          const char *layer_option, int batch, int channels,
                                          int height, int width, int stride_option,
                                          wtconv_model *model, int *stride) {
    if (layer_option && strcmp(layer_option, layer->layer) != 0)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "Core ML model '%s' holds layer '%s' only; the layer option asks for "
                           "'%s'",
                           path, layer->layer, layer_option);
    if (batch != layer->batch || channels != layer->channels || height != layer->height ||
        width != layer->width)
        return wtconv_fail(WTCONV_ERR_SHAPE_MISMATCH,
                           "Core ML model '%s' was exported for N=%d C=%d H=%d W=%d, not N=%d "
                           "C=%d H=%d W=%d; Core ML models have a fixed shape: give the "
                           "safetensors file instead (the library writes the model for each "
                           "shape), or export it again with --batch %d --channels %d --height %d "
                           "--width %d",
                           path, layer->batch, layer->channels, layer->height, layer->width, batch,
                           channels, height, width, batch, channels, height, width);
    memset(model, 0, sizeof *model);
    model->channels = layer->channels;
    model->kernel = layer->kernel;
    model->levels = layer->levels;
    model->has_bias = layer->has_bias;
    model->stride = layer->stride;
    *stride = stride_option ? stride_option : layer->stride;
    return WTCONV_OK;
}

wtconv_status wtconv_coreml_check_precision(const wtconv_coreml_layer *layer, const char *path,
                                            wtconv_precision option) {
    const int want_fp16 = option == WTCONV_PRECISION_FP16;
    if (option == WTCONV_PRECISION_DEFAULT || want_fp16 == layer->fp16)
        return WTCONV_OK;
    return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                       "Core ML model '%s' computes in %s; options.precision asks for %s (a "
                       "model's precision is fixed: leave the option at its default, or give "
                       "the safetensors file, for which the library writes the program itself)",
                       path, layer->fp16 ? "fp16" : "fp32", want_fp16 ? "fp16" : "fp32");
}

static const wtconv_coreml_feature *find(const wtconv_coreml_feature *list, size_t n,
                                         const char *name) {
    for (size_t i = 0; i < n; i++)
        if (list[i].name && strcmp(list[i].name, name) == 0)
            return &list[i];
    return NULL;
}

static void format_shape(const int64_t *shape, int rank, char *out, size_t cap) {
    size_t used = 0;
    out[0] = '\0';
    for (int d = 0; d < rank && used < cap; d++) {
        int n = snprintf(out + used, cap - used, d ? ",%lld" : "%lld", (long long)shape[d]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static wtconv_status check_one(const wtconv_mtl_buffer *b, const wtconv_coreml_feature *f,
                               const char *kind, const char *path) {
    char want[96], have[96];
    int same = f && f->rank == 4;
    int64_t expected[4];
    for (int d = 0; d < 4; d++)
        expected[d] = b->shape[d];
    if (!f)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "Core ML model '%s' has no %s '%s'; it does not match this "
                           "libwtconv's export contract",
                           path, kind, b->name);
    if (!f->is_multiarray || !f->is_float32)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "Core ML model '%s': %s '%s' is not a float32 multi-array", path, kind,
                           b->name);
    for (int d = 0; same && d < 4; d++)
        same = f->shape[d] == expected[d];
    if (!same) {
        format_shape(expected, 4, want, sizeof want);
        format_shape(f->shape,
                     f->rank < 0                        ? 0
                     : f->rank > WTCONV_COREML_MAX_RANK ? WTCONV_COREML_MAX_RANK
                                                        : f->rank,
                     have, sizeof have);
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "Core ML model '%s': %s '%s' has shape [%s]; expected [%s]", path, kind,
                           b->name, have, want);
    }
    return WTCONV_OK;
}

wtconv_status wtconv_coreml_check_features(const wtconv_mtl_plan *plan,
                                           const wtconv_coreml_feature *inputs, size_t n_inputs,
                                           const wtconv_coreml_feature *outputs, size_t n_outputs,
                                           const char *path) {
    wtconv_status status;
    for (int i = 0; i < plan->buffer_count; i++) {
        const wtconv_mtl_buffer *b = &plan->buffers[i];
        if (b->is_coreml_input &&
            (status = check_one(b, find(inputs, n_inputs, b->name), "input", path)) != WTCONV_OK)
            return status;
        if (b->is_coreml_output &&
            (status = check_one(b, find(outputs, n_outputs, b->name), "output", path)) != WTCONV_OK)
            return status;
    }
    for (size_t i = 0; i < n_inputs; i++) {
        int known = 0;
        for (int b = 0; b < plan->buffer_count && !known; b++)
            known = plan->buffers[b].is_coreml_input && inputs[i].name &&
                    strcmp(plan->buffers[b].name, inputs[i].name) == 0;
        if (!known)
            return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                               "Core ML model '%s' has an input '%s' that libwtconv does not "
                               "feed",
                               path, inputs[i].name ? inputs[i].name : "(unnamed)");
    }
    return WTCONV_OK;
}
