/* wtconv-cli: runs one WTConv2d layer from a model file on a raw float32 tensor (or a
 * deterministic pseudo-random one), prints timings and an output summary, and optionally
 * writes the output or checks it against an expected tensor.
 * Exit status: 0 success, 1 a library or file error, 2 a usage error, 3 an --expect-f32
 * mismatch (see usage()). */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wtconv/wtconv.h>

#include "raw_f32.h"

/* The exit statuses, as usage() documents them. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_ERROR = 1, CLI_EXIT_USAGE = 2, CLI_EXIT_MISMATCH = 3 };

typedef struct cli_args {
    const char *model;
    const char *input_path;
    const char *output_path;
    const char *expect_path;
    const char *coreml_path; /* --write-coreml: write the package and exit */
    int channels, height, width, repeat;
    wtconv_options options;
} cli_args;

static void usage(FILE *out) {
    fprintf(out,
            "usage: wtconv-cli --model FILE.safetensors --channels C --height H --width W "
            "[options]\n"
            "  --model PATH        model file: .safetensors, or on Apple platforms a Core ML\n"
            "                      .mlpackage/.mlmodelc (from --write-coreml or\n"
            "                      tools/export_wtconv_coreml.py)\n"
            "  --channels C        input channels (required)\n"
            "  --height H          input height (required)\n"
            "  --width W           input width (required)\n"
            "  --batch N           batch size (default 1)\n"
            "  --input-f32 PATH    raw little-endian float32 input, N*C*H*W (NCHW);\n"
            "                      default: a deterministic pseudo-random input\n"
            "  --output-f32 PATH   write the output there, N*C*H_out*W_out float32\n"
            "  --expect-f32 PATH   compare the output with this tensor; exit 3 on mismatch\n"
            "  --backend NAME      auto (default), cpu, metal or cuda\n"
            "  --threads T         CPU worker threads (0 = one per core, default)\n"
            "  --layer PREFIX      the layer's key prefix in a multi-layer file\n"
            "  --stride S          output stride (default: from the model file, else 1)\n"
            "  --repeat R          timed runs after the first (default 10)\n"
            "  --write-coreml OUT.mlpackage\n"
            "                      write the layer's Core ML package for this request (N, C,\n"
            "                      H, W, stride, layer, precision) and exit, running nothing;\n"
            "                      any platform\n"
            "  --precision P       Core ML precision, fp32 or fp16; default: fp32 for what the\n"
            "                      library writes, a Core ML model's own precision\n"
            "  --compute-units U   Core ML units: all (default), cpu-gpu, cpu-ne, cpu\n"
            "  --version           print the library version\n"
            "exit status: 0 success; 1 a library or file error (create, run, reading or\n"
            "  writing a tensor); 2 a usage error; 3 the output does not match --expect-f32\n");
}

static int parse_int(const char *flag, const char *text, int min, int *out) {
    char *end;
    long value;
    errno = 0;
    value = strtol(text, &end, 10);
    if (errno || end == text || *end || value < min || value > INT_MAX) {
        fprintf(stderr, "wtconv-cli: %s needs an integer >= %d, got '%s'\n", flag, min, text);
        return -1;
    }
    *out = (int)value;
    return 0;
}

static int parse_precision(const char *text, wtconv_precision *out) {
    if (!strcmp(text, "fp32") || !strcmp(text, "fp16")) {
        *out = text[2] == '3' ? WTCONV_PRECISION_FP32 : WTCONV_PRECISION_FP16;
        return 0;
    }
    fprintf(stderr, "wtconv-cli: --precision must be fp32 or fp16, got '%s'\n", text);
    return -1;
}

