#include "model/model.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/checked_size.h"
#include "base/error.h"
#include "model/param_names.h"
#include "model/safetensors.h"

/* The tensors of one layer, found by name. */
typedef struct layer_tensors {
    const st_tensor *base_weight, *base_bias, *base_scale, *wt_filter, *iwt_filter;
    const st_tensor *wavelet_weight[WTCONV_MAX_LEVELS];
    const st_tensor *wavelet_scale[WTCONV_MAX_LEVELS];
} layer_tensors;

/* ---- Finding the layer -------------------------------------------------------------------- */

/* If `name` is <prefix><anchor key>, returns the prefix length, else -1. */
static long anchor_prefix_length(const char *name) {
    size_t len = strlen(name);
    for (size_t i = 0; i < wtconv_anchor_key_count; i++) {
        size_t key_len = strlen(wtconv_anchor_keys[i]);
        if (len >= key_len && !strcmp(name + len - key_len, wtconv_anchor_keys[i]) &&
            (len == key_len || name[len - key_len - 1] == '.'))
            return (long)(len - key_len);
    }
    return -1;
}

/* Writes "'a.', 'b.', ..." for the distinct layer prefixes in the file (at most 8, then the
 * count) into out (unless NULL); returns how many there are. */
static size_t list_prefixes(const st_file *st, char *out, size_t cap) {
    size_t used = 0, shown = 0, total = 0;
    const char *last = NULL;
    long last_len = -1;
    if (out)
        out[0] = '\0';
    /* Tensors are sorted by name, so equal prefixes of the same anchor are adjacent; a prefix
     * that has both anchors is listed twice, which the duplicate check reports anyway. */
    for (size_t i = 0; i < st->tensor_count; i++) {
        const char *name = st->tensors[i].name;
        long plen = anchor_prefix_length(name);
        int n;
        if (plen < 0 || (last && plen == last_len && !strncmp(last, name, (size_t)plen)))
            continue;
        last = name;
        last_len = plen;
        total++;
        if (!out || shown == 8 || used >= cap)
            continue;
        n = snprintf(out + used, cap - used, "%s'%.*s'%s", shown ? ", " : "", (int)plen, name,
                     plen == 0 ? " (no prefix)" : "");
        if (n < 0 || (size_t)n >= cap - used) {
            used = cap;
            continue;
        }
        used += (size_t)n;
        shown++;
    }
    if (out && total > shown && used < cap)
        snprintf(out + used, cap - used, ", ... (%zu in all)", total);
    return total;
}

static int has_layer(const st_file *st, const char *prefix) {
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < st->tensor_count; i++) {
        const char *name = st->tensors[i].name;
        if (anchor_prefix_length(name) == (long)plen && !strncmp(name, prefix, plen))
            return 1;
    }
    return 0;
}

static wtconv_status no_layer_found(void) {
    return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                       "no WTConv2d layer found: no tensor is named 'base_conv.weight' or "
                       "'base_weight' (under any prefix)");
}

/* Picks the prefix of the file's only layer. Returns a pointer into a tensor name and its
 * length through *len. Several layers make the request ambiguous, not the file bad: that is
 * an invalid argument (no 'layer' option where one is needed). */
static wtconv_status find_only_layer(const st_file *st, const char **prefix, size_t *len) {
    char listing[600];
    *prefix = NULL;
    for (size_t i = 0; i < st->tensor_count; i++) {
        const char *name = st->tensors[i].name;
        long plen = anchor_prefix_length(name);
        if (plen < 0)
            continue;
        if (*prefix && ((size_t)plen != *len || strncmp(*prefix, name, (size_t)plen) != 0)) {
            size_t total = list_prefixes(st, listing, sizeof listing);
            return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                               "the file holds %zu WTConv2d layers (a whole network?) and no "
                               "'layer' option says which one to run: set it to the layer's key "
                               "prefix. Layer prefixes found: %s",
                               total, listing);
        }
        *prefix = name;
        *len = (size_t)plen;
    }
    if (!*prefix)
        return no_layer_found();
    return WTCONV_OK;
}

