/* Resource limits: a shape whose buffers cannot exist fails at create, with SHAPE_MISMATCH
 * (its sizes overflow) or OUT_OF_MEMORY (they fit the arithmetic but not the machine), a
 * message, no context and no leak; never later, and never through a wrapped size. The
 * shapes are chosen so that the outcome is the same on every 64-bit machine: the buffers
 * asked for are larger than any x86-64 or AArch64 address space (2^57 bytes).
 * Uses the demo model (C=32, k=5, L=2). */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <wtconv/wtconv.h>

/* Under AddressSanitizer or ThreadSanitizer, a malloc beyond their maximum must return NULL as
 * the C library's does, instead of ending the process: that NULL is what is under test. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }
const char *__tsan_default_options(void);
const char *__tsan_default_options(void) { return "allocator_may_return_null=1"; }

#define SENTINEL_CTX ((wtconv_ctx *)(uintptr_t)0x1)

static const char *model;
static int passed, failed;

static void expect_create(const char *what, int c, int h, int w, int batch, int threads, int stride,
                          wtconv_status want, const char *fragment) {
    wtconv_options opts;
    wtconv_ctx *ctx = SENTINEL_CTX;
    wtconv_status got;
    int ok;
    wtconv_options_init(&opts);
    opts.batch = batch;
    opts.num_threads = threads;
    opts.stride = stride;
    got = wtconv_create_with_options(model, c, h, w, &opts, &ctx);
    ok = got == want && (got == WTCONV_OK ? ctx != NULL : ctx == NULL) &&
         (got == WTCONV_OK || strstr(wtconv_last_error(), fragment) != NULL);
    printf("%s %-52s -> %s | %s\n", ok ? "ok  " : "FAIL", what, wtconv_status_string(got),
           got == WTCONV_OK ? "" : wtconv_last_error());
    if (!ok)
        printf("     wanted %s with \"%s\"\n", wtconv_status_string(want), fragment);
    if (got == WTCONV_OK)
        wtconv_destroy(ctx);
    ok ? passed++ : failed++;
}

/* A huge stride with a small image: one output pixel, computed like any other run: pixel (0, 0)
 * of the stride-1 result (which the golden and random tests check against float64). */
static void test_huge_stride(void) {
    wtconv_options opts;
    wtconv_ctx *ctx = NULL, *ctx1 = NULL;
    float x[32 * 3 * 3], y[32] = {0}, y1[32 * 3 * 3];
    int n, c, h, w, same = 1;
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        x[i] = (float)(i % 5) - 2.0f;
    wtconv_options_init(&opts);
    opts.stride = INT_MAX;
    if (wtconv_create_with_options(model, 32, 3, 3, &opts, &ctx) != WTCONV_OK) {
        printf("FAIL stride INT_MAX: %s\n", wtconv_last_error());
        failed++;
        return;
    }
    wtconv_output_shape(ctx, &n, &c, &h, &w);
    opts.stride = 1;
    if (h == 1 && w == 1 && wtconv_run(ctx, x, y) == WTCONV_OK &&
        wtconv_create_with_options(model, 32, 3, 3, &opts, &ctx1) == WTCONV_OK &&
        wtconv_run(ctx1, x, y1) == WTCONV_OK) {
        for (int ch = 0; ch < 32; ch++)
            same &= memcmp(&y[ch], &y1[ch * 9], sizeof y[ch]) == 0;
        printf("%s stride INT_MAX on 3x3 gives a 1x1 output, pixel (0, 0) of stride 1's\n",
               same ? "ok  " : "FAIL");
        same ? passed++ : failed++;
    } else {
        printf("FAIL stride INT_MAX: output %dx%d, %s\n", h, w, wtconv_last_error());
        failed++;
    }
    wtconv_destroy(ctx);
    wtconv_destroy(ctx1);
}

int main(int argc, char **argv) {
    const int big = 1 << 30; /* the largest height or width the library takes */
    if (argc != 2) {
        fprintf(stderr, "usage: test_limits DEMO_MODEL.safetensors\n");
        return 2;
    }
    model = argv[1];

    /* Dimensions near INT_MAX. */
    expect_create("height INT_MAX", 32, INT_MAX, 1, 1, 1, 0, WTCONV_ERR_SHAPE_MISMATCH,
                  "height is 2147483647: too large (at most 1073741824)");
    expect_create("width INT_MAX - 1", 32, 1, INT_MAX - 1, 1, 1, 0, WTCONV_ERR_SHAPE_MISMATCH,
                  "width is 2147483646: too large");
    expect_create("height 2^30 + 1", 32, big + 1, 1, 1, 1, 0, WTCONV_ERR_SHAPE_MISMATCH,
                  "height is 1073741825: too large");
    expect_create("channels INT_MAX (not the model's)", INT_MAX, 1, 1, 1, 1, 0,
                  WTCONV_ERR_SHAPE_MISMATCH,
                  "channels is 2147483647 but the model's layer has C=32");
    expect_create("threads INT_MAX is capped, not allocated", 32, 4, 4, 1, INT_MAX, 0, WTCONV_OK,
                  "");

    /* Element counts past SIZE_MAX, and byte counts past PTRDIFF_MAX. */
    expect_create("N*C*H*W past SIZE_MAX (batch INT_MAX, 2^30 x 2^30)", 32, big, big, INT_MAX, 1, 0,
                  WTCONV_ERR_SHAPE_MISMATCH, "N*C*H*W floats overflow");
    expect_create("N*C*H*W = 2^64 exactly, 0 if wrapped", 32, big, 4, 1 << 27, 1, 0,
                  WTCONV_ERR_SHAPE_MISMATCH, "N=134217728 C=32 H=1073741824 W=4 is too large");
    expect_create("N*C*H*W = 2^62: 2^64 bytes, 0 if wrapped", 32, big, 1, 1 << 27, 1, 0,
                  WTCONV_ERR_SHAPE_MISMATCH, "N=134217728 C=32 H=1073741824 W=1 is too large");
    expect_create("input bytes 2^63 (2^28 x 2^28)", 32, 1 << 28, 1 << 28, 1, 1, 0,
                  WTCONV_ERR_SHAPE_MISMATCH, "too large");
    expect_create("stride 2 does not shrink the input's limit", 32, 1 << 28, 1 << 28, 1, 1, 2,
                  WTCONV_ERR_SHAPE_MISMATCH, "too large");

    /* Sizes that fit the arithmetic, but not any machine. */
    expect_create("input 2^61 bytes: workspace beyond any address space", 32, 1 << 27, 1 << 27, 1,
                  1, 0, WTCONV_ERR_OUT_OF_MEMORY, "out of memory for the CPU workspace");
    expect_create("the same with the largest stride", 32, 1 << 27, 1 << 27, 1, 1, INT_MAX,
                  WTCONV_ERR_OUT_OF_MEMORY, "out of memory");
    /* (The first CPU backend's per-thread workspaces overflowed SIZE_MAX here; the fused one
     * needs a few rows per thread, and fails honestly for lack of memory.) */
    expect_create("256 planes on 256 threads: workspaces beyond any machine", 32, 1 << 27,
                  (1 << 26) - 1, 8, 256, 0, WTCONV_ERR_OUT_OF_MEMORY,
                  "out of memory for the CPU workspace");
    expect_create("a single row 2^20 wide", 32, 1, 1 << 20, 1, 1, 0, WTCONV_OK, "");

    test_huge_stride();
    printf("limits: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