static int parse_compute_units(const char *text, wtconv_compute_units *out) {
    static const struct {
        const char *name;
        wtconv_compute_units units;
    } names[] = {{"all", WTCONV_COMPUTE_UNITS_ALL},
                 {"cpu-gpu", WTCONV_COMPUTE_UNITS_CPU_AND_GPU},
                 {"cpu-ne", WTCONV_COMPUTE_UNITS_CPU_AND_NEURAL_ENGINE},
                 {"cpu", WTCONV_COMPUTE_UNITS_CPU_ONLY}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!strcmp(text, names[i].name)) {
            *out = names[i].units;
            return 0;
        }
    }
    fprintf(stderr, "wtconv-cli: --compute-units must be all, cpu-gpu, cpu-ne or cpu, got '%s'\n",
            text);
    return -1;
}

static int parse_backend(const char *text, wtconv_backend *out) {
    static const struct {
        const char *name;
        wtconv_backend backend;
    } names[] = {{"auto", WTCONV_BACKEND_AUTO},
                 {"cpu", WTCONV_BACKEND_CPU},
                 {"metal", WTCONV_BACKEND_METAL},
                 {"cuda", WTCONV_BACKEND_CUDA}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!strcmp(text, names[i].name)) {
            *out = names[i].backend;
            return 0;
        }
    }
    fprintf(stderr, "wtconv-cli: --backend must be auto, cpu, metal or cuda, got '%s'\n", text);
    return -1;
}

/* Returns 0 to go on, 1 to exit successfully (help, version), -1 on a usage error. */
static int parse_args(int argc, char **argv, cli_args *a) {
    memset(a, 0, sizeof *a); /* sizes 0: not given */
    a->repeat = 10;
    wtconv_options_init(&a->options);
    for (int i = 1; i < argc; i++) {
        const char *flag = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        int rc = 0;
        if (!strcmp(flag, "--help") || !strcmp(flag, "-h")) {
            usage(stdout);
            return 1;
        }
        if (!strcmp(flag, "--version")) {
            printf("libwtconv %s\n", wtconv_version_string());
            return 1;
        }
        if (!value) {
            fprintf(stderr, "wtconv-cli: unknown option or missing value: '%s'\n", flag);
            usage(stderr);
            return -1;
        }
        i++;
        if (!strcmp(flag, "--model"))
            a->model = value;
        else if (!strcmp(flag, "--input-f32"))
            a->input_path = value;
        else if (!strcmp(flag, "--output-f32"))
            a->output_path = value;
        else if (!strcmp(flag, "--expect-f32"))
            a->expect_path = value;
        else if (!strcmp(flag, "--layer"))
            a->options.layer = value;
        else if (!strcmp(flag, "--channels"))
            rc = parse_int(flag, value, 1, &a->channels);
        else if (!strcmp(flag, "--height"))
            rc = parse_int(flag, value, 1, &a->height);
        else if (!strcmp(flag, "--width"))
            rc = parse_int(flag, value, 1, &a->width);
        else if (!strcmp(flag, "--batch"))
            rc = parse_int(flag, value, 1, &a->options.batch);
        else if (!strcmp(flag, "--threads"))
            rc = parse_int(flag, value, 0, &a->options.num_threads);
        else if (!strcmp(flag, "--stride"))
            rc = parse_int(flag, value, 1, &a->options.stride);
        else if (!strcmp(flag, "--repeat"))
            rc = parse_int(flag, value, 0, &a->repeat);
        else if (!strcmp(flag, "--backend"))
            rc = parse_backend(value, &a->options.backend);
        else if (!strcmp(flag, "--write-coreml"))
            a->coreml_path = value;
        else if (!strcmp(flag, "--precision"))
            rc = parse_precision(value, &a->options.precision);
        else if (!strcmp(flag, "--compute-units"))
            rc = parse_compute_units(value, &a->options.compute_units);
        else {
            fprintf(stderr, "wtconv-cli: unknown option '%s'\n", flag);
            usage(stderr);
            return -1;
        }
        if (rc)
            return -1;
    }
    if (!a->model) {
        fprintf(stderr, "wtconv-cli: --model is required\n");
        usage(stderr);
        return -1;
    }
    /* The input's size is create's to check, not something to guess (the model fixes C, but
     * runs on any H x W): no default could be right. Name every size flag that is missing. */
    if (!a->channels || !a->height || !a->width) {
        fprintf(stderr, "wtconv-cli: the input's size is required; missing:%s%s%s\n",
                a->channels ? "" : " --channels", a->height ? "" : " --height",
                a->width ? "" : " --width");
        return -1;
    }
    /* A script asking for a check must not get a package and exit 0 without one. */
    if (a->coreml_path && (a->input_path || a->output_path || a->expect_path)) {
        fprintf(stderr, "wtconv-cli: --write-coreml writes a package and runs nothing: "
                        "--input-f32, --output-f32 and --expect-f32 do not go with it\n");
        return -1;
    }
    return 0;
}

