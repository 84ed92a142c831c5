/* Golden vectors made by the PyTorch reference (tools/make_golden.py): every case in
 * tests/data/golden/cases.txt must match within the accuracy contract. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wtconv/wtconv.h>

#include "raw_f32.h"
#include "test_util.h"

/* The cases tools/make_golden.py writes (tests/data/golden/cases.txt). */
#define GOLDEN_CASES 21

typedef struct golden_case {
    char name[128], model[128], layer[128];
    int batch, channels, height, width, stride;
} golden_case;

static int run_case(const char *dir, const golden_case *gc) {
    char path[1024], error[512];
    wtconv_options opts;
    wtconv_ctx *ctx = NULL;
    wtconv_status status;
    float *x = NULL, *x_copy = NULL, *y = NULL, *expected = NULL;
    size_t in_count, out_count;
    double err = 0, bound = 0;
    int ok = 0;

    wtconv_options_init(&opts);
    opts.batch = gc->batch;
    opts.backend = (wtconv_backend)test_backend_from_env();
    opts.stride = gc->stride;
    opts.layer = strcmp(gc->layer, "-") ? gc->layer : NULL;
    snprintf(path, sizeof path, "%s/%s", dir, gc->model);
    if ((status = wtconv_create_with_options(path, gc->channels, gc->height, gc->width, &opts,
                                             &ctx)) != WTCONV_OK) {
        test_skip_if_isa_unavailable(status);
        printf("FAIL %s: create: %s\n", gc->name, wtconv_last_error());
        return 0;
    }
    test_case_created();
    in_count = wtconv_input_size(ctx);
    out_count = wtconv_output_size(ctx);
    x = malloc(in_count * sizeof *x);
    x_copy = malloc(in_count * sizeof *x);
    y = malloc(out_count * sizeof *y);
    expected = malloc(out_count * sizeof *y);
    if (!x || !x_copy || !y || !expected) {
        printf("FAIL %s: out of memory\n", gc->name);
        goto done;
    }
    snprintf(path, sizeof path, "%s/%s.input.f32", dir, gc->name);
    if (raw_f32_read(path, x, in_count, error, sizeof error)) {
        printf("FAIL %s: %s\n", gc->name, error);
        goto done;
    }
    snprintf(path, sizeof path, "%s/%s.output.f32", dir, gc->name);
    if (raw_f32_read(path, expected, out_count, error, sizeof error)) {
        printf("FAIL %s: %s (does the output shape match?)\n", gc->name, error);
        goto done;
    }
    memcpy(x_copy, x, in_count * sizeof *x);
    memset(y, 0xff, out_count * sizeof *y); /* NaN: an element the run leaves unwritten fails */
    if (wtconv_run(ctx, x, y)) {
        printf("FAIL %s: run: %s\n", gc->name, wtconv_last_error());
        goto done;
    }
    if (memcmp(x, x_copy, in_count * sizeof *x) != 0) {
        printf("FAIL %s: the input buffer was modified\n", gc->name);
        goto done;
    }
    ok = test_within_contract(y, expected, out_count, &err, &bound);
    printf("%s %s: N=%d C=%d %dx%d k=%d L=%d stride=%d: max err %.3g (bound %.3g)\n",
           ok ? "ok  " : "FAIL", gc->name, gc->batch, gc->channels, gc->height, gc->width,
           wtconv_kernel_size(ctx), wtconv_levels(ctx), wtconv_stride(ctx), err, bound);
done:
    free(x);
    free(x_copy);
    free(y);
    free(expected);
    wtconv_destroy(ctx);
    return ok;
}

int main(int argc, char **argv) {
    char path[1024], line[1024];
    int passed = 0, failed = 0;
    FILE *manifest;
    if (argc != 2) {
        fprintf(stderr, "usage: test_golden DIR (the folder of cases.txt)\n");
        return 2;
    }
    snprintf(path, sizeof path, "%s/cases.txt", argv[1]);
    manifest = fopen(path, "r");
    if (!manifest) {
        fprintf(stderr, "test_golden: cannot open %s\n", path);
        return 2;
    }
    while (fgets(line, sizeof line, manifest)) {
        golden_case gc;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (sscanf(line, "%127s %127s %127s %d %d %d %d %d", gc.name, gc.model, gc.layer, &gc.batch,
                   &gc.channels, &gc.height, &gc.width, &gc.stride) != 8) {
            printf("FAIL malformed manifest line: %s", line);
            failed++;
            continue;
        }
        if (run_case(argv[1], &gc))
            passed++;
        else
            failed++;
    }
    fclose(manifest);
    /* A manifest that lost cases (with their files, or without) must not pass quietly: the
     * count of tools/make_golden.py's cases, to be raised here when one is added. */
    if (passed + failed != GOLDEN_CASES) {
        printf("FAIL %d cases in %s (expected %d)\n", passed + failed, path, GOLDEN_CASES);
        failed++;
    }
    printf("golden: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
