/* The caller's buffers, guarded by the MMU (POSIX mmap/mprotect), so that the checks hold in
 * every build, not only under a sanitizer:
 *  - the input is never written: runs read it from read-only pages;
 *  - nothing is read or written outside the buffers: each ends at a page boundary followed
 *    by an inaccessible page;
 *  - the output is untouched when run fails: every failing run gets read-only output pages.
 * Results from guarded buffers must equal (bit for bit) those from ordinary ones. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <wtconv/wtconv.h>

static int passed, failed;
static const char *model;

static void check(int ok, const char *what) {
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    ok ? passed++ : failed++;
}

/* `count` floats ending exactly where an inaccessible page begins. */
typedef struct guarded {
    void *base;
    size_t map_bytes;
    float *data;
    size_t data_bytes;
} guarded;

static int guarded_alloc(guarded *g, size_t count) {
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages;
    g->data_bytes = count * sizeof(float);
    pages = (g->data_bytes + page - 1) / page;
    g->map_bytes = (pages + 1) * page;
    g->base = mmap(NULL, g->map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g->base == MAP_FAILED)
        return -1;
    if (mprotect((char *)g->base + pages * page, page, PROT_NONE) != 0)
        return -1;
    g->data = (float *)(void *)((char *)g->base + pages * page - g->data_bytes);
    return 0;
}

/* Makes the whole buffer read-only (1) or writable again (0). */
static int guarded_protect(guarded *g, int read_only) {
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return mprotect(g->base, g->map_bytes - page, read_only ? PROT_READ : PROT_READ | PROT_WRITE);
}

static void guarded_free(guarded *g) { munmap(g->base, g->map_bytes); }

static void test_layout(int batch, int h, int w, int stride, int threads) {
    wtconv_options opts;
    wtconv_ctx *ctx = NULL;
    guarded in, out;
    float *x = NULL, *y = NULL;
    size_t in_count, out_count;
    char what[160];

    wtconv_options_init(&opts);
    opts.batch = batch;
    opts.stride = stride;
    opts.num_threads = threads;
    if (wtconv_create_with_options(model, 32, h, w, &opts, &ctx) != WTCONV_OK) {
        check(0, wtconv_last_error());
        return;
    }
    in_count = wtconv_input_size(ctx);
    out_count = wtconv_output_size(ctx);
    x = malloc(in_count * sizeof *x);
    y = malloc(out_count * sizeof *y);
    if (!x || !y || guarded_alloc(&in, in_count) != 0 || guarded_alloc(&out, out_count) != 0) {
        check(0, "cannot allocate the buffers");
        free(x);
        free(y);
        wtconv_destroy(ctx);
        return;
    }
    for (size_t i = 0; i < in_count; i++)
        x[i] = in.data[i] = (float)((i * 40503u) % 4001u) / 2000.0f - 1.0f;
    snprintf(what, sizeof what, "N=%d 32x%dx%d stride %d, %d threads:", batch, h, w, stride,
             threads);

    /* Input read-only and both buffers against an inaccessible page: a stray access would
     * end the process here. */
    check(guarded_protect(&in, 1) == 0 && wtconv_run(ctx, in.data, out.data) == WTCONV_OK &&
              wtconv_run(ctx, x, y) == WTCONV_OK && memcmp(out.data, y, out_count * sizeof *y) == 0,
          strcat(what, " read-only, guarded input gives the ordinary result"));

    /* Failing runs must not write the output: make it read-only and fail in every way. */
    check(guarded_protect(&out, 1) == 0 &&
              wtconv_run(NULL, in.data, out.data) == WTCONV_ERR_INVALID_ARGUMENT &&
              wtconv_run(ctx, NULL, out.data) == WTCONV_ERR_INVALID_ARGUMENT &&
              wtconv_run(ctx, in.data, NULL) == WTCONV_ERR_INVALID_ARGUMENT &&
              wtconv_run(ctx, out.data, out.data) == WTCONV_ERR_INVALID_ARGUMENT &&
              wtconv_run(ctx, in.data + 1, in.data) == WTCONV_ERR_INVALID_ARGUMENT,
          "failing runs never touch a read-only output");
    guarded_protect(&out, 0);
    guarded_protect(&in, 0);

    guarded_free(&in);
    guarded_free(&out);
    free(x);
    free(y);
    wtconv_destroy(ctx);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_buffers DEMO_MODEL.safetensors\n");
        return 2;
    }
    model = argv[1];
    test_layout(1, 64, 64, 1, 1);
    test_layout(2, 17, 23, 1, 3);
    test_layout(3, 31, 9, 2, 2);
    test_layout(1, 5, 64, 3, 0);
    printf("buffers: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
