/* Fuzz target: a model file through wtconv_create_with_options and, when it loads, wtconv_run.
 *
 * The input is the file. Its last four bytes also choose the shape and the options, so the
 * file stays what is mutated while every option path (batch, stride, layer prefix, threads,
 * backend) is reached. The sizes stay small: a slow input hides the others.
 *
 * Checked on every input, beyond the sanitizers' own checks: a failed create returns a known
 * status, sets *out_ctx to NULL and leaves a message; a created context reports consistent
 * sizes, runs, never writes its input and writes every output element. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wtconv/wtconv.h>

#include "fuzz_target.h"

#define SENTINEL_BITS 0x7fa5a5a5u /* a NaN payload no computation produces */

static void require(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_model: %s (last error: %s)\n", what, wtconv_last_error());
        abort();
    }
}

static void exercise(wtconv_ctx *ctx, const wtconv_options *opts, int c, int h, int w) {
    size_t in_count = wtconv_input_size(ctx), out_count = wtconv_output_size(ctx);
    int n = 0, oc = 0, oh = 0, ow = 0;
    const unsigned sentinel = SENTINEL_BITS;
    const long long stride = wtconv_stride(ctx); /* up to INT_MAX, from the file */
    float *x, *x_copy, *y;

    require(wtconv_output_shape(ctx, &n, &oc, &oh, &ow) == WTCONV_OK, "output_shape failed");
    require(n == opts->batch && oc == c, "output shape N or C differs from the request");
    require(in_count == (size_t)n * (size_t)c * (size_t)h * (size_t)w, "input size");
    require(out_count == (size_t)n * (size_t)c * (size_t)oh * (size_t)ow, "output size");
    require(stride >= 1 && oh == (h + stride - 1) / stride && ow == (w + stride - 1) / stride,
            "output shape is not ceil(H/s) x ceil(W/s)");
    require(wtconv_kernel_size(ctx) >= 1 && wtconv_levels(ctx) >= 1, "layer queries");
    (void)wtconv_workspace_size(ctx);
    (void)wtconv_backend_name(ctx);

    x = malloc(in_count * sizeof *x);
    x_copy = malloc(in_count * sizeof *x_copy);
    y = malloc(out_count * sizeof *y);
    require(x && x_copy && y, "harness out of memory");
    for (size_t i = 0; i < in_count; i++)
        x[i] = (float)((i * 2654435761u) % 2001u) / 1000.0f - 1.0f;
    memcpy(x_copy, x, in_count * sizeof *x);
    for (size_t i = 0; i < out_count; i++)
        memcpy(&y[i], &sentinel, sizeof sentinel);

    require(wtconv_run(ctx, x, NULL) == WTCONV_ERR_INVALID_ARGUMENT, "run with a NULL output");
    require(wtconv_run(ctx, x, y) == WTCONV_OK, "run failed on a created context");
    require(memcmp(x, x_copy, in_count * sizeof *x) == 0, "run wrote its input");
    for (size_t i = 0; i < out_count; i++)
        require(memcmp(&y[i], &sentinel, sizeof sentinel) != 0, "run left an output unwritten");
    free(x);
    free(x_copy);
    free(y);
}

/* WTCONV_FUZZ_VERBOSE=1 prints each input's parameters and result (for corpus triage). */
static int verbose(void) {
    static int value = -1;
    if (value < 0) {
        const char *env = getenv("WTCONV_FUZZ_VERBOSE");
        value = env && *env && *env != '0';
    }
    return value;
}

/* The model's C, from a channel-mismatch message ("... has C=4 ..."), or 0. */
static int model_channels_from_message(void) {
    const char *at = strstr(wtconv_last_error(), "has C=");
    long value = at ? strtol(at + 6, NULL, 10) : 0;
    return value >= 1 && value <= 64 ? (int)value : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const layers[4] = {NULL, NULL, "stages.0.blocks.0.dwconv.", "a."};
    static const wtconv_backend backends[4] = {WTCONV_BACKEND_AUTO, WTCONV_BACKEND_CPU,
                                               WTCONV_BACKEND_AUTO, WTCONV_BACKEND_METAL};
    const char *path = fuzz_write_temp_file("model.safetensors", data, size);
    unsigned char p[4] = {0, 0, 0, 0};
    wtconv_options opts;
    wtconv_ctx *ctx = (wtconv_ctx *)&opts; /* not NULL: create must clear it on failure */
    wtconv_status status;
    int c, h, w;

    for (size_t i = 0; i < 4 && i < size; i++)
        p[i] = data[size - 1 - i];
    h = 1 + p[0] % 24;
    w = 1 + p[1] % 24;
    c = 1 + p[3] % 8;
    wtconv_options_init(&opts);
    opts.batch = 1 + (p[2] & 1);
    opts.stride = (p[2] >> 1) & 3; /* 0: the file's */
    opts.layer = layers[(p[2] >> 3) & 3];
    opts.num_threads = 1 + ((p[2] >> 5) & 1);
    opts.backend = backends[p[2] >> 6];

    status = wtconv_create_with_options(path, c, h, w, &opts, &ctx);
    if (status == WTCONV_ERR_SHAPE_MISMATCH && model_channels_from_message()) {
        c = model_channels_from_message();
        ctx = (wtconv_ctx *)&opts;
        status = wtconv_create_with_options(path, c, h, w, &opts, &ctx);
    }
    if (verbose())
        printf("C=%d H=%d W=%d N=%d stride=%d layer=%s threads=%d: %s %s\n", c, h, w, opts.batch,
               opts.stride, opts.layer ? opts.layer : "-", opts.num_threads,
               wtconv_status_string(status), wtconv_last_error());
    if (status != WTCONV_OK) {
        require(ctx == NULL, "failed create left *out_ctx set");
        require(status > WTCONV_OK && status <= WTCONV_ERR_BACKEND_FAILURE, "unknown status");
        require(wtconv_last_error()[0] != '\0', "failed create left no message");
        return 0;
    }
    require(ctx != NULL, "create succeeded without a context");
    exercise(ctx, &opts, c, h, w);
    wtconv_destroy(ctx);
    return 0;
}
