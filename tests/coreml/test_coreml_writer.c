/* The library's own Core ML writer (src/coreml, through wtconv_write_coreml) against what
 * coremltools 9 writes for the same layers (tests/data/coreml/NAME.mlpackage, made by
 * tools/make_coreml_golden.py through tools/export_wtconv_coreml.py): both packages are decoded
 * by tests/support/coreml_package_reader.c, independently of the writer, and must give the same
 * text: the same features, shapes, dtypes and wtconv metadata, the same operations in the same
 * order with the same inputs and attributes, every weight equal to the last bit, and a valid
 * blob file. Also: the Apple backend's own checks accept what the writer writes (coreml_meta.c,
 * dispatch_plan.c), a package is the same bytes every time, and bad requests fail cleanly.
 *     test_coreml_writer CORE_ML_DATA_DIR GOLDEN_DIR */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apple/coreml_meta.h"
#include "apple/dispatch_plan.h"
#include "coreml_package_reader.h"
#include "plan/plan.h"
#include "st_writer.h"
#include "test_util.h"
#include "wtconv/wtconv.h"

/* The cases in tests/data/coreml/cases.txt. */
#define COREML_CASES 11

static int failures;

TEST_PRINTF(1, 2) static void failf(const char *fmt, ...);
static void failf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    failures++;
}

#define MAX_PATH_BYTES 4096

/* The package folders the writer makes, innermost last; removed in reverse. */
static const char *const package_folders[] = {"", "/Data", "/Data/com.apple.CoreML",
                                              "/Data/com.apple.CoreML/weights"};
static const char *const package_files[] = {"/Manifest.json",
                                            "/Data/com.apple.CoreML/model.mlmodel",
                                            "/Data/com.apple.CoreML/weights/weight.bin"};

static void remove_package(const char *path) {
    char full[MAX_PATH_BYTES];
    for (size_t i = 0; i < sizeof package_files / sizeof package_files[0]; i++) {
        snprintf(full, sizeof full, "%s%s", path, package_files[i]);
        remove(full);
    }
    for (size_t i = sizeof package_folders / sizeof package_folders[0]; i-- > 0;) {
        snprintf(full, sizeof full, "%s%s", path, package_folders[i]);
        remove(full); /* POSIX remove() removes empty folders too */
    }
}

static int exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