static double now_ms(void) {
    struct timespec ts;
#if defined(CLOCK_MONOTONIC)
    clock_gettime(CLOCK_MONOTONIC, &ts);
#else
    timespec_get(&ts, TIME_UTC);
#endif
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* Deterministic input in [-1, 1) so runs without --input-f32 are reproducible. */
static void fill_pseudo_random(float *x, size_t count) {
    unsigned long long state = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < count; i++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = (float)((double)(state >> 40) / (double)(1ull << 24) * 2.0 - 1.0);
    }
}

static void print_summary(const float *y, size_t count) {
    double sum = 0, abs_sum = 0;
    float lo = INFINITY, hi = -INFINITY;
    size_t nan_count = 0;
    for (size_t i = 0; i < count; i++) {
        sum += y[i];
        abs_sum += fabs(y[i]);
        if (y[i] != y[i]) {
            nan_count++;
            continue;
        }
        lo = y[i] < lo ? y[i] : lo;
        hi = y[i] > hi ? y[i] : hi;
    }
    printf("output: min %.6f  max %.6f  mean %.6f  mean|y| %.6f", (double)lo, (double)hi,
           sum / (double)count, abs_sum / (double)count);
    if (nan_count)
        printf("  (%zu NaN, left out of min and max)", nan_count);
    printf("\n");
    printf("output[0..5]:");
    for (size_t i = 0; i < count && i < 6; i++)
        printf(" %.6f", (double)y[i]);
    printf("\n");
}

/* The library's accuracy contract: max|y - ref| <= 1e-5 * max|ref| + 1e-6. */
static int compare(const float *y, const float *ref, size_t count) {
    double max_err = 0, max_ref = 0, bound;
    for (size_t i = 0; i < count; i++) {
        /* An infinite reference value would make the bound infinite and pass anything. */
        if (!isfinite(ref[i])) {
            printf(
                "check: the expected tensor holds a non-finite value (%g) at element %zu: FAIL\n",
                (double)ref[i], i);
            return -1;
        }
        double err = fabs((double)y[i] - (double)ref[i]);
        max_err = err > max_err || err != err ? err : max_err;
        max_ref = fabs(ref[i]) > max_ref ? fabs(ref[i]) : max_ref;
    }
    bound = 1e-5 * max_ref + 1e-6;
    printf("check: max|y - expected| = %.3g (bound %.3g, max|expected| = %.3g): %s\n", max_err,
           bound, max_ref, max_err <= bound ? "PASS" : "FAIL");
    return max_err <= bound ? 0 : -1;
}