/* The 'layer' option names no layer of the file: say what the file does hold. */
static wtconv_status layer_not_found(const st_file *st, const char *layer) {
    char listing[600], with_dot[300];
    size_t total = list_prefixes(st, listing, sizeof listing);
    int missing_dot = snprintf(with_dot, sizeof with_dot, "%s.", layer) < (int)sizeof with_dot &&
                      has_layer(st, with_dot);
    if (total == 0)
        return no_layer_found();
    if (total == 1 && has_layer(st, ""))
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "no WTConv2d layer with prefix '%s': the file holds a single layer, "
                           "with no prefix (its tensors are named 'base_conv.weight', ... or "
                           "'base_weight', ...), so pass no 'layer' option (NULL) to run it",
                           layer);
    if (missing_dot)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "no WTConv2d layer with prefix '%s' (no tensor '%sbase_conv.weight' or "
                           "'%sbase_weight'); did you mean '%s'? Layer prefixes end with '.'. "
                           "Layer prefixes found: %s",
                           layer, layer, layer, with_dot, listing);
    return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                       "no WTConv2d layer with prefix '%s' (no tensor '%sbase_conv.weight' or "
                       "'%sbase_weight'). Layer prefixes found: %s",
                       layer, layer, layer, listing);
}

static wtconv_status collect_tensors(const st_file *st, const char *prefix, size_t plen,
                                     layer_tensors *lt) {
    memset(lt, 0, sizeof *lt);
    for (size_t i = 0; i < st->tensor_count; i++) {
        const st_tensor *t = &st->tensors[i];
        const st_tensor **slot = NULL;
        int level = 0;
        wtconv_param_kind kind;
        if (strncmp(t->name, prefix, plen) != 0)
            continue;
        kind = wtconv_classify_param(t->name + plen, &level);
        switch (kind) {
        case PARAM_BASE_WEIGHT:
            slot = &lt->base_weight;
            break;
        case PARAM_BASE_BIAS:
            slot = &lt->base_bias;
            break;
        case PARAM_BASE_SCALE:
            slot = &lt->base_scale;
            break;
        case PARAM_WT_FILTER:
            slot = &lt->wt_filter;
            break;
        case PARAM_IWT_FILTER:
            slot = &lt->iwt_filter;
            break;
        case PARAM_WAVELET_WEIGHT:
            slot = &lt->wavelet_weight[level];
            break;
        case PARAM_WAVELET_SCALE:
            slot = &lt->wavelet_scale[level];
            break;
        case PARAM_LEVEL_TOO_DEEP:
            return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                               "tensor '%s': level index too large (at most %d levels supported)",
                               t->name, WTCONV_MAX_LEVELS);
        case PARAM_STRIDE_FILTER: /* all ones in old checkpoints; the stride is an option */
        case PARAM_UNKNOWN:       /* other modules of a whole network's state_dict */
            continue;
        }
        if (*slot)
            return wtconv_fail(
                WTCONV_ERR_MODEL_FORMAT, "tensors '%s' and '%s' both give the %s%s", (*slot)->name,
                t->name, wtconv_param_description(kind),
                kind == PARAM_WAVELET_WEIGHT || kind == PARAM_WAVELET_SCALE ? " of one level" : "");
        *slot = t;
    }
    return WTCONV_OK;
}

/* ---- Validating shapes -------------------------------------------------------------------- */

static void format_shape(const st_tensor *t, char *out, size_t cap) {
    size_t used = 0;
    out[0] = '\0';
    for (int d = 0; d < t->ndim && used < cap; d++) {
        int n = snprintf(out + used, cap - used, "%s%llu", d ? "," : "",
                         (unsigned long long)t->shape[d]);
        if (n < 0)
            return;
        used += (size_t)n;
    }
}

/* Checks that `t` has exactly the shape `expected[0..ndim)`. */
static wtconv_status expect_shape(const st_tensor *t, const uint64_t *expected, int ndim,
                                  const char *layout) {
    int ok = t->ndim == ndim;
    for (int d = 0; ok && d < ndim; d++)
        ok = t->shape[d] == expected[d];
    if (!ok) {
        char got[160];
        format_shape(t, got, sizeof got);
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT, "tensor '%s' has shape [%s]; expected %s",
                           t->name, got, layout);
    }
    return WTCONV_OK;
}