/* The first line where two texts differ, with the lines around it. */
static void report_difference(const char *name, const char *theirs, const char *ours) {
    const char *a = theirs, *b = ours;
    int line = 1;
    while (*a && *a == *b) {
        if (*a == '\n')
            line++;
        a++;
        b++;
    }
    while (a > theirs && a[-1] != '\n') /* back to the start of the line */
        a--, b--;
    failf("%s: the library's package differs from coremltools' at line %d of the decoded text:\n"
          "  coremltools: %.*s\n  libwtconv:   %.*s",
          name, line, (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
}

/* Checks the writer's package with the Apple backend's portable checks, from the decoded text:
 * the wtconv.* metadata must read back as the request, and the features must be exactly the
 * Core ML buffers the Metal plan binds. */
static void check_with_apple_checks(const char *name, const char *text, const wtconv_plan *plan,
                                    int fp16) {
    enum { MAX_ENTRIES = 80 };
    char keys[MAX_ENTRIES][64], values[MAX_ENTRIES][300], names[2][MAX_ENTRIES][32];
    const char *key_list[MAX_ENTRIES], *value_list[MAX_ENTRIES];
    wtconv_coreml_feature features[2][MAX_ENTRIES];
    size_t count = 0, feature_count[2] = {0, 0};
    wtconv_coreml_layer layer;
    wtconv_mtl_plan mtl;
    const char *line = text;
    memset(features, 0, sizeof features);
    for (; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : line + strlen(line)) {
        int is_input = strncmp(line, "input ", 6) == 0;
        if (strncmp(line, "metadata ", 9) == 0 && count < MAX_ENTRIES) {
            if (sscanf(line, "metadata %63s = \"%299[^\"\n]\"", keys[count], values[count]) < 1)
                continue;
            if (strncmp(strchr(line, '=') + 2, "\"\"", 2) == 0)
                values[count][0] = '\0';
            key_list[count] = keys[count];
            value_list[count] = values[count];
            count++;
        } else if ((is_input || strncmp(line, "output ", 7) == 0) &&
                   feature_count[!is_input] < MAX_ENTRIES) {
            const int side = !is_input;
            wtconv_coreml_feature *f = &features[side][feature_count[side]];
            char dtype[16];
            long long d[4];
            if (sscanf(line + (is_input ? 6 : 7), "%31s multiarray %15s [%lld,%lld,%lld,%lld]",
                       names[side][feature_count[side]], dtype, &d[0], &d[1], &d[2], &d[3]) != 6)
                continue;
            f->name = names[side][feature_count[side]];
            f->is_multiarray = 1;
            f->is_float32 = strcmp(dtype, "FLOAT32") == 0;
            f->rank = 4;
            for (int i = 0; i < 4; i++)
                f->shape[i] = d[i];
            feature_count[side]++;
        }
    }
    if (wtconv_coreml_read_metadata(key_list, value_list, count, name, &layer) != WTCONV_OK) {
        failf("%s: the Apple backend refuses the metadata: %s", name, wtconv_last_error());
        return;
    }
    if (layer.batch != plan->batch || layer.channels != plan->channels ||
        layer.height != plan->height || layer.width != plan->width ||
        layer.kernel != plan->kernel || layer.levels != plan->levels ||
        layer.stride != plan->stride || layer.fp16 != fp16)
        failf("%s: the metadata reads back as N=%d C=%d H=%d W=%d k=%d L=%d stride %d fp16 %d",
              name, layer.batch, layer.channels, layer.height, layer.width, layer.kernel,
              layer.levels, layer.stride, layer.fp16);
    if (wtconv_mtl_plan_make(plan, 1024, &mtl) != WTCONV_OK ||
        wtconv_coreml_check_features(&mtl, features[0], feature_count[0], features[1],
                                     feature_count[1], name) != WTCONV_OK)
        failf("%s: the Apple backend refuses the features: %s", name, wtconv_last_error());
}

/* The plan the request makes, from the layer's own numbers (for the Apple checks). */
static int plan_of(const char *model, const char *layer, int n, int c, int h, int w,
                   int stride_option, wtconv_plan *plan) {
    wtconv_options o;
    wtconv_ctx *ctx = NULL;
    wtconv_model shape;
    wtconv_options_init(&o);
    o.batch = n;
    o.layer = layer;
    o.stride = stride_option;
    o.backend = WTCONV_BACKEND_CPU;
    if (wtconv_create_with_options(model, c, h, w, &o, &ctx) != WTCONV_OK)
        return -1;
    memset(&shape, 0, sizeof shape);
    shape.channels = c;
    shape.kernel = wtconv_kernel_size(ctx);
    shape.levels = wtconv_levels(ctx);
    shape.has_bias = wtconv_has_bias(ctx);
    stride_option = wtconv_stride(ctx);
    wtconv_destroy(ctx);
    return wtconv_plan_make(&shape, n, c, h, w, stride_option, plan) == WTCONV_OK ? 0 : -1;
}

static int same_file(const char *a, const char *b) {
    size_t na = 0, nb = 0;
    unsigned char *da = test_read_file(a, &na), *db = test_read_file(b, &nb);
    int same = da && db && na == nb && memcmp(da, db, na) == 0;
    free(da);
    free(db);
    return same;
}

static void run_case(const char *data_dir, const char *golden_dir, const char *line) {
    char name[64], model_file[128], layer[128], precision[8];
    int n, c, h, w, stride;
    char model[MAX_PATH_BYTES], theirs[MAX_PATH_BYTES], ours[MAX_PATH_BYTES], again[MAX_PATH_BYTES],
        why[512];
    char *their_text = NULL, *our_text = NULL;
    wtconv_options o;
    wtconv_plan plan;
    if (sscanf(line, "%63s %127s %127s %d %d %d %d %d %7s", name, model_file, layer, &n, &c, &h, &w,
               &stride, precision) != 9) {
        failf("cases.txt: cannot read '%s'", line);
        return;
    }
    snprintf(model, sizeof model, "%s/%s", golden_dir, model_file);
    snprintf(theirs, sizeof theirs, "%s/%s.mlpackage", data_dir, name);
    test_temp_path(ours, sizeof ours, name);
    test_temp_path(again, sizeof again, "again");
    remove_package(ours);
    remove_package(again);
    wtconv_options_init(&o);
    o.batch = n;
    o.stride = stride;
    o.layer = strcmp(layer, "-") ? layer : NULL;
    o.precision = strcmp(precision, "fp16") == 0 ? WTCONV_PRECISION_FP16 : WTCONV_PRECISION_FP32;
    if (wtconv_write_coreml(model, c, h, w, &o, ours) != WTCONV_OK) {
        failf("%s: wtconv_write_coreml: %s", name, wtconv_last_error());
        return;
    }
    if (coreml_package_describe(theirs, &their_text, why, sizeof why) != 0)
        failf("%s: coremltools' package: %s", name, why);
    else if (coreml_package_describe(ours, &our_text, why, sizeof why) != 0)
        failf("%s: the library's package: %s", name, why);
    else if (strcmp(their_text, our_text) != 0)
        report_difference(name, their_text, our_text);
    else
        printf("ok   %s: equal to coremltools' package\n", name);
    if (our_text && plan_of(model, o.layer, n, c, h, w, stride, &plan) == 0)
        check_with_apple_checks(name, our_text, &plan, o.precision == WTCONV_PRECISION_FP16);
    else if (our_text)
        failf("%s: cannot plan the request: %s", name, wtconv_last_error());
    /* The same request gives the same bytes: the Apple backend's cache key relies on it. */
    if (wtconv_write_coreml(model, c, h, w, &o, again) != WTCONV_OK)
        failf("%s: second write: %s", name, wtconv_last_error());
    for (size_t i = 0; i < sizeof package_files / sizeof package_files[0]; i++) {
        char a[MAX_PATH_BYTES], b[MAX_PATH_BYTES];
        snprintf(a, sizeof a, "%s%s", ours, package_files[i]);
        snprintf(b, sizeof b, "%s%s", again, package_files[i]);
        if (!same_file(a, b))
            failf("%s: %s differs between two writes of the same request", name, package_files[i]);
    }
    free(their_text);
    free(our_text);
    remove_package(ours);
    remove_package(again);
}

/* A model file whose name is not UTF-8 (byte 0xE8) and runs long in two-byte characters: the
 * package's strings (description, wtconv.source) must still be well-formed UTF-8, which the
 * reader checks, with the bad byte as '?' and no character cut in two. */
static void check_file_name(const char *golden_dir) {
    char model[MAX_PATH_BYTES], name[256], copy[MAX_PATH_BYTES], out[MAX_PATH_BYTES], why[512];
    char expect[MAX_PATH_BYTES + 32], *text = NULL;
    size_t at;
    FILE *in, *dst;
    int ch;
    snprintf(model, sizeof model, "%s/l1_k5_c4.safetensors", golden_dir);
    at = (size_t)snprintf(name, sizeof name, "mod\xe8le-");
    for (int i = 0; i < 60; i++) /* U+00E9, two bytes each */
        at += (size_t)snprintf(name + at, sizeof name - at, "\xc3\xa9");
    snprintf(name + at, sizeof name - at, ".safetensors");
    test_temp_path(copy, sizeof copy, name);
    test_temp_path(out, sizeof out, "file-name.mlpackage");
    remove_package(out);
    in = fopen(model, "rb");
    dst = fopen(copy, "wb");
    if (in && !dst && errno == EILSEQ) { /* file systems that keep names in UTF-8 (APFS) */
        printf("skip a model file name that is not UTF-8: this file system refuses it\n");
        fclose(in);
        return;
    }
    if (!in || !dst) {
        failf("file name: cannot copy '%s' to a name that is not UTF-8", model);
        if (in)
            fclose(in);
        if (dst)
            fclose(dst);
        return;
    }
    while ((ch = fgetc(in)) != EOF)
        fputc(ch, dst);
    fclose(in);
    fclose(dst);
    snprintf(expect, sizeof expect, "metadata wtconv.source = \"%s\"", strrchr(copy, '/') + 1);
    for (char *p = expect; *p; p++)
        if ((unsigned char)*p == 0xe8)
            *p = '?';
    if (wtconv_write_coreml(copy, 4, 16, 16, NULL, out) != WTCONV_OK)
        failf("file name: wtconv_write_coreml: %s", wtconv_last_error());
    else if (coreml_package_describe(out, &text, why, sizeof why) != 0)
        failf("file name: %s", why);
    else if (!strstr(text, expect))
        failf("file name: the package lacks %s", expect);
    else
        printf("ok   a model file name that is not UTF-8: well-formed strings, '?' for the bad "
               "byte\n");
    free(text);
    remove(copy);
    remove_package(out);
}

static void expect_failure(const char *what, wtconv_status got, wtconv_status want,
                           const char *fragment) {
    if (got != want)
        failf("%s: status %d, expected %d (%s)", what, (int)got, (int)want, wtconv_last_error());
    else if (fragment && !strstr(wtconv_last_error(), fragment))
        failf("%s: message '%s' lacks '%s'", what, wtconv_last_error(), fragment);
    else
        printf("ok   %s: %s\n", what, wtconv_last_error());
}

/* Bad requests: a status and a message, and nothing left on disk. */
static void check_errors(const char *golden_dir) {
    char model[MAX_PATH_BYTES], path[MAX_PATH_BYTES], big[MAX_PATH_BYTES],
        missing_parent[MAX_PATH_BYTES + 32], marker[MAX_PATH_BYTES + 16];
    wtconv_options o;
    snprintf(model, sizeof model, "%s/l1_k5_c4.safetensors", golden_dir);
    test_temp_path(path, sizeof path, "errors.mlpackage");
    remove_package(path);

    expect_failure("NULL model path", wtconv_write_coreml(NULL, 4, 16, 16, NULL, path),
                   WTCONV_ERR_INVALID_ARGUMENT, "model_path");
    expect_failure("NULL package path", wtconv_write_coreml(model, 4, 16, 16, NULL, NULL),
                   WTCONV_ERR_INVALID_ARGUMENT, "package_path");
    expect_failure("zero height", wtconv_write_coreml(model, 4, 0, 16, NULL, path),
                   WTCONV_ERR_INVALID_ARGUMENT, "height");
    expect_failure("wrong channels", wtconv_write_coreml(model, 5, 16, 16, NULL, path),
                   WTCONV_ERR_SHAPE_MISMATCH, NULL);
    expect_failure("a Core ML model as the source",
                   wtconv_write_coreml("x.mlpackage", 4, 16, 16, NULL, path),
                   WTCONV_ERR_INVALID_ARGUMENT, "Core ML model already");
    wtconv_options_init(&o);
    o.precision = (wtconv_precision)7;
    expect_failure("precision 7", wtconv_write_coreml(model, 4, 16, 16, &o, path),
                   WTCONV_ERR_INVALID_ARGUMENT, "options.precision");
    wtconv_options_init(&o);
    o.compute_units = (wtconv_compute_units)-1;
    expect_failure("compute units -1", wtconv_write_coreml(model, 4, 16, 16, &o, path),
                   WTCONV_ERR_INVALID_ARGUMENT, "options.compute_units");
    if (exists(path))
        failf("a failed write left '%s' behind", path);

    /* Never overwrites: an existing path is refused and left as it was. */
    if (test_write_file(path, "keep", 4) != 0) {
        failf("cannot write '%s'", path);
    } else {
        size_t size = 0;
        unsigned char *kept;
        expect_failure("existing path", wtconv_write_coreml(model, 4, 16, 16, NULL, path),
                       WTCONV_ERR_IO, "exists");
        kept = test_read_file(path, &size);
        if (!kept || size != 4 || memcmp(kept, "keep", 4) != 0)
            failf("the existing file at '%s' was changed", path);
        free(kept);
        remove(path);
    }
    snprintf(missing_parent, sizeof missing_parent, "%s/no/such/folder.mlpackage", path);
    expect_failure("missing parent folder",
                   wtconv_write_coreml(model, 4, 16, 16, NULL, missing_parent), WTCONV_ERR_IO,
                   "cannot create the folder");

    /* A folded weight beyond float16's range: fp16 is refused, fp32 is fine. */
    {
        enum { C = 2, K = 3, L = 1 };
        float base[C * K * K], bias[C], scale[C], wave[4 * C * K * K], wave_scale[4 * C];
        st_writer *st = st_writer_new();
        for (int i = 0; i < C * K * K; i++)
            base[i] = 0.25f;
        base[5] = 300.0f;
        for (int i = 0; i < C; i++)
            bias[i] = 0.5f, scale[i] = 1000.0f; /* 300 * 1000 > 65504 */
        for (int i = 0; i < 4 * C * K * K; i++)
            wave[i] = 0.125f;
        for (int i = 0; i < 4 * C; i++)
            wave_scale[i] = 0.5f;
        test_temp_path(big, sizeof big, "big.safetensors");
        if (!st || st_writer_add_layer(st, C, K, L, base, bias, scale, wave, wave_scale) != 0 ||
            st_writer_save(st, big) != 0) {
            failf("cannot write '%s': %s", big, st_writer_error(st));
        } else {
            wtconv_options_init(&o);
            o.precision = WTCONV_PRECISION_FP16;
            expect_failure("fp16 overflow", wtconv_write_coreml(big, C, 8, 8, &o, path),
                           WTCONV_ERR_MODEL_FORMAT, "float16");
            if (exists(path))
                failf("a failed write left '%s' behind", path);
            o.precision = WTCONV_PRECISION_FP32;
            if (wtconv_write_coreml(big, C, 8, 8, &o, path) != WTCONV_OK)
                failf("fp32 of the same layer: %s", wtconv_last_error());
            else
                printf("ok   the same layer in fp32 is written\n");
            remove_package(path);
        }
        st_writer_free(st);
        remove(big);
    }
    snprintf(marker, sizeof marker, "%s%s", path, package_files[0]);
    if (exists(marker))
        failf("'%s' was left behind", marker);
}

int main(int argc, char **argv) {
    char cases[MAX_PATH_BYTES], line[1024];
    FILE *f;
    int count = 0;
    if (argc != 3) {
        fprintf(stderr, "usage: test_coreml_writer CORE_ML_DATA_DIR GOLDEN_DIR\n");
        return 2;
    }
    snprintf(cases, sizeof cases, "%s/cases.txt", argv[1]);
    if (!(f = fopen(cases, "r"))) {
        fprintf(stderr, "cannot open '%s'\n", cases);
        return 1;
    }
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        run_case(argv[1], argv[2], line);
        count++;
    }
    fclose(f);
    /* Exactly the cases tools/make_coreml_golden.py wrote, so that none is lost quietly. */
    if (count != COREML_CASES)
        failf("%d cases in '%s' (expected %d)", count, cases, COREML_CASES);
    check_errors(argv[2]);
    check_file_name(argv[2]);
    printf("%d cases, %d failures\n", count, failures);
    return failures ? 1 : 0;
}
