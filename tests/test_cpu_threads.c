/* The CPU backend's split of a run between threads and its memory:
 * - any thread count gives the same bits, also where planes are too few to share out whole and
 *   the rows of all planes are shared out instead (3 planes on 2 threads, 6 on 4, 1 on 1), and
 *   where whole planes keep their Haar rows between the levels' passes and rows do not;
 * - for the benchmark's standard shapes with L >= 2 (issue 4), the workspace reported by
 *   wtconv_workspace_size is at most half the input tensor, for 1 and 2 threads. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wtconv/wtconv.h>

#include "st_writer.h"
#include "test_util.h"

static int passed, failed;

static void check(int ok, const char *what) {
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    ok ? passed++ : failed++;
}

static unsigned long long rng = 0x7ead5ULL;
static float rnd(void) {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((long long)(rng >> 40) - (1LL << 23)) / (float)(1 << 23);
}

/* A layer with random F32 weights at `path`. */
static int write_layer(const char *path, int c, int k, int levels) {
    const long long bw[4] = {c, 1, k, k}, bb[1] = {c}, bs[4] = {1, c, 1, 1};
    const long long ww[4] = {4 * c, 1, k, k}, ws[4] = {1, 4 * c, 1, 1};
    const size_t n = (size_t)4 * c * k * k;
    float *v = malloc(n * sizeof *v);
    st_writer *w = st_writer_new();
    int rc = !v || !w;
    for (size_t i = 0; !rc && i < n; i++)
        v[i] = 0.3f * rnd();
    rc = rc || st_writer_add(w, "base_conv.weight", "F32", 4, bw, v) ||
         st_writer_add(w, "base_conv.bias", "F32", 1, bb, v) ||
         st_writer_add(w, "base_scale.weight", "F32", 4, bs, v);
    for (int i = 0; i < levels && !rc; i++) {
        char name[64];
        snprintf(name, sizeof name, "wavelet_convs.%d.weight", i);
        rc = st_writer_add(w, name, "F32", 4, ww, v);
        snprintf(name, sizeof name, "wavelet_scale.%d.weight", i);
        rc = rc || st_writer_add(w, name, "F32", 4, ws, v);
    }
    rc = rc || st_writer_save(w, path);
    if (rc)
        printf("  writing %s: %s\n", path, st_writer_error(w));
    st_writer_free(w);
    free(v);
    return rc;
}

static wtconv_ctx *create(const char *path, int n, int c, int h, int w, int threads) {
    /* (a skip leaves no temporary file behind) */
    wtconv_options opts;
    wtconv_ctx *ctx = NULL;
    wtconv_status st;
    wtconv_options_init(&opts);
    opts.batch = n;
    opts.num_threads = threads;
    st = wtconv_create_with_options(path, c, h, w, &opts, &ctx);
    if (st != WTCONV_OK) {
        if (st == WTCONV_ERR_BACKEND_UNAVAILABLE)
            remove(path);
        test_skip_if_isa_unavailable(st);
        printf("  create: %s\n", wtconv_last_error());
    }
    return ctx;
}