static wtconv_status check_layer_shapes(const layer_tensors *lt, const char *prefix, size_t plen,
                                        wtconv_model *m) {
    const st_tensor *bw = lt->base_weight;
    char expected[160];
    uint64_t c4, k;
    wtconv_status status;

    if (bw->ndim != 4 || bw->shape[1] != 1 || bw->shape[2] != bw->shape[3] || bw->shape[0] == 0 ||
        bw->shape[2] == 0) {
        char got[160];
        format_shape(bw, got, sizeof got);
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "tensor '%s' has shape [%s]; a depthwise kernel must be [C,1,k,k] "
                           "with C, k >= 1",
                           bw->name, got);
    }
    if (bw->shape[0] > (uint64_t)(INT_MAX / 4))
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT, "tensor '%s': %llu channels is too many",
                           bw->name, (unsigned long long)bw->shape[0]);
    if (bw->shape[2] > WTCONV_MAX_KERNEL)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "tensor '%s': kernel size %llu exceeds the supported maximum %d",
                           bw->name, (unsigned long long)bw->shape[2], WTCONV_MAX_KERNEL);
    m->channels = (int)bw->shape[0];
    m->kernel = (int)bw->shape[2];
    c4 = 4 * (uint64_t)m->channels;
    k = (uint64_t)m->kernel;

    if (!lt->base_scale)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "missing tensor '%.*sbase_scale.weight' (or '%.*sbase_scale')",
                           (int)plen, prefix, (int)plen, prefix);
    {
        const uint64_t shape[4] = {1, (uint64_t)m->channels, 1, 1};
        snprintf(expected, sizeof expected, "[1,%d,1,1] (C=%d from '%s')", m->channels, m->channels,
                 bw->name);
        if ((status = expect_shape(lt->base_scale, shape, 4, expected)) != WTCONV_OK)
            return status;
    }
    if (lt->base_bias) {
        const uint64_t shape[1] = {(uint64_t)m->channels};
        snprintf(expected, sizeof expected, "[%d] (C=%d from '%s')", m->channels, m->channels,
                 bw->name);
        if ((status = expect_shape(lt->base_bias, shape, 1, expected)) != WTCONV_OK)
            return status;
    }
    m->has_bias = lt->base_bias != NULL;

    m->levels = 0;
    for (int i = 0; i < WTCONV_MAX_LEVELS; i++)
        if (lt->wavelet_weight[i] || lt->wavelet_scale[i])
            m->levels = i + 1;
    if (m->levels == 0)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "missing tensor '%.*swavelet_convs.0.weight': the layer has no "
                           "wavelet levels",
                           (int)plen, prefix);
    for (int i = 0; i < m->levels; i++) {
        const uint64_t wshape[4] = {c4, 1, k, k};
        const uint64_t sshape[4] = {1, c4, 1, 1};
        if (!lt->wavelet_weight[i])
            return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                               "missing tensor '%.*swavelet_convs.%d.weight' (level %d of %d)",
                               (int)plen, prefix, i, i, m->levels);
        if (!lt->wavelet_scale[i])
            return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                               "missing tensor '%.*swavelet_scale.%d.weight' (level %d of %d)",
                               (int)plen, prefix, i, i, m->levels);
        snprintf(expected, sizeof expected, "[%llu,1,%d,%d] (4C, k from '%s')",
                 (unsigned long long)c4, m->kernel, m->kernel, bw->name);
        if ((status = expect_shape(lt->wavelet_weight[i], wshape, 4, expected)) != WTCONV_OK)
            return status;
        snprintf(expected, sizeof expected, "[1,%llu,1,1] (4C from '%s')", (unsigned long long)c4,
                 bw->name);
        if ((status = expect_shape(lt->wavelet_scale[i], sshape, 4, expected)) != WTCONV_OK)
            return status;
    }
    {
        const uint64_t fshape[4] = {c4, 1, 2, 2};
        snprintf(expected, sizeof expected, "[%llu,1,2,2] (4C from '%s')", (unsigned long long)c4,
                 bw->name);
        if (lt->wt_filter && (status = expect_shape(lt->wt_filter, fshape, 4, expected)))
            return status;
        if (lt->iwt_filter && (status = expect_shape(lt->iwt_filter, fshape, 4, expected)))
            return status;
    }
    return WTCONV_OK;
}

/* Weights must be floating point. Checked before anything is sized from the shapes: only for
 * these dtypes has the loader matched the shape against the bytes in the file, which is what
 * bounds every allocation below by the file's size. */