int main(int argc, char **argv) {
    cli_args a;
    wtconv_ctx *ctx = NULL;
    wtconv_status status;
    float *x = NULL, *y = NULL, *expected = NULL;
    size_t in_count, out_count;
    int n, c, oh, ow, rc = CLI_EXIT_ERROR;
    char error[512];
    double t0, create_ms, first_ms, total_ms = 0, best_ms = 0;

    int parsed = parse_args(argc, argv, &a);
    if (parsed != 0)
        return parsed > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;

    if (a.coreml_path) {
        status =
            wtconv_write_coreml(a.model, a.channels, a.height, a.width, &a.options, a.coreml_path);
        if (status != WTCONV_OK) {
            fprintf(stderr, "wtconv-cli: %s\n  %s\n", wtconv_status_string(status),
                    wtconv_last_error());
            return CLI_EXIT_ERROR;
        }
        printf("wrote %s\n", a.coreml_path);
        return CLI_EXIT_OK;
    }

    t0 = now_ms();
    status = wtconv_create_with_options(a.model, a.channels, a.height, a.width, &a.options, &ctx);
    create_ms = now_ms() - t0;
    if (status != WTCONV_OK) {
        fprintf(stderr, "wtconv-cli: %s\n  %s\n", wtconv_status_string(status),
                wtconv_last_error());
        return CLI_EXIT_ERROR;
    }
    wtconv_output_shape(ctx, &n, &c, &oh, &ow);
    in_count = wtconv_input_size(ctx);
    out_count = wtconv_output_size(ctx);
    /* e.g. "backend cpu: avx512 kernels, 2 threads, whole planes" (informational) */
    printf("libwtconv %s, backend %s%s%s\n", wtconv_version_string(), wtconv_backend_name(ctx),
           wtconv_backend_detail(ctx)[0] ? ": " : "", wtconv_backend_detail(ctx));
    printf("layer: k=%d levels=%d stride=%d bias=%s\n", wtconv_kernel_size(ctx), wtconv_levels(ctx),
           wtconv_stride(ctx), wtconv_has_bias(ctx) ? "yes" : "no");
    printf("input [%d,%d,%d,%d] -> output [%d,%d,%d,%d], workspace %zu bytes\n", n, c, a.height,
           a.width, n, c, oh, ow, wtconv_workspace_size(ctx));

    x = malloc(in_count * sizeof *x);
    y = malloc(out_count * sizeof *y);
    if (!x || !y) {
        fprintf(stderr, "wtconv-cli: out of memory\n");
        goto done;
    }
    if (a.input_path) {
        if (raw_f32_read(a.input_path, x, in_count, error, sizeof error)) {
            fprintf(stderr, "wtconv-cli: %s\n", error);
            goto done;
        }
    } else {
        fill_pseudo_random(x, in_count);
    }

    t0 = now_ms();
    status = wtconv_run(ctx, x, y);
    first_ms = now_ms() - t0;
    for (int r = 0; status == WTCONV_OK && r < a.repeat; r++) {
        double ms;
        t0 = now_ms();
        status = wtconv_run(ctx, x, y);
        ms = now_ms() - t0;
        total_ms += ms;
        best_ms = r == 0 || ms < best_ms ? ms : best_ms;
    }
    if (status != WTCONV_OK) {
        fprintf(stderr, "wtconv-cli: run failed: %s\n  %s\n", wtconv_status_string(status),
                wtconv_last_error());
        goto done;
    }
    printf("timing: create %.3f ms, first run %.3f ms", create_ms, first_ms);
    if (a.repeat > 0)
        printf(", %d more runs: mean %.3f ms, best %.3f ms", a.repeat, total_ms / a.repeat,
               best_ms);
    printf("\n");
    print_summary(y, out_count);

    /* The expected tensor is read before the output is written: the same path for both then
     * still compares with what the file held. */
    if (a.expect_path) {
        expected = malloc(out_count * sizeof *expected);
        if (!expected || raw_f32_read(a.expect_path, expected, out_count, error, sizeof error)) {
            fprintf(stderr, "wtconv-cli: %s\n", expected ? error : "out of memory");
            goto done;
        }
    }
    if (a.output_path && raw_f32_write(a.output_path, y, out_count, error, sizeof error)) {
        fprintf(stderr, "wtconv-cli: %s\n", error);
        goto done;
    }
    if (a.expect_path) {
        if (compare(y, expected, out_count)) {
            rc = CLI_EXIT_MISMATCH;
            goto done;
        }
    }
    rc = CLI_EXIT_OK;
done:
    free(x);
    free(y);
    free(expected);
    wtconv_destroy(ctx);
    return rc;
}
