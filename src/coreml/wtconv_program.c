/* The ML program of a layer's depthwise stage, and the Model around it (Model.proto,
 * FeatureTypes.proto, MIL.proto field numbers). See coreml_package.h for what it computes. */
#include "coreml/coreml_package.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/utf8.h"
#include "coreml/mil_encode.h"

/* Core ML specification 7 (macOS 13 / iOS 16): the first with float16 ML program I/O types
 * and the version coremltools writes for those targets; its opset is CoreML6. */
#define SPECIFICATION_VERSION 7
#define OPSET "CoreML6"
#define FUNCTION "main"
#define FLOAT16_MAX 65504.0
/* The longest metadata value the Apple backend reads (WTCONV_COREML_MAX_VALUE). */
#define MAX_METADATA_VALUE 255

/* Model.proto / FeatureTypes.proto field numbers. */
enum {
    MODEL_SPECIFICATION_VERSION = 1,
    MODEL_DESCRIPTION = 2,
    MODEL_ML_PROGRAM = 502,
    DESCRIPTION_INPUT = 1,
    DESCRIPTION_OUTPUT = 10,
    DESCRIPTION_METADATA = 100,
    FEATURE_NAME = 1,
    FEATURE_SHORT_DESCRIPTION = 2,
    FEATURE_TYPE = 3,
    FEATURE_TYPE_MULTI_ARRAY = 5,
    ARRAY_SHAPE = 1,
    ARRAY_DATA_TYPE = 2,
    ARRAY_FLOAT32 = 65568, /* ArrayFeatureType.ArrayDataType.FLOAT32 */
    METADATA_SHORT_DESCRIPTION = 1,
    METADATA_VERSION_STRING = 2,
    METADATA_AUTHOR = 3,
    METADATA_USER_DEFINED = 100,
    PROGRAM_VERSION = 1,
    PROGRAM_FUNCTIONS = 2,
    PROGRAM_ATTRIBUTES = 4,
    FUNCTION_INPUTS = 1,
    FUNCTION_OPSET = 2,
    FUNCTION_BLOCKS = 3,
    BLOCK_OUTPUTS = 2,
    NAMED_VALUE_TYPE_NAME = 1,
    NAMED_VALUE_TYPE_TYPE = 2,
    VALUE_TYPE_DICTIONARY = 4,
    DICTIONARY_KEY_TYPE = 1,
    DICTIONARY_VALUE_TYPE = 2,
    VALUE_TYPE = 2,
    VALUE_IMMEDIATE = 3,
    IMMEDIATE_DICTIONARY = 4,
    DICTIONARY_VALUES = 1,
    PAIR_KEY = 1,
    PAIR_VALUE = 2,
    MAP_VALUE = 2
};

#define NAME_BYTES 48 /* "filtered_31_to_fp16_dtype" and the like */

/* One depthwise convolution of the stage: base (level -1) or filtered_i. */
typedef struct branch {
    char input[NAME_BYTES], output[NAME_BYTES];
    int channels, height, width; /* of its input and output */
    const float *weight;         /* folded, [channels,1,k,k] */
    const float *bias;           /* folded, [channels], or NULL */
} branch;

typedef struct builder {
    const wtconv_plan *plan;
    int fp16;
    wtconv_mil_dtype dtype; /* of the convolutions */
    wtconv_pb *block;
    wtconv_blob_file *blobs;
} builder;

static wtconv_mil_type feature_type(const branch *b, int batch, wtconv_mil_dtype dtype) {
    return wtconv_mil_nchw(dtype, batch, b->channels, b->height, b->width);
}

static void const_text(builder *b, const char *name, const char *text) {
    wtconv_mil_value v;
    memset(&v, 0, sizeof v);
    v.type = wtconv_mil_scalar(WTCONV_MIL_STRING);
    v.text = text;
    wtconv_mil_const(b->block, name, &v);
}

static void const_ints(builder *b, const char *name, const int32_t *ints, int count, int scalar) {
    wtconv_mil_value v;
    memset(&v, 0, sizeof v);
    v.type =
        scalar ? wtconv_mil_scalar(WTCONV_MIL_INT32) : wtconv_mil_vector(WTCONV_MIL_INT32, count);
    v.ints = ints;
    wtconv_mil_const(b->block, name, &v);
}