static void test_same_bits(const char *path) {
    /* N, C, H, W, k, L and the thread counts to compare with one thread. */
    static const struct {
        int n, c, h, w, k, levels, threads[3];
    } cases[] = {
        {1, 3, 37, 29, 5, 3, {2, 3, 0}},
        {2, 3, 21, 40, 4, 2, {4, 5, 6}},
        {1, 1, 50, 9, 7, 4, {2, 8, 0}},
        {1, 2, 64, 64, 3, 1, {2, 0, 1}},
        {3, 1, 15, 15, 9, 2, {2, 3, 0}},
        /* 1 and 2 threads keep each plane's level-0 Haar rows (whole planes, room in 1/8 of
         * the input); 3 share out rows and compute them in level 0's pass instead. */
        {1, 32, 20, 24, 5, 2, {2, 3, 0}},
        {1, 40, 19, 30, 7, 3, {2, 3, 0}},
        /* Blocks of 16 channels (AVX-512; AVX2 takes 8): the grids of 5 workers fit in half
         * the input, so 8 threads use 5 of them; then room for 2, and 40 channels leave 8
         * per batch item to go plane by plane (AVX-512). */
        {1, 768, 14, 14, 5, 2, {2, 8, 0}},
        {8, 40, 14, 14, 5, 2, {2, 3, 0}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const size_t count = (size_t)cases[i].n * cases[i].c * cases[i].h * cases[i].w;
        float *x = malloc(count * sizeof *x), *y1 = malloc(count * sizeof *x);
        float *yt = malloc(count * sizeof *x);
        wtconv_ctx *one;
        char what[160];
        if (!x || !y1 || !yt || write_layer(path, cases[i].c, cases[i].k, cases[i].levels)) {
            check(0, "setting up a layer");
            free(x), free(y1), free(yt);
            continue;
        }
        for (size_t j = 0; j < count; j++)
            x[j] = rnd();
        one = create(path, cases[i].n, cases[i].c, cases[i].h, cases[i].w, 1);
        if (!one || wtconv_run(one, x, y1) != WTCONV_OK) {
            check(0, "one thread runs");
        } else {
            for (int t = 0; t < 3; t++) {
                wtconv_ctx *ctx = create(path, cases[i].n, cases[i].c, cases[i].h, cases[i].w,
                                         cases[i].threads[t]);
                snprintf(what, sizeof what,
                         "N=%d C=%d %dx%d k=%d L=%d: num_threads=%d gives the bits of 1 thread",
                         cases[i].n, cases[i].c, cases[i].h, cases[i].w, cases[i].k,
                         cases[i].levels, cases[i].threads[t]);
                memset(yt, 0, count * sizeof *yt);
                check(ctx && wtconv_run(ctx, x, yt) == WTCONV_OK &&
                          !memcmp(y1, yt, count * sizeof *yt),
                      what);
                wtconv_destroy(ctx);
            }
        }
        wtconv_destroy(one);
        free(x), free(y1), free(yt);
    }
}

static void test_workspace_bound(const char *path) {
    const char *forced = getenv("WTCONV_CPU_CHANNEL_BLOCKS");
    if (forced && !strcmp(forced, "1")) {
        printf("skip workspace bound: WTCONV_CPU_CHANNEL_BLOCKS=1 takes the channel-block path "
               "whatever its grids cost\n");
        return;
    }
    static const int shapes[][5] = {
        {64, 112, 112, 5, 2}, {96, 56, 56, 5, 3},  {128, 56, 56, 7, 2},
        {64, 224, 224, 5, 3}, {768, 14, 14, 5, 2},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const int c = shapes[i][0], h = shapes[i][1], w = shapes[i][2];
        const size_t input_bytes = (size_t)c * h * w * sizeof(float);
        if (write_layer(path, c, shapes[i][3], shapes[i][4])) {
            check(0, "writing a layer");
            continue;
        }
        for (int threads = 1; threads <= 2; threads++) {
            wtconv_ctx *ctx = create(path, 1, c, h, w, threads);
            const size_t bytes = wtconv_workspace_size(ctx);
            char what[160];
            snprintf(what, sizeof what,
                     "%d/%d/%d/%d/%d, %d thread(s): workspace %zu bytes <= half the input (%zu)", c,
                     h, w, shapes[i][3], shapes[i][4], threads, bytes, input_bytes / 2);
            check(ctx && bytes > 0 && bytes <= input_bytes / 2, what);
            wtconv_destroy(ctx);
        }
    }
}

int main(void) {
    char path[512];
    test_temp_path(path, sizeof path, "cpu-threads.safetensors");
    test_same_bits(path);
    test_workspace_bound(path);
    remove(path);
    printf("cpu threads: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