static wtconv_status check_dtypes(const layer_tensors *lt, int levels) {
    const st_tensor *used[4 + 2 * WTCONV_MAX_LEVELS + 1];
    size_t n = 0;
    used[n++] = lt->base_weight;
    used[n++] = lt->base_bias;
    used[n++] = lt->base_scale;
    used[n++] = lt->wt_filter;
    used[n++] = lt->iwt_filter;
    for (int i = 0; i < levels; i++) {
        used[n++] = lt->wavelet_weight[i];
        used[n++] = lt->wavelet_scale[i];
    }
    for (size_t i = 0; i < n; i++) {
        const st_tensor *t = used[i];
        if (t && t->dtype != ST_DTYPE_F32 && t->dtype != ST_DTYPE_F16 && t->dtype != ST_DTYPE_BF16)
            return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                               "tensor '%s' has dtype %s; weights must be F32, F16 or BF16",
                               t->name, t->dtype_name);
    }
    return WTCONV_OK;
}

/* ---- Reading values ------------------------------------------------------------------------ */

static wtconv_status read_finite(st_file *st, const st_tensor *t, float *dst) {
    wtconv_status status = wtconv_st_read_floats(st, t, dst);
    if (status != WTCONV_OK)
        return status;
    for (uint64_t i = 0; i < t->element_count; i++)
        if (!isfinite(dst[i]))
            return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                               "tensor '%s' holds a non-finite value (%s) at element %llu", t->name,
                               isnan(dst[i]) ? "NaN" : "Inf", (unsigned long long)i);
    return WTCONV_OK;
}

/* The only wavelet supported is Haar (db1): both filter banks are, per channel c and subband
 * s, the 2x2 taps below times 1/2 (stored as fp32(1/sqrt2)^2 by the reference). */
static wtconv_status check_haar(st_file *st, const st_tensor *t, int channels) {
    static const float sign[4][4] = {{1, 1, 1, 1}, {1, 1, -1, -1}, {1, -1, 1, -1}, {1, -1, -1, 1}};
    int overflow = t->element_count > SIZE_MAX; /* size_t may be 32-bit */
    const size_t bytes = wtconv_mul_size((size_t)t->element_count, sizeof(float), &overflow);
    float *taps = overflow ? NULL : malloc(bytes);
    wtconv_status status;
    if (!taps)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory reading '%s'", t->name);
    status = wtconv_st_read_floats(st, t, taps);
    for (int c = 0; status == WTCONV_OK && c < channels; c++) {
        for (int s = 0; s < 4 && status == WTCONV_OK; s++) {
            for (int tap = 0; tap < 4; tap++) {
                float value = taps[((size_t)c * 4 + (size_t)s) * 4 + (size_t)tap];
                /* 1e-3 admits the fp16/bf16 roundings of 0.5 and nothing else. */
                if (!(fabsf(value - 0.5f * sign[s][tap]) <= 1e-3f)) {
                    status = wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                                         "tensor '%s' is not the Haar filter bank (channel %d, "
                                         "tap (%d,%d) is %g): only the Haar/db1 wavelet is "
                                         "supported",
                                         t->name, c * 4 + s, tap / 2, tap % 2, (double)value);
                    break;
                }
            }
        }
    }
    free(taps);
    return status;
}

/* Parses the value of metadata key `key` (printed as <key_prefix><key>) as a stride. */
static wtconv_status parse_stride(const char *text, const char *key_prefix, size_t key_plen,
                                  int *stride) {
    int value = 0; /* the loop keeps it <= INT_MAX */
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                               "metadata \"%.*sstride\" is \"%.40s\"; expected a decimal integer "
                               ">= 1",
                               (int)key_plen, key_prefix, text);
        if (value > (INT_MAX - (*p - '0')) / 10)
            return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                               "metadata \"%.*sstride\" is \"%.40s\", larger than the maximum %d",
                               (int)key_plen, key_prefix, text, INT_MAX);
        value = value * 10 + (*p - '0');
    }
    if (text[0] == '\0' || value < 1)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "metadata \"%.*sstride\" is \"%.40s\"; expected a decimal integer >= 1",
                           (int)key_plen, key_prefix, text);
    *stride = value;
    return WTCONV_OK;
}