/* base + suffix. Every name here is short ("filtered_31_to_fp32_dtype" is the longest), so
 * nothing is ever cut; the bound only keeps the copy safe. */
static void make_name(char out[NAME_BYTES], const char *base, const char *suffix) {
    size_t n = 0;
    for (; *base && n + 1 < NAME_BYTES; base++)
        out[n++] = *base;
    for (; *suffix && n + 1 < NAME_BYTES; suffix++)
        out[n++] = *suffix;
    out[n] = '\0';
}

/* The names of a branch's weight and bias constants: "<output>_weight", "<output>_bias", with
 * "_fp16" after them in an fp16 program. */
static void weight_names(const builder *b, const branch *br, char weight[NAME_BYTES],
                         char bias[NAME_BYTES]) {
    make_name(weight, br->output, b->fp16 ? "_weight_fp16" : "_weight");
    make_name(bias, br->output, b->fp16 ? "_bias_fp16" : "_bias");
}

/* A branch's weight and bias constants (each a blob file record from 10 elements on, appended
 * now: the order of these calls is the blob file's order), in coremltools' order: the bias
 * before the weight in fp32, after it in fp16. */
static void emit_weights(builder *b, const branch *br) {
    const int k = b->plan->kernel;
    const wtconv_mil_type weight_type = wtconv_mil_nchw(b->dtype, br->channels, 1, k, k);
    const wtconv_mil_type bias_type = wtconv_mil_vector(b->dtype, br->channels);
    char weight[NAME_BYTES], bias[NAME_BYTES];
    wtconv_mil_value v;
    weight_names(b, br, weight, bias);
    if (br->bias && !b->fp16) {
        v = wtconv_mil_tensor(&bias_type, br->bias, b->blobs);
        wtconv_mil_const(b->block, bias, &v);
    }
    v = wtconv_mil_tensor(&weight_type, br->weight, b->blobs);
    wtconv_mil_const(b->block, weight, &v);
    if (br->bias && b->fp16) {
        v = wtconv_mil_tensor(&bias_type, br->bias, b->blobs);
        wtconv_mil_const(b->block, bias, &v);
    }
}

/* One branch: [cast to fp16] [pad for even k] conv. Returns the name of its result in `result`
 * (the output itself in fp32; the fp16 convolution, cast back at the end, in fp16). */
