/* Unit tests of the Apple backend's portable C, against closed forms and published vectors:
 * SHA-256 (FIPS 180-4 examples), the compiled-model cache key, the Core ML metadata and
 * feature checks, the model-format detection, and the dispatch plan's shapes. */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apple/coreml_meta.h"
#include "apple/dispatch_plan.h"
#include "apple/package_digest.h"
#include "base/sha256.h"
#include "model/format.h"
#include "plan/plan.h"

static int passed, failed;

static void check(int ok, const char *what) {
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    ok ? passed++ : failed++;
}

/* A failure with `status` whose message contains `fragment`. */
static void check_error(wtconv_status got, wtconv_status want, const char *fragment,
                        const char *what) {
    const int ok = got == want && strstr(wtconv_last_error(), fragment) != NULL;
    if (!ok)
        printf("     got %d '%s'; want %d '...%s...'\n", (int)got, wtconv_last_error(), (int)want,
               fragment);
    check(ok, what);
}

static void hex(const unsigned char *d, char out[65]) {
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_sha256(void) {
    static const struct {
        const char *message, *digest;
    } vectors[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    char out[65];
    unsigned char d[32];
    wtconv_sha256 h;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        wtconv_sha256_init(&h);
        wtconv_sha256_update(&h, vectors[i].message, strlen(vectors[i].message));
        wtconv_sha256_final(&h, d);
        hex(d, out);
        check(strcmp(out, vectors[i].digest) == 0, "SHA-256 FIPS 180-4 example");
    }
    {
        /* One million 'a', fed in uneven pieces across block boundaries. */
        static char chunk[997];
        size_t left = 1000000;
        memset(chunk, 'a', sizeof chunk);
        wtconv_sha256_init(&h);
        while (left > 0) {
            size_t n = left < sizeof chunk ? left : sizeof chunk;
            wtconv_sha256_update(&h, chunk, n);
            left -= n;
        }
        wtconv_sha256_final(&h, d);
        hex(d, out);
        check(strcmp(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0,
              "SHA-256 of a million 'a'");
    }
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* A package-like tree under `root`, its entries made in the order `order` gives. */
static void make_tree(const char *root, int reversed) {
    char p[1024];
    mkdir(root, 0700);
    snprintf(p, sizeof p, "%s/Data", root);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/Data/weights", root);
    mkdir(p, 0700);
    if (reversed) {
        snprintf(p, sizeof p, "%s/Manifest.json", root), write_text(p, "{\"a\":1}");
        snprintf(p, sizeof p, "%s/Data/weights/weight.bin", root), write_text(p, "0123456789");
        snprintf(p, sizeof p, "%s/Data/model.mlmodel", root), write_text(p, "spec");
    } else {
        snprintf(p, sizeof p, "%s/Data/model.mlmodel", root), write_text(p, "spec");
        snprintf(p, sizeof p, "%s/Data/weights/weight.bin", root), write_text(p, "0123456789");
        snprintf(p, sizeof p, "%s/Manifest.json", root), write_text(p, "{\"a\":1}");
    }
}

static void remove_tree(const char *root) {
    char p[1024];
    snprintf(p, sizeof p, "%s/Manifest.json", root), remove(p);
    snprintf(p, sizeof p, "%s/link", root), remove(p);
    snprintf(p, sizeof p, "%s/Data/model.mlmodel", root), remove(p);
    snprintf(p, sizeof p, "%s/Data/weights/weight.bin", root), remove(p);
    snprintf(p, sizeof p, "%s/Data/weights", root), rmdir(p);
    snprintf(p, sizeof p, "%s/Data", root), rmdir(p);
    rmdir(root);
}

static void test_package_digest(const char *tmp) {
    char a[512], b[512], p[1024], ka[65], kb[65], kc[65];
    snprintf(a, sizeof a, "%s/digest_a.mlpackage", tmp);
    snprintf(b, sizeof b, "%s/digest_b.mlpackage", tmp);
    remove_tree(a), remove_tree(b);
    make_tree(a, 0), make_tree(b, 1);
    check(wtconv_package_digest(a, "os 1", ka) == WTCONV_OK &&
              wtconv_package_digest(b, "os 1", kb) == WTCONV_OK && strcmp(ka, kb) == 0 &&
              strlen(ka) == 64,
          "digest: same content made in another order, same key");
    check(wtconv_package_digest(a, "os 2", kc) == WTCONV_OK && strcmp(ka, kc) != 0,
          "digest: another salt (OS version), another key");
    snprintf(p, sizeof p, "%s/Data/weights/weight.bin", b), write_text(p, "0123456788");
    check(wtconv_package_digest(b, "os 1", kb) == WTCONV_OK && strcmp(ka, kb) != 0,
          "digest: one byte changed, another key");
    snprintf(p, sizeof p, "%s/Data/weights/weight.bin", b), write_text(p, "0123456789");
    snprintf(p, sizeof p, "%s/Data/model.mlmodel", b), remove(p);
    snprintf(p, sizeof p, "%s/Data/model2.mlmodel", b), write_text(p, "spec");
    check(wtconv_package_digest(b, "os 1", kb) == WTCONV_OK && strcmp(ka, kb) != 0,
          "digest: a file renamed, another key");
    remove(p);
    snprintf(p, sizeof p, "%s/Manifest.json", a);
    check(wtconv_package_digest(p, "os 1", kc) == WTCONV_OK && strcmp(kc, ka) != 0,
          "digest: a single file");
    snprintf(p, sizeof p, "%s/link", a);
    if (symlink("/etc", p) == 0)
        check_error(wtconv_package_digest(a, "os 1", kc), WTCONV_ERR_MODEL_FORMAT, "symbolic link",
                    "digest: a symbolic link inside is refused");
    check_error(wtconv_package_digest("/nonexistent/x.mlpackage", "", kc), WTCONV_ERR_IO,
                "cannot open", "digest: a missing package");
    remove_tree(a), remove_tree(b);
}

static const char *good_keys[] = {
    "wtconv.format", "wtconv.batch",     "wtconv.channels", "wtconv.height",
    "wtconv.width",  "wtconv.kernel",    "wtconv.levels",   "wtconv.stride",
    "wtconv.bias",   "wtconv.precision", "wtconv.layer",    "com.github.apple.coremltools.version"};
static const char *good_values[] = {"1", "2", "32", "57",   "41",        "5",
                                    "3", "2", "1",  "fp16", "blocks.0.", "8.0"};
#define GOOD_COUNT (sizeof good_keys / sizeof good_keys[0])

static wtconv_status read_with(int index, const char *value, wtconv_coreml_layer *layer) {
    const char *values[GOOD_COUNT];
    memcpy(values, good_values, sizeof values);
    if (index >= 0)
        values[index] = value;
    return wtconv_coreml_read_metadata(good_keys, values, GOOD_COUNT, "m.mlpackage", layer);
}

static void test_metadata(void) {
    wtconv_coreml_layer layer;
    wtconv_model model;
    int stride = 0;
    char long_value[400];
    const char *keys_missing[GOOD_COUNT];
    static const struct {
        int index;
        const char *value, *fragment;
    } bad[] = {
        {0, "2", "reads format 1"},
        {1, "0", "'wtconv.batch' is '0'"},
        {2, "-3", "'wtconv.channels'"},
        {3, "057", "'wtconv.height'"},
        {4, " 41", "'wtconv.width'"},
        {5, "256", "from 1 to 255"},
        {6, "33", "from 1 to 32"},
        {7, "99999999999", "'wtconv.stride'"},
        {8, "2", "'wtconv.bias'"},
        {9, "fp64", "'fp32' or 'fp16'"},
        {5, "5x", "'wtconv.kernel'"},
        {3, "", "'wtconv.height' is ''"},
        {3, "1073741825", "'wtconv.height'"},
    };

    check(read_with(-1, NULL, &layer) == WTCONV_OK && layer.batch == 2 && layer.channels == 32 &&
              layer.height == 57 && layer.width == 41 && layer.kernel == 5 && layer.levels == 3 &&
              layer.stride == 2 && layer.has_bias == 1 && layer.fp16 == 1 &&
              strcmp(layer.layer, "blocks.0.") == 0,
          "metadata: every field read; unknown keys ignored");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char what[128];
        snprintf(what, sizeof what, "metadata: %s = '%s' refused", good_keys[bad[i].index],
                 bad[i].value);
        check_error(read_with(bad[i].index, bad[i].value, &layer), WTCONV_ERR_MODEL_FORMAT,
                    bad[i].fragment, what);
    }
    memset(long_value, '7', sizeof long_value - 1);
    long_value[sizeof long_value - 1] = '\0';
    check_error(read_with(10, long_value, &layer), WTCONV_ERR_MODEL_FORMAT, "longer than",
                "metadata: an overlong value refused");
    check_error(wtconv_coreml_read_metadata(good_keys + 1, good_values + 1, GOOD_COUNT - 1,
                                            "m.mlpackage", &layer),
                WTCONV_ERR_MODEL_FORMAT, "export_wtconv_coreml.py",
                "metadata: no wtconv.format: not our model");
    memcpy(keys_missing, good_keys, sizeof keys_missing);
    keys_missing[6] = "wtconv.levelz";
    check_error(
        wtconv_coreml_read_metadata(keys_missing, good_values, GOOD_COUNT, "m.mlpackage", &layer),
        WTCONV_ERR_MODEL_FORMAT, "lacks the 'wtconv.levels'", "metadata: a missing key named");
    keys_missing[6] = "wtconv.kernel";
    check_error(
        wtconv_coreml_read_metadata(keys_missing, good_values, GOOD_COUNT, "m.mlpackage", &layer),
        WTCONV_ERR_MODEL_FORMAT, "appears twice", "metadata: a repeated key refused");
    keys_missing[6] = NULL;
    check_error(
        wtconv_coreml_read_metadata(keys_missing, good_values, GOOD_COUNT, "m.mlpackage", &layer),
        WTCONV_ERR_MODEL_FORMAT, "not a string", "metadata: a NULL key refused");

    (void)read_with(-1, NULL, &layer);
    check(wtconv_coreml_check_request(&layer, "m", NULL, 2, 32, 57, 41, 0, &model, &stride) ==
                  WTCONV_OK &&
              stride == 2 && model.channels == 32 && model.kernel == 5 && model.levels == 3 &&
              model.has_bias == 1 && model.base_weight == NULL,
          "request: the exported shape; the model's stride");
    check(wtconv_coreml_check_request(&layer, "m", "blocks.0.", 2, 32, 57, 41, 3, &model,
                                      &stride) == WTCONV_OK &&
              stride == 3,
          "request: the stride option wins; the right layer prefix");
    check_error(wtconv_coreml_check_request(&layer, "m", NULL, 1, 32, 57, 41, 0, &model, &stride),
                WTCONV_ERR_SHAPE_MISMATCH, "--batch 1 --channels 32 --height 57 --width 41",
                "request: another batch: re-export advice");
    check_error(wtconv_coreml_check_request(&layer, "m", NULL, 2, 32, 56, 41, 0, &model, &stride),
                WTCONV_ERR_SHAPE_MISMATCH, "exported for N=2 C=32 H=57 W=41",
                "request: another height");
    check_error(
        wtconv_coreml_check_request(&layer, "m", "blocks.1.", 2, 32, 57, 41, 0, &model, &stride),
        WTCONV_ERR_MODEL_FORMAT, "holds layer 'blocks.0.' only", "request: another layer prefix");
    /* The good metadata says fp16. */
    check(wtconv_coreml_check_precision(&layer, "m", WTCONV_PRECISION_DEFAULT) == WTCONV_OK &&
              wtconv_coreml_check_precision(&layer, "m", WTCONV_PRECISION_FP16) == WTCONV_OK,
          "precision: default and fp16 take an fp16 model");
    check_error(wtconv_coreml_check_precision(&layer, "m", WTCONV_PRECISION_FP32),
                WTCONV_ERR_INVALID_ARGUMENT, "computes in fp16; options.precision asks for fp32",
                "precision: fp32 asked of an fp16 model");
}

/* The cache key of a package written in memory: stable, and different for any other salt or
 * byte. */
static void test_generated_key(void) {
    wtconv_coreml_package p;
    char a[65], b[65], c[65], d[65];
    memset(&p, 0, sizeof p);
    wtconv_pb_init(&p.model);
    wtconv_blob_file_init(&p.weights);
    wtconv_pb_varint(&p.model, 1, 7);
    wtconv_generated_package_key(&p, "os 1", a);
    wtconv_generated_package_key(&p, "os 1", b);
    wtconv_generated_package_key(&p, "os 2", c);
    wtconv_pb_varint(&p.model, 2, 0);
    wtconv_generated_package_key(&p, "os 1", d);
    check(strlen(a) == 64 && strcmp(a, b) == 0 && strcmp(a, c) != 0 && strcmp(a, d) != 0,
          "generated-package key: stable; another salt or byte gives another");
    wtconv_coreml_package_free(&p);
}

static void make_plan(int n, int c, int h, int w, int k, int levels, int stride, wtconv_plan *plan,
                      wtconv_mtl_plan *mp, uint32_t max_threads) {
    wtconv_model model;
    memset(&model, 0, sizeof model);
    model.channels = c, model.kernel = k, model.levels = levels;
    if (wtconv_plan_make(&model, n, c, h, w, stride, plan) != WTCONV_OK ||
        wtconv_mtl_plan_make(plan, max_threads, mp) != WTCONV_OK)
        printf("     plan failed: %s\n", wtconv_last_error());
}

static void feature_of(const wtconv_mtl_buffer *b, wtconv_coreml_feature *f) {
    memset(f, 0, sizeof *f);
    f->name = b->name, f->is_multiarray = 1, f->is_float32 = 1, f->rank = 4;
    for (int d = 0; d < 4; d++)
        f->shape[d] = b->shape[d];
}

static void test_features(void) {
    wtconv_plan plan;
    wtconv_mtl_plan mp;
    wtconv_coreml_feature in[8], out[8];
    size_t n_in = 0, n_out = 0;
    make_plan(2, 3, 11, 6, 5, 3, 1, &plan, &mp, 256);
    for (int b = 0; b < mp.buffer_count; b++) {
        if (mp.buffers[b].is_coreml_input)
            feature_of(&mp.buffers[b], &in[n_in++]);
        if (mp.buffers[b].is_coreml_output)
            feature_of(&mp.buffers[b], &out[n_out++]);
    }
    check(n_in == 4 && n_out == 4 && strcmp(in[3].name, "coeffs_2") == 0 &&
              strcmp(out[0].name, "base") == 0 && in[3].shape[1] == 12 && in[3].shape[2] == 2 &&
              in[3].shape[3] == 1,
          "features: x, coeffs_0..2 in; base, filtered_0..2 out; odd sizes rounded up");
    check(wtconv_coreml_check_features(&mp, in, n_in, out, n_out, "m") == WTCONV_OK,
          "features: the exported model's features pass");
    out[n_out].name = "debug_extra", out[n_out].rank = 1;
    check(wtconv_coreml_check_features(&mp, in, n_in, out, n_out + 1, "m") == WTCONV_OK,
          "features: an extra output is ignored");
    in[n_in] = in[0], in[n_in].name = "mask";
    check_error(wtconv_coreml_check_features(&mp, in, n_in + 1, out, n_out, "m"),
                WTCONV_ERR_MODEL_FORMAT, "input 'mask' that libwtconv does not feed",
                "features: an extra input is refused");
    check_error(wtconv_coreml_check_features(&mp, in, n_in - 1, out, n_out, "m"),
                WTCONV_ERR_MODEL_FORMAT, "no input 'coeffs_2'", "features: a missing input");
    out[2].shape[3] = 4;
    check_error(wtconv_coreml_check_features(&mp, in, n_in, out, n_out, "m"),
                WTCONV_ERR_MODEL_FORMAT, "has shape [2,12,3,4]; expected [2,12,3,2]",
                "features: a wrong shape");
    out[2].shape[3] = 2, out[2].rank = 3;
    check_error(wtconv_coreml_check_features(&mp, in, n_in, out, n_out, "m"),
                WTCONV_ERR_MODEL_FORMAT, "'filtered_1' has shape [2,12,3]",
                "features: a wrong rank");
    out[2].rank = 4, in[0].is_float32 = 0;
    check_error(wtconv_coreml_check_features(&mp, in, n_in, out, n_out, "m"),
                WTCONV_ERR_MODEL_FORMAT, "input 'x' is not a float32",
                "features: a float16 input refused");
}

static void test_dispatch_plan(void) {
    wtconv_plan plan;
    wtconv_mtl_plan mp;
    const wtconv_mtl_dispatch *d;
    make_plan(2, 3, 11, 6, 4, 3, 2, &plan, &mp, 256);
    /* Level sizes 11x6 -> 6x3 -> 3x2 -> 2x1: ceil at every level. */
    check(mp.buffer_count == 2 * 3 + 3 && mp.forward_count == 3 && mp.inverse_count == 3,
          "plan: 2L+3 buffers, L forward and L inverse dispatches");
    check(mp.buffers[mp.output_buffer].shape[2] == 6 && mp.buffers[mp.output_buffer].shape[3] == 3,
          "plan: y is ceil(11/2) x ceil(6/2) with stride 2");
    d = &mp.dispatches[1];
    check(d->kernel == WTCONV_MTL_HAAR_FORWARD && d->args.haar_forward.src_height == 6 &&
              d->args.haar_forward.src_width == 3 && d->args.haar_forward.dst_height == 3 &&
              d->args.haar_forward.dst_width == 2 &&
              d->args.haar_forward.src_plane_stride == 4 * 6 * 3 &&
              strcmp(mp.buffers[d->buffers[0]].name, "coeffs_0") == 0,
          "plan: level 1 reads the LL planes of coeffs_0 (stride 4*6*3)");
    d = &mp.dispatches[3];
    check(d->kernel == WTCONV_MTL_HAAR_INVERSE_ACCUMULATE &&
              strcmp(mp.buffers[d->buffers[0]].name, "filtered_2") == 0 &&
              strcmp(mp.buffers[d->buffers[1]].name, "filtered_1") == 0 &&
              d->args.haar_inverse.dst_height == 3 && d->args.haar_inverse.dst_width == 2,
          "plan: the inverse starts at the deepest level, cropping to its input size");
    d = &mp.dispatches[5];
    check(d->kernel == WTCONV_MTL_RECONSTRUCT_OUTPUT && d->args.reconstruct.stride == 2 &&
              d->grid[0] == 3 && d->grid[1] == 6 && d->grid[2] == 6,
          "plan: the last dispatch writes y, one thread per output element");
    make_plan(1, 1, 40, 40, 3, 1, 1, &plan, &mp, 1);
    d = &mp.dispatches[0];
    check(d->threads_per_group[0] == 1 && d->threads_per_group[1] == 1 &&
              d->threadgroups[0] == 20 && d->threadgroups[1] == 20,
          "plan: a pipeline limit of 1 thread gives 1x1x1 threadgroups");
    {
        wtconv_model model;
        memset(&model, 0, sizeof model);
        model.channels = 1 << 30, model.kernel = 3, model.levels = 1;
        check_error(wtconv_plan_make(&model, 1, 1 << 30, 1, 1, 1, &plan) == WTCONV_OK
                        ? wtconv_mtl_plan_make(&plan, 256, &mp)
                        : WTCONV_ERR_INVALID_ARGUMENT,
                    WTCONV_ERR_SHAPE_MISMATCH, "32 bits",
                    "plan: N*C past the kernels' 32-bit planes is refused");
    }
    {
        char name[WTCONV_MTL_NAME_MAX];
        wtconv_mtl_buffer_name(WTCONV_MTL_FILTERED, 31, name);
        check(strcmp(name, "filtered_31") == 0, "plan: the deepest level's name fits");
    }
}

static void test_formats(void) {
    check(wtconv_model_format_of("a/b.mlpackage") == WTCONV_MODEL_COREML &&
              wtconv_model_format_of("a/b.MLPackage//") == WTCONV_MODEL_COREML &&
              wtconv_model_format_of("b.mlmodelc") == WTCONV_MODEL_COREML &&
              wtconv_model_format_of("b.mlmodel") == WTCONV_MODEL_COREML,
          "format: Core ML suffixes, any case, trailing slashes");
    check(wtconv_model_format_of("b.safetensors") == WTCONV_MODEL_SAFETENSORS &&
              wtconv_model_format_of("mlpackage") == WTCONV_MODEL_SAFETENSORS &&
              wtconv_model_format_of("") == WTCONV_MODEL_SAFETENSORS &&
              wtconv_model_format_of("b.mlmodel.bak") == WTCONV_MODEL_SAFETENSORS,
          "format: anything else is read as safetensors");
    check(wtconv_model_is_compiled_coreml("x/b.mlmodelc/") &&
              !wtconv_model_is_compiled_coreml("b.mlpackage") &&
              !wtconv_model_is_compiled_coreml("b.mlmodel"),
          "format: only .mlmodelc is compiled already");
}

int main(int argc, char **argv) {
    const char *tmp = argc > 1 ? argv[1] : ".";
    test_sha256();
    test_package_digest(tmp);
    test_generated_key();
    test_metadata();
    test_features();
    test_dispatch_plan();
    test_formats();
    printf("apple portable: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