/* The value of metadata key <prefix[0..plen)>stride, or NULL. */
static const char *layer_stride_text(const st_file *st, const char *prefix, size_t plen) {
    for (size_t i = 0; i < st->metadata_count; i++) {
        const char *key = st->metadata[i].key;
        if (!strncmp(key, prefix, plen) && !strcmp(key + plen, "stride"))
            return st->metadata[i].value;
    }
    return NULL;
}

/* The stride of the layer at `prefix` (0: none recorded). A stride belongs to one layer: its
 * key is "<prefix>stride" (for the unprefixed layer that is "stride"). A file-wide "stride"
 * also counts for a file holding a single layer, as exporters of one layer have always
 * written it; it must then agree with the layer's own key if both are there. In a file of
 * several layers it cannot be told which layer it was meant for, so a layer without a key of
 * its own is refused rather than given it, unless the caller's stride option (non-zero)
 * overrides the file anyway. */
static wtconv_status layer_stride(const st_file *st, const char *prefix, size_t plen,
                                  int stride_option, int *stride) {
    const char *own = layer_stride_text(st, prefix, plen);
    const char *file_wide = plen ? wtconv_st_find_metadata(st, "stride") : NULL;
    int own_value = 0, file_value = 0;
    size_t layers;
    wtconv_status status;
    *stride = 0;
    if (own && (status = parse_stride(own, prefix, plen, &own_value)) != WTCONV_OK)
        return status;
    if (!file_wide) {
        *stride = own_value;
        return WTCONV_OK;
    }
    layers = list_prefixes(st, NULL, 0);
    if (layers > 1) {               /* the file-wide value is never applied, so not read either */
        if (own || stride_option) { /* the layer's own key, or the caller's option, decides */
            *stride = own_value;
            return WTCONV_OK;
        }
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "metadata \"stride\" (%.40s) is one stride for the whole file, but the "
                           "file holds %zu WTConv2d layers and a stride belongs to one layer: "
                           "it is not applied to layer '%.*s', which has no \"%.*sstride\" of "
                           "its own. Export the network again with tools/export_wtconv.py "
                           "(which writes \"<prefix>stride\" for each layer), or set the stride "
                           "option",
                           file_wide, layers, (int)plen, prefix, (int)plen, prefix);
    }
    if ((status = parse_stride(file_wide, "", 0, &file_value)) != WTCONV_OK)
        return status;
    if (own && own_value != file_value)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "metadata \"stride\" (%d) and \"%.*sstride\" (%d) disagree about the "
                           "file's only layer",
                           file_value, (int)plen, prefix, own_value);
    *stride = file_value;
    return WTCONV_OK;
}

/* Every backend multiplies each filter by its scale in float32 before it runs (the base bias
 * too): a pair of finite values whose product overflows would give Inf weights, and NaN for
 * inputs that PyTorch maps to 0 (Inf * 0). Such a layer is refused, naming the pair. */
static wtconv_status check_scaled(const st_tensor *filter, const float *values,
                                  const st_tensor *scale_tensor, const float *scale,
                                  size_t channels, size_t per_channel) {
    for (size_t c = 0; c < channels; c++)
        for (size_t i = 0; i < per_channel; i++)
            if (!isfinite(scale[c] * values[c * per_channel + i]))
                return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                                   "tensor '%s' element %zu (%g) times '%s' element %zu (%g) "
                                   "overflows float32: the layer cannot be computed in float32",
                                   filter->name, c * per_channel + i,
                                   (double)values[c * per_channel + i], scale_tensor->name, c,
                                   (double)scale[c]);
    return WTCONV_OK;
}

static wtconv_status check_products(const layer_tensors *lt, const wtconv_model *m) {
    const size_t c = (size_t)m->channels, kk = (size_t)m->kernel * (size_t)m->kernel;
    wtconv_status status;
    if ((status = check_scaled(lt->base_weight, m->base_weight, lt->base_scale, m->base_scale, c,
                               kk)) != WTCONV_OK ||
        (lt->base_bias && (status = check_scaled(lt->base_bias, m->base_bias, lt->base_scale,
                                                 m->base_scale, c, 1)) != WTCONV_OK))
        return status;
    for (int i = 0; i < m->levels; i++)
        if ((status = check_scaled(lt->wavelet_weight[i], m->wavelet_weight[i],
                                   lt->wavelet_scale[i], m->wavelet_scale[i], 4 * c, kk)) !=
            WTCONV_OK)
            return status;
    return WTCONV_OK;
}