static void emit_branch(builder *b, const branch *br, char result[NAME_BYTES]) {
    const wtconv_plan *p = b->plan;
    const int k = p->kernel, before = (k - 1) / 2, after = k / 2, even = k % 2 == 0;
    const int32_t ones[2] = {1, 1};
    const int32_t groups = br->channels;
    char x[NAME_BYTES], name[NAME_BYTES], weight[NAME_BYTES], bias[NAME_BYTES];
    char pad_type[NAME_BYTES], pad[NAME_BYTES], groups_name[NAME_BYTES], strides[NAME_BYTES],
        dilations[NAME_BYTES];
    wtconv_mil_type conv_type = feature_type(br, p->batch, b->dtype);
    wtconv_mil_op op;

    make_name(x, br->input, "");
    if (b->fp16) {
        char dtype[NAME_BYTES];
        make_name(dtype, br->input, "_to_fp16_dtype");
        make_name(name, br->input, "_to_fp16");
        const_text(b, dtype, "fp16");
        op = wtconv_mil_op_begin(b->block, "cast", name);
        wtconv_mil_op_input(b->block, "x", x);
        wtconv_mil_op_input(b->block, "dtype", dtype);
        wtconv_mil_op_output(b->block, name, &conv_type);
        wtconv_mil_op_end(b->block, op);
        make_name(x, name, "");
    }
    if (even) { /* PyTorch's 'same' for even k: one more row and column after than before */
        const int32_t pads[8] = {0, 0, 0, 0, before, after, before, after};
        const float zero = 0.0f;
        char value[NAME_BYTES], mode[NAME_BYTES];
        wtconv_mil_value v;
        wtconv_mil_type padded = conv_type;
        padded.dims[2] += k - 1;
        padded.dims[3] += k - 1;
        make_name(value, br->output, "_pad_value");
        make_name(pad, br->output, "_pad_amounts");
        make_name(mode, br->output, "_pad_mode");
        make_name(name, br->output, "_padded");
        memset(&v, 0, sizeof v);
        v.type = wtconv_mil_scalar(b->dtype);
        v.floats = &zero;
        wtconv_mil_const(b->block, value, &v);
        const_ints(b, pad, pads, 8, 0);
        const_text(b, mode, "constant");
        op = wtconv_mil_op_begin(b->block, "pad", name);
        wtconv_mil_op_input(b->block, "x", x);
        wtconv_mil_op_input(b->block, "pad", pad);
        wtconv_mil_op_input(b->block, "mode", mode);
        wtconv_mil_op_input(b->block, "constant_val", value);
        wtconv_mil_op_output(b->block, name, &padded);
        wtconv_mil_op_end(b->block, op);
        make_name(x, name, "");
    }
    {
        const int32_t pads[4] = {before, before, before, before}; /* odd k: before == after */
        const int32_t none[4] = {0, 0, 0, 0};
        make_name(pad_type, br->output, "_pad_type");
        make_name(pad, br->output, "_pad");
        make_name(groups_name, br->output, "_groups");
        make_name(strides, br->output, "_strides");
        make_name(dilations, br->output, "_dilations");
        const_text(b, pad_type, even ? "valid" : "custom");
        const_ints(b, pad, even ? none : pads, 4, 0);
        const_ints(b, groups_name, &groups, 1, 1);
        const_ints(b, strides, ones, 2, 0);
        const_ints(b, dilations, ones, 2, 0);
    }
    weight_names(b, br, weight, bias);
    if (b->fp16) /* fp16: each branch's constants next to it, as coremltools' fp16 pass */
        emit_weights(b, br);
    make_name(result, br->output, b->fp16 ? "_fp16" : "");
    op = wtconv_mil_op_begin(b->block, "conv", result);
    wtconv_mil_op_input(b->block, "x", x);
    wtconv_mil_op_input(b->block, "weight", weight);
    if (br->bias)
        wtconv_mil_op_input(b->block, "bias", bias);
    wtconv_mil_op_input(b->block, "strides", strides);
    wtconv_mil_op_input(b->block, "pad_type", pad_type);
    wtconv_mil_op_input(b->block, "pad", pad);
    wtconv_mil_op_input(b->block, "dilations", dilations);
    wtconv_mil_op_input(b->block, "groups", groups_name);
    wtconv_mil_op_output(b->block, result, &conv_type);
    wtconv_mil_op_end(b->block, op);
    if (b->fp16) {
        char dtype[NAME_BYTES];
        make_name(dtype, br->output, "_to_fp32_dtype");
        const_text(b, dtype, "fp32");
    }
}

/* The block of function main: every branch, then (fp16) the casts back to fp32. */
static void emit_block(builder *b, const branch *branches, int count) {
    char results[WTCONV_MAX_LEVELS + 1][NAME_BYTES];
    if (!b->fp16) {
        /* coremltools puts the fp32 weights first, in the reverse of the module's order. */
        for (int i = count - 1; i >= 0; i--)
            emit_weights(b, &branches[i]);
    }
    for (int i = 0; i < count; i++)
        emit_branch(b, &branches[i], results[i]);
    if (b->fp16) /* coremltools casts the outputs back last, in reverse order */
        for (int i = count - 1; i >= 0; i--) {
            char dtype[NAME_BYTES];
            wtconv_mil_type type = feature_type(&branches[i], b->plan->batch, WTCONV_MIL_FLOAT32);
            wtconv_mil_op op = wtconv_mil_op_begin(b->block, "cast", branches[i].output);
            make_name(dtype, branches[i].output, "_to_fp32_dtype");
            wtconv_mil_op_input(b->block, "x", results[i]);
            wtconv_mil_op_input(b->block, "dtype", dtype);
            wtconv_mil_op_output(b->block, branches[i].output, &type);
            wtconv_mil_op_end(b->block, op);
        }
    for (int i = 0; i < count; i++)
        wtconv_pb_string(b->block, BLOCK_OUTPUTS, branches[i].output);
}

/* ---- The Model's description ---------------------------------------------------------- */

