/* Every error path of create and run: the status code, a message that names the problem, no
 * context handed out, and the caller's output buffer left untouched. */
#define _POSIX_C_SOURCE 200809L

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wtconv/wtconv.h>

#include "test_util.h"

static int passed, failed;
static char model_path[512];

#define SENTINEL_CTX ((wtconv_ctx *)(uintptr_t)0x1)

/* Writes a safetensors file from a header text and a data section. */
static void write_model(const char *header, const void *data, size_t data_size) {
    size_t hlen = strlen(header);
    size_t total = 8 + hlen + data_size;
    unsigned char *bytes = malloc(total);
    if (!bytes) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    for (int i = 0; i < 8; i++)
        bytes[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
    memcpy(bytes + 8, header, hlen);
    if (data_size)
        memcpy(bytes + 8 + hlen, data, data_size);
    if (test_write_file(model_path, bytes, total)) {
        fprintf(stderr, "cannot write %s\n", model_path);
        exit(2);
    }
    free(bytes);
}

static void expect(const char *what, wtconv_status got, wtconv_status want, const char *fragment) {
    const char *message = wtconv_last_error();
    int ok = got == want && (!fragment || strstr(message, fragment));
    printf("%s %-46s -> %s | %s\n", ok ? "ok  " : "FAIL", what, wtconv_status_string(got), message);
    if (!ok)
        printf("     wanted %s with \"%s\"\n", wtconv_status_string(want),
               fragment ? fragment : "");
    ok ? passed++ : failed++;
}

/* create with the given file and options; the context must come back NULL on failure. */
static void expect_create(const char *what, const char *path, int c, int h, int w,
                          const wtconv_options *opts, wtconv_status want, const char *fragment) {
    wtconv_ctx *ctx = SENTINEL_CTX;
    wtconv_status got = wtconv_create_with_options(path, c, h, w, opts, &ctx);
    if (got != WTCONV_OK && ctx != NULL) {
        printf("FAIL %s: failed create left *out_ctx = %p\n", what, (void *)ctx);
        failed++;
        return;
    }
    if (got == WTCONV_OK)
        wtconv_destroy(ctx);
    expect(what, got, want, fragment);
}

static void expect_model(const char *what, const char *header, const void *data, size_t size,
                         wtconv_status want, const char *fragment) {
    write_model(header, data, size);
    expect_create(what, model_path, 1, 8, 8, NULL, want, fragment);
}

/* create with options.layer = `layer` on a model of the given header and data. */
static void expect_layer(const char *what, const char *header, const void *data, size_t size,
                         const char *layer, wtconv_status want, const char *fragment) {
    wtconv_options opts;
    write_model(header, data, size);
    wtconv_options_init(&opts);
    opts.layer = layer;
    expect_create(what, model_path, 1, 8, 8, &opts, want, fragment);
}

/* Two layers' anchors (the rest of each layer is not needed to pick one). */
#define TWO_LAYERS                                                                                 \
    "{\"a.base_weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1],\"data_offsets\":[0,4]},"           \
    "\"b.c.base_conv.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1],\"data_offsets\":[4,8]}}"

/* The smallest valid layer: C=1, k=1, L=1, 40 bytes of data. */
#define GOOD_TENSORS                                                                               \
    "\"base_conv.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1],\"data_offsets\":[0,4]},"         \
    "\"base_scale.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1],\"data_offsets\":[4,8]},"        \
    "\"wavelet_convs.0.weight\":{\"dtype\":\"F32\",\"shape\":[4,1,1,1],\"data_offsets\":[8,"       \
    "24]},"                                                                                        \
    "\"wavelet_scale.0.weight\":{\"dtype\":\"F32\",\"shape\":[1,4,1,1],\"data_offsets\":[24,"      \
    "40]}"

static float good_data[10] = {1, 1, 1, 1, 1, 1, 0.1f, 0.1f, 0.1f, 0.1f};

static void test_arguments(void) {
    wtconv_options opts;
    wtconv_ctx *ctx = SENTINEL_CTX;
    write_model("{" GOOD_TENSORS "}", good_data, sizeof good_data);

    expect("out_ctx NULL", wtconv_create(model_path, 1, 8, 8, NULL), WTCONV_ERR_INVALID_ARGUMENT,
           "out_ctx");
    expect_create("model_path NULL", NULL, 1, 8, 8, NULL, WTCONV_ERR_INVALID_ARGUMENT,
                  "model_path");
    expect_create("channels 0", model_path, 0, 8, 8, NULL, WTCONV_ERR_INVALID_ARGUMENT,
                  "channels is 0");
    expect_create("height -3", model_path, 1, -3, 8, NULL, WTCONV_ERR_INVALID_ARGUMENT,
                  "height is -3");
    expect_create("width 0", model_path, 1, 8, 0, NULL, WTCONV_ERR_INVALID_ARGUMENT, "width is 0");
    expect_create("channels not the model's", model_path, 3, 8, 8, NULL, WTCONV_ERR_SHAPE_MISMATCH,
                  "C=1");
    wtconv_options_init(&opts);
    opts.batch = INT_MAX;
    expect_create("N*C*H*W overflows size_t", model_path, 1, INT_MAX, INT_MAX, &opts,
                  WTCONV_ERR_SHAPE_MISMATCH, "too large");

    wtconv_options_init(&opts);
    opts.batch = INT_MAX;
    expect_create("N*C*H*W overflows at the largest sides", model_path, 1, 1 << 30, 1 << 30, &opts,
                  WTCONV_ERR_SHAPE_MISMATCH, "N*C*H*W floats overflow");
    expect_create("height past the supported maximum", model_path, 1, (1 << 30) + 1, 8, NULL,
                  WTCONV_ERR_SHAPE_MISMATCH, "height is 1073741825: too large");

    wtconv_options_init(&opts);
    opts.batch = 0;
    expect_create("options.batch 0", model_path, 1, 8, 8, &opts, WTCONV_ERR_INVALID_ARGUMENT,
                  "batch");
    wtconv_options_init(&opts);
    opts.num_threads = -1;
    expect_create("options.num_threads -1", model_path, 1, 8, 8, &opts, WTCONV_ERR_INVALID_ARGUMENT,
                  "num_threads");
    wtconv_options_init(&opts);
    opts.stride = -2;
    expect_create("options.stride -2", model_path, 1, 8, 8, &opts, WTCONV_ERR_INVALID_ARGUMENT,
                  "stride");
    wtconv_options_init(&opts);
    opts.backend = (wtconv_backend)42;
    expect_create("options.backend 42", model_path, 1, 8, 8, &opts, WTCONV_ERR_INVALID_ARGUMENT,
                  "backend");
    wtconv_options_init(&opts);
    opts.struct_size = 0;
    expect_create("options.struct_size 0", model_path, 1, 8, 8, &opts, WTCONV_ERR_INVALID_ARGUMENT,
                  "struct_size");
    wtconv_options_init(&opts);
    opts.backend = WTCONV_BACKEND_METAL;
    expect_create("Metal backend on this build", model_path, 1, 8, 8, &opts,
                  WTCONV_ERR_BACKEND_UNAVAILABLE, "Metal");
    /* Core ML models need the Metal backend: on this build there is none, and the CPU
     * backend never reads them. */
    if (!wtconv_backend_available(WTCONV_BACKEND_METAL))
        expect_create("a Core ML package, no Metal backend", "/models/layer.mlpackage/", 1, 8, 8,
                      NULL, WTCONV_ERR_BACKEND_UNAVAILABLE, "is a Core ML model");
    wtconv_options_init(&opts);
    opts.backend = WTCONV_BACKEND_CPU;
    expect_create("a compiled Core ML model on the CPU backend", "/models/layer.MLMODELC", 1, 8, 8,
                  &opts, WTCONV_ERR_BACKEND_UNAVAILABLE, "give the CPU backend the .safetensors");
    wtconv_options_init(&opts);
    opts.backend = WTCONV_BACKEND_CUDA;
    if (!wtconv_backend_available(WTCONV_BACKEND_CUDA)) /* no build or no GPU */
        expect_create("CUDA backend on this build", model_path, 1, 8, 8, &opts,
                      WTCONV_ERR_BACKEND_UNAVAILABLE, "CUDA");
    wtconv_options_init(&opts);
    opts.layer = "nope.";
    expect_create("layer prefix on a file of one unprefixed layer", model_path, 1, 8, 8, &opts,
                  WTCONV_ERR_INVALID_ARGUMENT,
                  "no WTConv2d layer with prefix 'nope.': the file holds a single layer, with no "
                  "prefix (its tensors are named 'base_conv.weight', ... or 'base_weight', ...), "
                  "so pass no 'layer' option (NULL) to run it");
    (void)ctx;
}

static void test_run_arguments(void) {
    wtconv_ctx *ctx = NULL;
    float x[64], y[64], sentinel[64];
    for (int i = 0; i < 64; i++) {
        x[i] = (float)i;
        y[i] = sentinel[i] = -12345.0f;
    }
    write_model("{" GOOD_TENSORS "}", good_data, sizeof good_data);
    if (wtconv_create(model_path, 1, 8, 8, &ctx) != WTCONV_OK) {
        printf("FAIL cannot create the good model: %s\n", wtconv_last_error());
        failed++;
        return;
    }
    expect("run ctx NULL", wtconv_run(NULL, x, y), WTCONV_ERR_INVALID_ARGUMENT, "ctx");
    expect("run input NULL", wtconv_run(ctx, NULL, y), WTCONV_ERR_INVALID_ARGUMENT, "input");
    expect("run output NULL", wtconv_run(ctx, x, NULL), WTCONV_ERR_INVALID_ARGUMENT, "output");
    expect("run in place", wtconv_run(ctx, x, x), WTCONV_ERR_INVALID_ARGUMENT, "overlap");
    expect("run output overlapping input", wtconv_run(ctx, x + 8, x), WTCONV_ERR_INVALID_ARGUMENT,
           "overlap");
    /* wtconv_run_device where no GPU is needed: its argument checks (test_cuda has the rest). */
    {
        wtconv_options o;
        wtconv_ctx *cpu = NULL;
        wtconv_options_init(&o);
        o.backend = WTCONV_BACKEND_CPU;
        expect("run_device ctx NULL", wtconv_run_device(NULL, x, y, NULL),
               WTCONV_ERR_INVALID_ARGUMENT, "ctx");
        if (wtconv_create_with_options(model_path, 1, 8, 8, &o, &cpu) != WTCONV_OK) {
            printf("FAIL cannot create the good model on the CPU: %s\n", wtconv_last_error());
            failed++;
        } else {
            expect("run_device on a CPU context", wtconv_run_device(cpu, x, y, NULL),
                   WTCONV_ERR_BACKEND_UNAVAILABLE, "needs a context of the CUDA backend");
            expect("run_device on a CPU context, NULL input", wtconv_run_device(cpu, NULL, y, NULL),
                   WTCONV_ERR_BACKEND_UNAVAILABLE, "CUDA backend");
            wtconv_destroy(cpu);
        }
    }
    expect("output untouched after failed runs", memcmp(y, sentinel, sizeof y) == 0 ? 0 : 1, 0,
           NULL);
    {
        float xs[64];
        memcpy(xs, x, sizeof xs);
        expect("run into an adjacent buffer", wtconv_run(ctx, x, y), WTCONV_OK, NULL);
        expect("input never written", memcmp(x, xs, sizeof xs) == 0 ? 0 : 1, 0, NULL);
    }
    expect("output_shape ctx NULL", wtconv_output_shape(NULL, NULL, NULL, NULL, NULL),
           WTCONV_ERR_INVALID_ARGUMENT, "ctx");
    wtconv_destroy(ctx);
}

static void test_files(void) {
    char dir[512];
    test_temp_path(dir, sizeof dir, "dir");
    expect_create("missing file", "/nonexistent/wtconv/model.safetensors", 1, 8, 8, NULL,
                  WTCONV_ERR_IO, "cannot open");
    if (mkdir(dir, 0700) == 0) {
        char manifest[600];
        expect_create("a directory as the model", dir, 1, 8, 8, NULL, WTCONV_ERR_IO,
                      "not a regular file");
        /* A Core ML package or compiled model under a name that does not say so: readable,
         * a model of another format (docs/model-format.md). */
        static const struct {
            const char *marker, *what, *message;
        } coreml[] = {
            {"Manifest.json", "a Core ML package not named .mlpackage",
             "it is a directory that looks like a Core ML package (it holds Manifest.json)"},
            {"coremldata.bin", "a compiled Core ML model not named .mlmodelc",
             "it is a directory that looks like a compiled Core ML model (it holds "
             "coremldata.bin)"},
        };
        for (size_t i = 0; i < sizeof coreml / sizeof coreml[0]; i++) {
            snprintf(manifest, sizeof manifest, "%s/%s", dir, coreml[i].marker);
            if (test_write_file(manifest, "{}", 2) != 0) {
                printf("FAIL %s: cannot write %s\n", coreml[i].what, manifest);
                failed++;
                continue;
            }
            expect_create(coreml[i].what, dir, 1, 8, 8, NULL, WTCONV_ERR_MODEL_FORMAT,
                          coreml[i].message);
            remove(manifest);
        }
        rmdir(dir);
    }
    test_temp_path(dir, sizeof dir, "fifo");
    if (mkfifo(dir, 0600) == 0) {
        expect_create("a FIFO as the model", dir, 1, 8, 8, NULL, WTCONV_ERR_IO,
                      "not a regular file");
        unlink(dir);
    }
    test_write_file(model_path, "", 0);
    expect_create("empty file", model_path, 1, 8, 8, NULL, WTCONV_ERR_MODEL_FORMAT, "0 bytes");
    test_write_file(model_path, "\x10\0\0", 3);
    expect_create("3-byte file", model_path, 1, 8, 8, NULL, WTCONV_ERR_MODEL_FORMAT, "3 bytes");
    test_write_file(model_path, "\xff\0\0\0\0\0\0\0{}", 10);
    expect_create("header length past EOF", model_path, 1, 8, 8, NULL, WTCONV_ERR_MODEL_FORMAT,
                  "header length 255");
    test_write_file(model_path, "\0\0\0\0\0\0\0\x80{}", 10);
    expect_create("header length 2^63", model_path, 1, 8, 8, NULL, WTCONV_ERR_MODEL_FORMAT,
                  "header length 9223372036854775808");
}

static void test_headers(void) {
    char deep[300];
    memset(deep, '[', 200);
    memset(deep + 200, ']', 99);
    deep[0] = '{';
    memcpy(deep + 1, "\"a\":", 4);
    deep[299] = '\0';
    test_write_file(model_path, "PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0", 16);
    expect_create("a torch.save zip checkpoint", model_path, 1, 8, 8, NULL, WTCONV_ERR_MODEL_FORMAT,
                  "not a safetensors file: it looks like a zip archive");
    test_write_file(model_path, "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20", 10);
    expect_create("an old-style pickled checkpoint", model_path, 1, 8, 8, NULL,
                  WTCONV_ERR_MODEL_FORMAT, "not a safetensors file: it looks like a Python pickle");
    expect_model("header not JSON", "{\"a\":", NULL, 0, WTCONV_ERR_MODEL_FORMAT, "valid JSON");
    expect_model("header with trailing garbage", "{} x", NULL, 0, WTCONV_ERR_MODEL_FORMAT,
                 "after the JSON value");
    expect_model("header an array", "[1,2]", NULL, 0, WTCONV_ERR_MODEL_FORMAT, "not a JSON object");
    expect_model("header nested 200 deep", deep, NULL, 0, WTCONV_ERR_MODEL_FORMAT,
                 "nesting too deep");
    expect_model("header with invalid UTF-8", "{\"a\xff\":1}", NULL, 0, WTCONV_ERR_MODEL_FORMAT,
                 "UTF-8");
    expect_model("header with a lone surrogate", "{\"\\ud800\":1}", NULL, 0,
                 WTCONV_ERR_MODEL_FORMAT, "surrogate");
    expect_model("a name with control characters", "{\"a\\u001b[2J\\nb\":3}", NULL, 0,
                 WTCONV_ERR_MODEL_FORMAT, "'a?[2J?b'");
    expect_model("a name with a C1 control character", "{\"a\\u009b2Jb\":3}", NULL, 0,
                 WTCONV_ERR_MODEL_FORMAT, "'a??2Jb'");
    expect_model("no tensors at all", "{}", NULL, 0, WTCONV_ERR_MODEL_FORMAT,
                 "no WTConv2d layer found");
    expect_model("tensor entry not an object", "{\"base_conv.weight\":3}", NULL, 0,
                 WTCONV_ERR_MODEL_FORMAT, "'base_conv.weight'");
    expect_model("missing dtype", "{\"base_conv.weight\":{\"shape\":[1],\"data_offsets\":[0,4]}}",
                 good_data, 4, WTCONV_ERR_MODEL_FORMAT, "dtype");
    expect_model("negative shape",
                 "{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", good_data, 4,
                 WTCONV_ERR_MODEL_FORMAT, "shape[0]");
    expect_model("fractional offset",
                 "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4.0]}}", good_data, 4,
                 WTCONV_ERR_MODEL_FORMAT, "data_offsets");
    expect_model("offsets past the data",
                 "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", good_data, 4,
                 WTCONV_ERR_MODEL_FORMAT, "past its end");
    expect_model("offsets end before begin",
                 "{\"x\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", good_data, 4,
                 WTCONV_ERR_MODEL_FORMAT, "end before");
    expect_model("shape and byte count disagree",
                 "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", good_data, 8,
                 WTCONV_ERR_MODEL_FORMAT, "needs 12 bytes");
    expect_model("huge shape overflows",
                 "{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
                 "\"data_offsets\":[0,8]}}",
                 good_data, 8, WTCONV_ERR_MODEL_FORMAT, "overflow");
    expect_model("overlapping tensors",
                 "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                 "\"y\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                 good_data, 12, WTCONV_ERR_MODEL_FORMAT, "overlap");
    expect_model("tensor listed twice",
                 "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                 "\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                 good_data, 8, WTCONV_ERR_MODEL_FORMAT, "twice");
    expect_model("key repeated in an entry",
                 "{\"x\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],"
                 "\"data_offsets\":[0,4]}}",
                 good_data, 4, WTCONV_ERR_MODEL_FORMAT, "duplicate key 'dtype'");
    expect_model("metadata not strings", "{\"__metadata__\":{\"stride\":2}," GOOD_TENSORS "}",
                 good_data, sizeof good_data, WTCONV_ERR_MODEL_FORMAT, "not a string");
    expect_model("stride metadata not a number",
                 "{\"__metadata__\":{\"stride\":\"two\"}," GOOD_TENSORS "}", good_data,
                 sizeof good_data, WTCONV_ERR_MODEL_FORMAT, "\"stride\" is \"two\"");
    expect_model("metadata value with a NUL",
                 "{\"__metadata__\":{\"stride\":\"2\\u0000x\"}," GOOD_TENSORS "}", good_data,
                 sizeof good_data, WTCONV_ERR_MODEL_FORMAT, "contains a NUL");
    expect_model("stride metadata past INT_MAX",
                 "{\"__metadata__\":{\"stride\":\"99999999999\"}," GOOD_TENSORS "}", good_data,
                 sizeof good_data, WTCONV_ERR_MODEL_FORMAT, "larger than the maximum");
    expect_model("stride metadata 0", "{\"__metadata__\":{\"stride\":\"0\"}," GOOD_TENSORS "}",
                 good_data, sizeof good_data, WTCONV_ERR_MODEL_FORMAT, "\"stride\" is \"0\"");
}

/* A header within the format's size limit but with millions of values must be refused
 * without using memory in proportion to it. */
/* One layer's four tensors under `prefix`, its data at byte `at` (40 bytes, as good_data). */
static int layer_entries(char *out, size_t cap, const char *prefix, int at) {
    return snprintf(out, cap,
                    "\"%sbase_conv.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1],"
                    "\"data_offsets\":[%d,%d]},"
                    "\"%sbase_scale.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1],"
                    "\"data_offsets\":[%d,%d]},"
                    "\"%swavelet_convs.0.weight\":{\"dtype\":\"F32\",\"shape\":[4,1,1,1],"
                    "\"data_offsets\":[%d,%d]},"
                    "\"%swavelet_scale.0.weight\":{\"dtype\":\"F32\",\"shape\":[1,4,1,1],"
                    "\"data_offsets\":[%d,%d]}",
                    prefix, at, at + 4, prefix, at + 4, at + 8, prefix, at + 8, at + 24, prefix,
                    at + 24, at + 40);
}

/* Writes a model of the layers at `prefixes` (1 or 2; NULL ends) with the metadata object
 * `metadata` (e.g. "{\"stride\":\"2\"}", or NULL), then creates it with options.layer and
 * options.stride, and checks the status, message and (on success) the stride in effect. */
static void expect_stride(const char *what, const char *prefix_a, const char *prefix_b,
                          const char *metadata, const char *layer, int stride_option,
                          wtconv_status want, const char *fragment, int want_stride) {
    char header[2048], entries[1024];
    float data[20];
    wtconv_options opts;
    wtconv_ctx *ctx = SENTINEL_CTX;
    wtconv_status got;
    int used = snprintf(header, sizeof header, "{");
    if (metadata)
        used +=
            snprintf(header + used, sizeof header - (size_t)used, "\"__metadata__\":%s,", metadata);
    layer_entries(entries, sizeof entries, prefix_a, 0);
    used += snprintf(header + used, sizeof header - (size_t)used, "%s", entries);
    if (prefix_b) {
        layer_entries(entries, sizeof entries, prefix_b, 40);
        used += snprintf(header + used, sizeof header - (size_t)used, ",%s", entries);
    }
    snprintf(header + used, sizeof header - (size_t)used, "}");
    memcpy(data, good_data, sizeof good_data);
    memcpy(data + 10, good_data, sizeof good_data);
    write_model(header, data, prefix_b ? 80 : 40);
    wtconv_options_init(&opts);
    opts.layer = layer;
    opts.stride = stride_option;
    got = wtconv_create_with_options(model_path, 1, 8, 8, &opts, &ctx);
    if (got == WTCONV_OK && wtconv_stride(ctx) != want_stride) {
        printf("FAIL %s: stride %d in effect, wanted %d\n", what, wtconv_stride(ctx), want_stride);
        failed++;
        wtconv_destroy(ctx);
        return;
    }
    if (got == WTCONV_OK)
        wtconv_destroy(ctx);
    else if (ctx != NULL) {
        printf("FAIL %s: failed create left *out_ctx = %p\n", what, (void *)ctx);
        failed++;
        return;
    }
    expect(what, got, want, fragment);
}

/* A stride belongs to one layer: "<prefix>stride" per layer; a file-wide "stride" only for a
 * file of one layer, never silently for one layer of several. */
static void test_layer_strides(void) {
    const char *per_layer = "{\"a.stride\":\"2\",\"b.stride\":\"1\"}";
    expect_stride("per-layer stride, layer a. (2)", "a.", "b.", per_layer, "a.", 0, WTCONV_OK, NULL,
                  2);
    expect_stride("per-layer stride, layer b. (1)", "a.", "b.", per_layer, "b.", 0, WTCONV_OK, NULL,
                  1);
    expect_stride("per-layer stride, overridden by the option", "a.", "b.", per_layer, "a.", 3,
                  WTCONV_OK, NULL, 3);
    expect_stride("file-wide stride, one layer of several", "a.", "b.", "{\"stride\":\"2\"}", "b.",
                  0, WTCONV_ERR_MODEL_FORMAT,
                  "metadata \"stride\" (2) is one stride for the whole file, but the file holds 2 "
                  "WTConv2d layers and a stride belongs to one layer: it is not applied to layer "
                  "'b.', which has no \"b.stride\" of its own. Export the network again with "
                  "tools/export_wtconv.py",
                  0);
    expect_stride("malformed file-wide stride, several layers, the layer's own key", "a.", "b.",
                  "{\"stride\":\"x\",\"a.stride\":\"2\"}", "a.", 0, WTCONV_OK, NULL, 2);
    expect_stride("file-wide stride, several layers, stride option", "a.", "b.",
                  "{\"stride\":\"2\"}", "b.", 1, WTCONV_OK, NULL, 1);
    expect_stride("file-wide stride, several layers, the layer's own key", "a.", "b.",
                  "{\"stride\":\"2\",\"b.stride\":\"1\"}", "b.", 0, WTCONV_OK, NULL, 1);
    expect_stride("several layers, no stride anywhere", "a.", "b.", NULL, "b.", 0, WTCONV_OK, NULL,
                  1);
    expect_stride("file-wide stride, one prefixed layer", "blk.", NULL, "{\"stride\":\"2\"}", NULL,
                  0, WTCONV_OK, NULL, 2);
    expect_stride("file-wide stride, one prefixed layer selected", "blk.", NULL,
                  "{\"stride\":\"2\"}", "blk.", 0, WTCONV_OK, NULL, 2);
    expect_stride("per-layer stride, one prefixed layer", "blk.", NULL, "{\"blk.stride\":\"3\"}",
                  NULL, 0, WTCONV_OK, NULL, 3);
    expect_stride("file-wide and per-layer stride disagree", "blk.", NULL,
                  "{\"stride\":\"2\",\"blk.stride\":\"3\"}", NULL, 0, WTCONV_ERR_MODEL_FORMAT,
                  "metadata \"stride\" (2) and \"blk.stride\" (3) disagree about the file's only "
                  "layer",
                  0);
    expect_stride("per-layer stride not a number", "a.", "b.", "{\"a.stride\":\"2x\"}", "a.", 0,
                  WTCONV_ERR_MODEL_FORMAT,
                  "metadata \"a.stride\" is \"2x\"; expected a decimal integer >= 1", 0);
    expect_stride("another layer's bad stride is not this one's", "a.", "b.",
                  "{\"a.stride\":\"2x\"}", "b.", 0, WTCONV_OK, NULL, 1);
}

/* A path too long to quote whole: the message still says what went wrong. */
static void test_long_path(void) {
    char path[1600];
    memset(path, 'a', sizeof path);
    memcpy(path, "/tmp/", 5);
    memcpy(path + sizeof path - 13, ".safetensors", 13);
    expect_create("a 1599-byte path", path, 1, 8, 8, NULL, WTCONV_ERR_IO, "cannot open the file");
    expect("... quoted by its end",
           strstr(wtconv_last_error(), "model '...aaa") ? WTCONV_ERR_IO : WTCONV_OK, WTCONV_ERR_IO,
           NULL);
}

static void test_header_too_complex(void) {
    const size_t values = (1u << 22) + 8;
    size_t len = 7 + 2 * values, n = 0; /* {"a":[ then "0," per value, then } */
    char *header = malloc(len + 1);
    if (!header) {
        printf("FAIL out of memory\n");
        failed++;
        return;
    }
    memcpy(header, "{\"a\":[", 6);
    n = 6;
    for (size_t i = 0; i < values; i++) {
        header[n++] = '0';
        header[n++] = i + 1 < values ? ',' : ']';
    }
    header[n++] = '}';
    header[n] = '\0';
    expect_model("header with 4 million values", header, NULL, 0, WTCONV_ERR_MODEL_FORMAT,
                 "too many values");
    free(header);
}

static void test_layers(void) {
    float nan_data[10];
    memcpy(nan_data, good_data, sizeof nan_data);
    {
        float data[11] = {0}; /* an 8-byte F64 base kernel, then the other tensors */
        memcpy(data + 2, good_data + 1, 9 * sizeof(float));
        expect_model("weight dtype F64 (valid offsets)",
                     "{\"base_conv.weight\":{\"dtype\":\"F64\",\"shape\":[1,1,1,1],"
                     "\"data_offsets\":[0,8]},"
                     "\"base_scale.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1],"
                     "\"data_offsets\":[8,12]},"
                     "\"wavelet_convs.0.weight\":{\"dtype\":\"F32\",\"shape\":[4,1,1,1],"
                     "\"data_offsets\":[12,28]},"
                     "\"wavelet_scale.0.weight\":{\"dtype\":\"F32\",\"shape\":[1,4,1,1],"
                     "\"data_offsets\":[28,44]}}",
                     data, 44, WTCONV_ERR_MODEL_FORMAT, "dtype F64");
    }
    expect_model("weight dtype unknown",
                 "{\"base_conv.weight\":{\"dtype\":\"Q4\",\"shape\":[1,1,1,1],"
                 "\"data_offsets\":[0,4]},"
                 "\"base_scale.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1],\"data_offsets\":"
                 "[4,8]},"
                 "\"wavelet_convs.0.weight\":{\"dtype\":\"F32\",\"shape\":[4,1,1,1],"
                 "\"data_offsets\":[8,24]},"
                 "\"wavelet_scale.0.weight\":{\"dtype\":\"F32\",\"shape\":[1,4,1,1],"
                 "\"data_offsets\":[24,40]}}",
                 good_data, sizeof good_data, WTCONV_ERR_MODEL_FORMAT, "dtype Q4");
    /* A dtype the reader cannot size lets a shape claim anything; it must be refused before
     * anything is allocated from that shape (16 GiB here for a 0-byte tensor). */
    expect_model("F32 tensor with a huge shape and no bytes",
                 "{\"base_conv.weight\":{\"dtype\":\"F32\",\"shape\":[536870911,1,1,1],"
                 "\"data_offsets\":[0,0]}}",
                 good_data, 4, WTCONV_ERR_MODEL_FORMAT, "needs 2147483644 bytes");
    expect_model("unknown dtype with a huge shape",
                 "{\"base_conv.weight\":{\"dtype\":\"XX\",\"shape\":[536870911,1,5,5],"
                 "\"data_offsets\":[0,0]},"
                 "\"base_scale.weight\":{\"dtype\":\"XX\",\"shape\":[1,536870911,1,1],"
                 "\"data_offsets\":[0,0]},"
                 "\"wavelet_convs.0.weight\":{\"dtype\":\"XX\",\"shape\":[2147483644,1,5,5],"
                 "\"data_offsets\":[0,0]},"
                 "\"wavelet_scale.0.weight\":{\"dtype\":\"XX\",\"shape\":[1,2147483644,1,1],"
                 "\"data_offsets\":[0,0]},"
                 "\"wt_filter\":{\"dtype\":\"XX\",\"shape\":[2147483644,1,2,2],"
                 "\"data_offsets\":[0,0]}}",
                 good_data, 4, WTCONV_ERR_MODEL_FORMAT, "has dtype XX; weights must be");
    expect_model("base kernel not square",
                 "{\"base_conv.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,2],"
                 "\"data_offsets\":[0,8]}}",
                 good_data, 8, WTCONV_ERR_MODEL_FORMAT, "[C,1,k,k]");
    expect_model("missing base scale",
                 "{\"base_conv.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1],"
                 "\"data_offsets\":[0,4]}}",
                 good_data, 4, WTCONV_ERR_MODEL_FORMAT, "missing tensor 'base_scale.weight'");
    expect_model("no wavelet levels",
                 "{\"base_conv.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1],"
                 "\"data_offsets\":[0,4]},"
                 "\"base_scale.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1],\"data_offsets\":"
                 "[4,8]}}",
                 good_data, 8, WTCONV_ERR_MODEL_FORMAT, "missing tensor 'wavelet_convs.0.weight'");
    {
        float data[14] = {1, 1, 1, 1, 1, 1, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f};
        expect_model("level 1 scale without its kernel",
                     "{" GOOD_TENSORS ",\"wavelet_scale.1.weight\":{\"dtype\":\"F32\",\"shape\":"
                     "[1,4,1,1],\"data_offsets\":[40,56]}}",
                     data, sizeof data, WTCONV_ERR_MODEL_FORMAT,
                     "missing tensor 'wavelet_convs.1.weight' (level 1 of 2)");
    }
    expect_model("wavelet kernel with another k",
                 "{\"base_conv.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1],"
                 "\"data_offsets\":[0,4]},"
                 "\"base_scale.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1],\"data_offsets\":"
                 "[4,8]},"
                 "\"wavelet_convs.0.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,2,2],"
                 "\"data_offsets\":[8,24]},"
                 "\"wavelet_scale.0.weight\":{\"dtype\":\"F32\",\"shape\":[1,4,1,1],"
                 "\"data_offsets\":[24,40]}}",
                 good_data, sizeof good_data, WTCONV_ERR_MODEL_FORMAT,
                 "'wavelet_convs.0.weight' has shape [1,1,2,2]; expected [4,1,1,1]");
    {
        float data[12] = {1, 1, 1, 1, 1, 1, 0.1f, 0.1f, 0.1f, 0.1f, 0.5f, 0.5f};
        expect_model("bias of the wrong length",
                     "{" GOOD_TENSORS ",\"base_conv.bias\":{\"dtype\":\"F32\",\"shape\":[2],"
                     "\"data_offsets\":[40,48]}}",
                     data, sizeof data, WTCONV_ERR_MODEL_FORMAT,
                     "'base_conv.bias' has shape [2]; expected [1]");
    }
    {
        float data[11];
        memcpy(data, good_data, sizeof good_data);
        data[10] = 2;
        expect_model("both naming schemes for one tensor",
                     "{" GOOD_TENSORS ",\"base_weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1],"
                     "\"data_offsets\":[40,44]}}",
                     data, sizeof data, WTCONV_ERR_MODEL_FORMAT, "both give the base kernel");
    }
    nan_data[7] = 0.0f / 0.0f;
    expect_model("NaN in a wavelet scale", "{" GOOD_TENSORS "}", nan_data, sizeof nan_data,
                 WTCONV_ERR_MODEL_FORMAT, "non-finite value (NaN) at element 1");
    nan_data[7] = 1.0f / 0.0f;
    expect_model("Inf in a wavelet scale", "{" GOOD_TENSORS "}", nan_data, sizeof nan_data,
                 WTCONV_ERR_MODEL_FORMAT, "non-finite value (Inf)");
    {
        float data[26];
        memcpy(data, good_data, sizeof good_data);
        for (int i = 0; i < 16; i++)
            data[10 + i] = 0.5f; /* LL taps everywhere: wrong for subbands 1..3 */
        expect_model("wavelet filter not Haar",
                     "{" GOOD_TENSORS ",\"wt_filter\":{\"dtype\":\"F32\",\"shape\":[4,1,2,2],"
                     "\"data_offsets\":[40,104]}}",
                     data, sizeof data, WTCONV_ERR_MODEL_FORMAT, "only the Haar/db1");
    }
    /* A whole network: the file is fine, a request without 'layer' is ambiguous. */
    expect_model("two layers, no layer option", TWO_LAYERS, good_data, 8,
                 WTCONV_ERR_INVALID_ARGUMENT,
                 "the file holds 2 WTConv2d layers (a whole network?) and no 'layer' option says "
                 "which one to run: set it to the layer's key prefix. Layer prefixes found: 'a.', "
                 "'b.c.'");
    expect_layer("two layers, a prefix of neither", TWO_LAYERS, good_data, 8, "c.",
                 WTCONV_ERR_INVALID_ARGUMENT,
                 "no WTConv2d layer with prefix 'c.' (no tensor 'c.base_conv.weight' or "
                 "'c.base_weight'). Layer prefixes found: 'a.', 'b.c.'");
    expect_layer("a layer prefix, no layer in the file",
                 "{\"encoder.weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                 good_data, 8, "encoder.", WTCONV_ERR_MODEL_FORMAT,
                 "no WTConv2d layer found: no tensor is named 'base_conv.weight' or 'base_weight'");
    {
        float data[14] = {1, 1, 1, 1, 1, 1, 0.1f, 0.1f, 0.1f, 0.1f};
        {
            wtconv_options opts;
            write_model("{\"blk.1.base_weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1],"
                        "\"data_offsets\":[0,4]}}",
                        good_data, 4);
            wtconv_options_init(&opts);
            opts.layer = "blk.1";
            expect_create("layer prefix without its trailing dot", model_path, 1, 8, 8, &opts,
                          WTCONV_ERR_INVALID_ARGUMENT,
                          "no WTConv2d layer with prefix 'blk.1' (no tensor "
                          "'blk.1base_conv.weight' or 'blk.1base_weight'); did you mean 'blk.1.'? "
                          "Layer prefixes end with '.'. Layer prefixes found: 'blk.1.'");
        }
        expect_model("level index too deep",
                     "{" GOOD_TENSORS ",\"wavelet_convs.99.weight\":{\"dtype\":\"F32\",\"shape\":"
                     "[4,1,1,1],\"data_offsets\":[40,56]}}",
                     data, sizeof data, WTCONV_ERR_MODEL_FORMAT, "level index too large");
    }
}

/* A valid model cut at every length must fail cleanly: IO or MODEL_FORMAT, never a crash. */
static void test_truncation(void) {
    const char *header = "{" GOOD_TENSORS "}";
    size_t hlen = strlen(header), total = 8 + hlen + sizeof good_data;
    unsigned char *bytes = malloc(total);
    int bad = 0;
    wtconv_ctx *ctx = NULL;
    for (int i = 0; i < 8; i++)
        bytes[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
    memcpy(bytes + 8, header, hlen);
    memcpy(bytes + 8 + hlen, good_data, sizeof good_data);
    test_write_file(model_path, bytes, total);
    if (wtconv_create(model_path, 1, 8, 8, &ctx) != WTCONV_OK) {
        printf("FAIL the untruncated model does not load: %s\n", wtconv_last_error());
        bad = 1;
    }
    wtconv_destroy(ctx);
    for (size_t cut = 0; cut < total; cut++) {
        wtconv_status status;
        ctx = SENTINEL_CTX;
        test_write_file(model_path, bytes, cut);
        status = wtconv_create(model_path, 1, 8, 8, &ctx);
        if ((status != WTCONV_ERR_MODEL_FORMAT && status != WTCONV_ERR_IO) || ctx != NULL) {
            printf("FAIL truncated to %zu bytes: %s\n", cut, wtconv_status_string(status));
            bad = 1;
        }
    }
    free(bytes);
    expect("every truncation of a valid model refused", bad ? WTCONV_ERR_BACKEND_FAILURE : 0, 0,
           NULL);
}

int main(void) {
    test_temp_path(model_path, sizeof model_path, "errors.safetensors");
    test_arguments();
    test_run_arguments();
    test_files();
    test_headers();
    test_layers();
    test_layer_strides();
    test_header_too_complex();
    test_long_path();
    test_truncation();
    remove(model_path);
    printf("errors: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