static wtconv_status allocate_weights(wtconv_model *m) {
    const size_t c = (size_t)m->channels, kk = (size_t)m->kernel * (size_t)m->kernel;
    int overflow = 0;
    /* Checked even though the tensors' bytes already fit in the file: size_t may be 32-bit.
     * Every later size derived from the weights (the backends' copies) is smaller. */
    const size_t base = wtconv_mul_size(c, kk + 2, &overflow);
    const size_t per_level = wtconv_mul_size(4 * c, kk + 1, &overflow);
    const size_t levels = wtconv_mul_size(per_level, (size_t)m->levels, &overflow);
    size_t total;
    float *p;
    if (overflow || levels > SIZE_MAX / sizeof(float) - base)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "the layer's weights do not fit in memory");
    total = base + levels;
    m->storage = calloc(total, sizeof(float));
    if (!m->storage)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY,
                           "out of memory for the layer's weights (%zu bytes)",
                           total * sizeof(float));
    p = m->storage;
    m->base_weight = p, p += c * kk;
    m->base_bias = p, p += c;
    m->base_scale = p, p += c;
    for (int i = 0; i < m->levels; i++) {
        m->wavelet_weight[i] = p, p += 4 * c * kk;
        m->wavelet_scale[i] = p, p += 4 * c;
    }
    return WTCONV_OK;
}

static wtconv_status load_layer(st_file *st, const char *layer, int stride_option,
                                wtconv_model *m) {
    layer_tensors lt;
    const char *prefix = layer;
    size_t plen = layer ? strlen(layer) : 0;
    wtconv_status status;

    if (layer && !has_layer(st, layer))
        return layer_not_found(st, layer);
    if (!layer && (status = find_only_layer(st, &prefix, &plen)) != WTCONV_OK)
        return status;
    if ((status = collect_tensors(st, prefix, plen, &lt)) != WTCONV_OK)
        return status;
    if ((status = check_layer_shapes(&lt, prefix, plen, m)) != WTCONV_OK)
        return status;
    if ((status = check_dtypes(&lt, m->levels)) != WTCONV_OK)
        return status;
    if ((status = layer_stride(st, prefix, plen, stride_option, &m->stride)) != WTCONV_OK)
        return status;
    if (lt.wt_filter && (status = check_haar(st, lt.wt_filter, m->channels)) != WTCONV_OK)
        return status;
    if (lt.iwt_filter && (status = check_haar(st, lt.iwt_filter, m->channels)) != WTCONV_OK)
        return status;
    if ((status = allocate_weights(m)) != WTCONV_OK)
        return status;
    if (!(m->prefix = malloc(plen + 1)))
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory copying the layer prefix");
    memcpy(m->prefix, prefix, plen);
    m->prefix[plen] = '\0';
    if ((status = read_finite(st, lt.base_weight, m->base_weight)) != WTCONV_OK ||
        (status = read_finite(st, lt.base_scale, m->base_scale)) != WTCONV_OK ||
        (lt.base_bias && (status = read_finite(st, lt.base_bias, m->base_bias)) != WTCONV_OK))
        return status;
    for (int i = 0; i < m->levels; i++)
        if ((status = read_finite(st, lt.wavelet_weight[i], m->wavelet_weight[i])) != WTCONV_OK ||
            (status = read_finite(st, lt.wavelet_scale[i], m->wavelet_scale[i])) != WTCONV_OK)
            return status;
    return check_products(&lt, m);
}

wtconv_status wtconv_model_load(const char *path, const char *layer, int stride_option,
                                wtconv_model *model) {
    st_file st;
    wtconv_status status;
    memset(model, 0, sizeof *model);
    status = wtconv_st_open(path, &st);
    if (status == WTCONV_OK) {
        status = load_layer(&st, layer, stride_option, model);
        wtconv_st_close(&st);
    }
    if (status != WTCONV_OK) {
        const size_t n = strlen(path);
        wtconv_model_free(model);
        /* A path's end names the file; a whole long one would push the problem out of the
         * message (1023 bytes). */
        if (n > 200)
            wtconv_error_prefix("model '...%s': ", path + n - 200);
        else
            wtconv_error_prefix("model '%s': ", path);
    }
    return status;
}

void wtconv_model_free(wtconv_model *model) {
    free(model->storage);
    free(model->prefix);
    memset(model, 0, sizeof *model);
}