static void write_feature(wtconv_pb *pb, uint32_t field, const branch *br, int is_input, int batch,
                          int level) {
    const size_t feature = wtconv_pb_begin(pb, field);
    const int64_t shape[4] = {batch, br->channels, br->height, br->width};
    char text[160];
    size_t type, array;
    wtconv_pb_string(pb, FEATURE_NAME, is_input ? br->input : br->output);
    if (level < 0)
        snprintf(text, sizeof text, "%s",
                 is_input ? "layer input, float32 NCHW"
                          : "base_scale * (dwconv_same(x, base_conv) + base_bias)");
    else if (is_input)
        snprintf(text, sizeof text,
                 "Haar coefficients of level %d, channel 4c+s = subband s of channel c", level);
    else
        snprintf(text, sizeof text, "wavelet_scale_%d * dwconv_same(coeffs_%d, wavelet_convs_%d)",
                 level, level, level);
    wtconv_pb_string(pb, FEATURE_SHORT_DESCRIPTION, text);
    type = wtconv_pb_begin(pb, FEATURE_TYPE);
    array = wtconv_pb_begin(pb, FEATURE_TYPE_MULTI_ARRAY);
    wtconv_pb_packed_varints(pb, ARRAY_SHAPE, shape, 4);
    wtconv_pb_varint(pb, ARRAY_DATA_TYPE, ARRAY_FLOAT32);
    wtconv_pb_end(pb, array);
    wtconv_pb_end(pb, type);
    wtconv_pb_end(pb, feature);
}

/* The file name without its folders, as Python's os.path.basename on the platform. */
static const char *base_name(const char *path) {
    const char *name = path;
    for (const char *p = path; *p; p++)
#if defined(_WIN32)
        if (*p == '/' || *p == '\\' || *p == ':')
#else
        if (*p == '/')
#endif
            name = p + 1;
    return name;
}

static void write_metadata(wtconv_pb *pb, const wtconv_model *m, const wtconv_plan *p,
                           const wtconv_coreml_settings *s) {
    const size_t metadata = wtconv_pb_begin(pb, DESCRIPTION_METADATA);
    /* Protobuf string fields must be well-formed UTF-8 (coremltools refuses the model
     * otherwise), which a file name need not be: bad bytes become '?'. */
    char source[256], layer[256];
    const char *precision = s->fp16 ? "fp16" : "fp32";
    char text[700];
    const struct {
        const char *key;
        int value;
    } numbers[] = {{"wtconv.batch", p->batch},   {"wtconv.channels", p->channels},
                   {"wtconv.height", p->height}, {"wtconv.width", p->width},
                   {"wtconv.kernel", p->kernel}, {"wtconv.levels", p->levels},
                   {"wtconv.stride", p->stride}, {"wtconv.bias", m->has_bias ? 1 : 0}};
    wtconv_utf8_copy(source, sizeof source, base_name(s->source_path));
    wtconv_utf8_copy(layer, sizeof layer, m->prefix ? m->prefix : "");
    snprintf(text, sizeof text,
             "libwtconv WTConv2d depthwise stage: layer '%s' of %s, N=%d C=%d H=%d W=%d, k=%d, "
             "L=%d, %s",
             layer, source, p->batch, p->channels, p->height, p->width, p->kernel, p->levels,
             precision);
    wtconv_pb_string(pb, METADATA_SHORT_DESCRIPTION, text);
    wtconv_pb_string(pb, METADATA_VERSION_STRING, WTCONV_VERSION_STRING);
    wtconv_pb_string(pb, METADATA_AUTHOR, "libwtconv " WTCONV_VERSION_STRING);
    wtconv_pb_string_pair(pb, METADATA_USER_DEFINED, "wtconv.format", "1");
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        char digits[16];
        snprintf(digits, sizeof digits, "%d", numbers[i].value);
        wtconv_pb_string_pair(pb, METADATA_USER_DEFINED, numbers[i].key, digits);
    }
    wtconv_pb_string_pair(pb, METADATA_USER_DEFINED, "wtconv.precision", precision);
    wtconv_pb_string_pair(pb, METADATA_USER_DEFINED, "wtconv.layer", layer);
    wtconv_pb_string_pair(pb, METADATA_USER_DEFINED, "wtconv.source", source);
    wtconv_pb_end(pb, metadata);
}

/* The program's "buildInfo" attribute, a dictionary of strings, says who wrote it. */
static void write_build_info(wtconv_pb *pb) {
    const size_t entry = wtconv_pb_map_entry(pb, PROGRAM_ATTRIBUTES, "buildInfo");
    const size_t value = wtconv_pb_begin(pb, MAP_VALUE);
    const wtconv_mil_type text = wtconv_mil_scalar(WTCONV_MIL_STRING);
    size_t type, dictionary, immediate, pairs;
    wtconv_mil_value key, version;
    type = wtconv_pb_begin(pb, VALUE_TYPE);
    dictionary = wtconv_pb_begin(pb, VALUE_TYPE_DICTIONARY);
    wtconv_mil_write_type(pb, DICTIONARY_KEY_TYPE, &text);
    wtconv_mil_write_type(pb, DICTIONARY_VALUE_TYPE, &text);
    wtconv_pb_end(pb, dictionary);
    wtconv_pb_end(pb, type);
    memset(&key, 0, sizeof key);
    key.type = text;
    key.text = "libwtconv-version";
    version = key;
    version.text = WTCONV_VERSION_STRING;
    immediate = wtconv_pb_begin(pb, VALUE_IMMEDIATE);
    dictionary = wtconv_pb_begin(pb, IMMEDIATE_DICTIONARY);
    pairs = wtconv_pb_begin(pb, DICTIONARY_VALUES);
    wtconv_mil_write_value(pb, PAIR_KEY, &key);
    wtconv_mil_write_value(pb, PAIR_VALUE, &version);
    wtconv_pb_end(pb, pairs);
    wtconv_pb_end(pb, dictionary);
    wtconv_pb_end(pb, immediate);
    wtconv_pb_end(pb, value);
    wtconv_pb_end(pb, entry);
}

static void write_program(wtconv_pb *pb, builder *b, const branch *branches, int count) {
    const size_t program = wtconv_pb_begin(pb, MODEL_ML_PROGRAM);
    size_t function_entry, function, block_entry, block_mark;
    wtconv_pb_varint(pb, PROGRAM_VERSION, 1);
    function_entry = wtconv_pb_map_entry(pb, PROGRAM_FUNCTIONS, FUNCTION);
    function = wtconv_pb_begin(pb, MAP_VALUE);
    for (int i = 0; i < count; i++) {
        const size_t input = wtconv_pb_begin(pb, FUNCTION_INPUTS);
        const wtconv_mil_type type = feature_type(&branches[i], b->plan->batch, WTCONV_MIL_FLOAT32);
        wtconv_pb_string(pb, NAMED_VALUE_TYPE_NAME, branches[i].input);
        wtconv_mil_write_type(pb, NAMED_VALUE_TYPE_TYPE, &type);
        wtconv_pb_end(pb, input);
    }
    wtconv_pb_string(pb, FUNCTION_OPSET, OPSET);
    block_entry = wtconv_pb_map_entry(pb, FUNCTION_BLOCKS, OPSET);
    block_mark = wtconv_pb_begin(pb, MAP_VALUE);
    b->block = pb;
    emit_block(b, branches, count);
    wtconv_pb_end(pb, block_mark);
    wtconv_pb_end(pb, block_entry);
    wtconv_pb_end(pb, function);
    wtconv_pb_end(pb, function_entry);
    write_build_info(pb);
    wtconv_pb_end(pb, program);
}

/* ---- Folding the scales into the weights ---------------------------------------------- */

/* scale * w per output channel, rounded once to float32 (the product of two floats is exact in
 * double), as the exporter folds them. For fp16, every folded value must fit float16. */
static wtconv_status fold(const float *scale, const float *weight, int channels, int taps, int fp16,
                          const char *what, float *out) {
    for (int c = 0; c < channels; c++)
        for (int t = 0; t < taps; t++) {
            const size_t i = (size_t)c * (size_t)taps + (size_t)t;
            const double v = (double)scale[c] * (double)weight[i];
            if (!isfinite((float)v) || (fp16 && fabs(v) > FLOAT16_MAX))
                return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                                   "%s, channel %d, tap %d, is %g with its scale folded in: "
                                   "beyond %s's range%s",
                                   what, c, t, v, fp16 ? "float16" : "float32",
                                   fp16 ? " (use fp32 precision)" : "");
            out[i] = (float)v;
        }
    return WTCONV_OK;
}

wtconv_status wtconv_coreml_build(const wtconv_model *m, const wtconv_plan *p,
                                  const wtconv_coreml_settings *s, wtconv_coreml_package *out) {
    const int k = p->kernel, c = p->channels, taps = k * k, count = p->levels + 1;
    branch branches[WTCONV_MAX_LEVELS + 1];
    builder b;
    float *folded;
    size_t total = (size_t)c * (size_t)taps + (size_t)c, at;
    wtconv_status status = WTCONV_OK;
    char what[64];

    memset(out, 0, sizeof *out);
    wtconv_pb_init(&out->model);
    wtconv_blob_file_init(&out->weights);
    if (m->prefix && strlen(m->prefix) > MAX_METADATA_VALUE)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "the layer prefix '%.40s...' is %zu bytes; a Core ML model records "
                           "it in its metadata, where the Apple backend reads at most %d",
                           m->prefix, strlen(m->prefix), MAX_METADATA_VALUE);
    for (int i = 0; i < p->levels; i++)
        total += 4 * (size_t)c * (size_t)taps;
    if (!(folded = malloc(total * sizeof *folded)))
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory folding the weights");

    memset(branches, 0, sizeof branches);
    snprintf(branches[0].input, NAME_BYTES, "x");
    snprintf(branches[0].output, NAME_BYTES, "base");
    branches[0].channels = c;
    branches[0].height = p->height;
    branches[0].width = p->width;
    branches[0].weight = folded;
    status = fold(m->base_scale, m->base_weight, c, taps, s->fp16, "base weight", folded);
    at = (size_t)c * (size_t)taps;
    if (status == WTCONV_OK && m->has_bias) {
        branches[0].bias = folded + at;
        status = fold(m->base_scale, m->base_bias, c, 1, s->fp16, "base bias", folded + at);
        at += (size_t)c;
    }
    for (int i = 0; i < p->levels && status == WTCONV_OK; i++) {
        branch *br = &branches[i + 1];
        snprintf(br->input, NAME_BYTES, "coeffs_%d", i);
        snprintf(br->output, NAME_BYTES, "filtered_%d", i);
        br->channels = 4 * c;
        br->height = p->level[i].half_height;
        br->width = p->level[i].half_width;
        br->weight = folded + at;
        snprintf(what, sizeof what, "wavelet weight of level %d", i);
        status = fold(m->wavelet_scale[i], m->wavelet_weight[i], 4 * c, taps, s->fp16, what,
                      folded + at);
        at += 4 * (size_t)c * (size_t)taps;
    }
    if (status == WTCONV_OK) {
        wtconv_pb *pb = &out->model;
        size_t description;
        memset(&b, 0, sizeof b);
        b.plan = p;
        b.fp16 = s->fp16;
        b.dtype = s->fp16 ? WTCONV_MIL_FLOAT16 : WTCONV_MIL_FLOAT32;
        b.blobs = &out->weights;
        wtconv_pb_varint(pb, MODEL_SPECIFICATION_VERSION, SPECIFICATION_VERSION);
        description = wtconv_pb_begin(pb, MODEL_DESCRIPTION);
        for (int i = 0; i < count; i++)
            write_feature(pb, DESCRIPTION_INPUT, &branches[i], 1, p->batch, i - 1);
        for (int i = 0; i < count; i++)
            write_feature(pb, DESCRIPTION_OUTPUT, &branches[i], 0, p->batch, i - 1);
        write_metadata(pb, m, p, s);
        wtconv_pb_end(pb, description);
        write_program(pb, &b, branches, count);
        if (out->model.failed || out->weights.failed)
            status = wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY,
                                 "out of memory writing the Core ML program (or it passed 2 GiB)");
    }
    free(folded);
    return status;
}

void wtconv_coreml_package_free(wtconv_coreml_package *package) {
    wtconv_pb_free(&package->model);
    wtconv_blob_file_free(&package->weights);
}
