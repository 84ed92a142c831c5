/* The API's contract apart from the numbers: versions, status strings, options struct
 * versioning, queries, and the per-thread last error. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wtconv/wtconv.h>

#include "test_util.h"

static int passed, failed;
static const char *demo_model;

static void check(int ok, const char *what) {
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    ok ? passed++ : failed++;
}

static void test_versions_and_strings(void) {
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", WTCONV_VERSION_MAJOR, WTCONV_VERSION_MINOR,
             WTCONV_VERSION_PATCH);
    check(wtconv_version_number() == WTCONV_VERSION_NUMBER, "runtime version number = header's");
    check(!strcmp(wtconv_version_string(), WTCONV_VERSION_STRING), "runtime version string");
    check(!strcmp(WTCONV_VERSION_STRING, expected), "version string = MAJOR.MINOR.PATCH");
    check(WTCONV_OK == 0 && WTCONV_ERR_INVALID_ARGUMENT == 1 && WTCONV_ERR_IO == 2 &&
              WTCONV_ERR_MODEL_FORMAT == 3 && WTCONV_ERR_SHAPE_MISMATCH == 4 &&
              WTCONV_ERR_OUT_OF_MEMORY == 5 && WTCONV_ERR_BACKEND_UNAVAILABLE == 6 &&
              WTCONV_ERR_BACKEND_FAILURE == 7,
          "status values are the published ones");
    check(!strncmp(wtconv_status_string(WTCONV_ERR_IO), "WTCONV_ERR_IO", 13),
          "status string names the code");
    check(strstr(wtconv_status_string((wtconv_status)999), "unknown") != NULL,
          "unknown status has a string");
    check(wtconv_backend_available(WTCONV_BACKEND_AUTO) == 1, "AUTO is available");
    check(wtconv_backend_available(WTCONV_BACKEND_CPU) == 1, "CPU is available");
#if !defined(__APPLE__)
    check(wtconv_backend_available(WTCONV_BACKEND_METAL) == 0, "Metal is not available here");
#endif
#if !defined(WTCONV_TEST_CUDA_BUILD) /* else it depends on the machine: tests/test_cuda.c */
    check(wtconv_backend_available(WTCONV_BACKEND_CUDA) == 0, "CUDA is not available");
#endif
}

/* An "older" caller's struct: only the first version's fields, then bytes it owns. */
typedef struct old_caller {
    wtconv_options opts;
    unsigned char guard[64];
} old_caller;

static void test_options_struct(void) {
    old_caller oc;
    wtconv_options opts;
    unsigned char big[sizeof(wtconv_options) + 32];
    wtconv_ctx *ctx = NULL;
    const size_t v1_size = offsetof(wtconv_options, layer) + sizeof(const char *);

    memset(&oc, 0xAB, sizeof oc);
    (wtconv_options_init)(&oc.opts); /* the function, as a binding would call it */
    check(oc.opts.struct_size == v1_size && oc.opts.batch == 1 && oc.opts.stride == 0 &&
              oc.opts.layer == NULL && oc.opts.backend == WTCONV_BACKEND_AUTO,
          "plain wtconv_options_init fills the first struct version");

    memset(&oc, 0xAB, sizeof oc);
    wtconv_options_init_sized(&oc.opts, 2 * sizeof(size_t));
    check(oc.opts.struct_size == 2 * sizeof(size_t) &&
              ((unsigned char *)&oc)[2 * sizeof(size_t)] == 0xAB,
          "init never writes past the caller's struct_size");

    wtconv_options_init(&opts);
    check(opts.struct_size == sizeof opts && opts.num_threads == 0, "macro passes sizeof");

    /* A newer caller: a larger struct whose unknown tail is zero is accepted... */
    memset(big, 0, sizeof big);
    wtconv_options_init_sized((wtconv_options *)(void *)big, sizeof big);
    check(wtconv_create_with_options(demo_model, 32, 9, 7, (wtconv_options *)(void *)big, &ctx) ==
              WTCONV_OK,
          "larger options struct with a zero tail accepted");
    wtconv_destroy(ctx);
    ctx = NULL;
    /* ...and one that sets a field this library does not know is refused. */
    big[sizeof(wtconv_options) + 3] = 1;
    check(wtconv_create_with_options(demo_model, 32, 9, 7, (wtconv_options *)(void *)big, &ctx) ==
                  WTCONV_ERR_INVALID_ARGUMENT &&
              strstr(wtconv_last_error(), "knows only") != NULL && ctx == NULL,
          "unknown non-zero option bytes refused");
}

static void test_queries(void) {
    wtconv_ctx *ctx = NULL;
    wtconv_options opts;
    int n = 0, c = 0, h = 0, w = 0;
    wtconv_options_init(&opts);
    opts.batch = 3;
    opts.stride = 2;
    opts.backend = WTCONV_BACKEND_CPU;
    if (wtconv_create_with_options(demo_model, 32, 15, 8, &opts, &ctx) != WTCONV_OK) {
        check(0, wtconv_last_error());
        return;
    }
    wtconv_output_shape(ctx, &n, &c, &h, &w);
    check(n == 3 && c == 32 && h == 8 && w == 4, "output shape N, C, ceil(H/2), ceil(W/2)");
    check(wtconv_input_size(ctx) == (size_t)3 * 32 * 15 * 8, "input size");
    check(wtconv_output_size(ctx) == (size_t)3 * 32 * 8 * 4, "output size");
    check(wtconv_kernel_size(ctx) == 5 && wtconv_levels(ctx) == 2 && wtconv_stride(ctx) == 2 &&
              wtconv_has_bias(ctx) == 1,
          "layer info of the demo model (k=5, L=2, bias)");
    check(wtconv_backend_in_use(ctx) == WTCONV_BACKEND_CPU &&
              !strcmp(wtconv_backend_name(ctx), "cpu"),
          "backend in use");
    check(wtconv_workspace_size(ctx) > 0, "workspace size reported");
    check(wtconv_output_shape(ctx, NULL, NULL, NULL, NULL) == WTCONV_OK, "NULL outputs fine");
    wtconv_destroy(ctx);
    wtconv_destroy(NULL);
    check(wtconv_kernel_size(NULL) == 0 && wtconv_levels(NULL) == 0 && wtconv_stride(NULL) == 0 &&
              wtconv_input_size(NULL) == 0 && !strcmp(wtconv_backend_name(NULL), "") &&
              wtconv_workspace_size(NULL) == 0,
          "queries on NULL are safe");
}

/* Work is shared out between workers by whole planes (2 or 3 threads on these 64 planes) or,
 * when planes do not divide evenly, by rows of all planes together (7 threads); every output
 * element is computed the same way either way, so any thread count must give the same bits. */
static void test_thread_counts(void) {
    const int counts[] = {1, 2, 3, 0, 7};
    float *x = NULL, *reference = NULL, *y = NULL;
    size_t in_count = 0, out_count = 0;
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        wtconv_ctx *ctx = NULL;
        wtconv_options opts;
        char what[96];
        wtconv_options_init(&opts);
        opts.batch = 2;
        opts.num_threads = counts[i];
        if (wtconv_create_with_options(demo_model, 32, 23, 17, &opts, &ctx) != WTCONV_OK) {
            check(0, wtconv_last_error());
            break;
        }
        if (!x) {
            in_count = wtconv_input_size(ctx);
            out_count = wtconv_output_size(ctx);
            x = malloc(in_count * sizeof *x);
            reference = malloc(out_count * sizeof *reference);
            y = malloc(out_count * sizeof *y);
            if (!x || !reference || !y) {
                check(0, "out of memory");
                wtconv_destroy(ctx);
                break;
            }
            for (size_t j = 0; j < in_count; j++)
                x[j] = (float)((j * 7919) % 1000) / 500.0f - 1.0f;
        }
        if (wtconv_run(ctx, x, i == 0 ? reference : y) != WTCONV_OK) {
            check(0, wtconv_last_error());
        } else if (i > 0) {
            snprintf(what, sizeof what, "num_threads=%d gives the same bits as 1 thread",
                     counts[i]);
            check(memcmp(y, reference, out_count * sizeof *y) == 0, what);
            /* Run again on the same context: the pool is reused, not recreated. */
            memset(y, 0, out_count * sizeof *y);
            snprintf(what, sizeof what, "num_threads=%d, second run on the same context",
                     counts[i]);
            check(wtconv_run(ctx, x, y) == WTCONV_OK &&
                      memcmp(y, reference, out_count * sizeof *y) == 0,
                  what);
        }
        wtconv_destroy(ctx);
    }
    free(x);
    free(reference);
    free(y);
}

/* A CPU context for the demo model on batch x 32 x h x w, num_threads `threads`; NULL (and a
 * failed check) if create fails. */
static wtconv_ctx *cpu_context(int batch, int h, int w, int threads) {
    wtconv_ctx *ctx = NULL;
    wtconv_options opts;
    wtconv_options_init(&opts);
    opts.backend = WTCONV_BACKEND_CPU;
    opts.batch = batch;
    opts.num_threads = threads;
    if (wtconv_create_with_options(demo_model, 32, h, w, &opts, &ctx) != WTCONV_OK)
        check(0, wtconv_last_error());
    return ctx;
}

/* Checks that `ctx` runs on `expected` threads; where WTCONV_CPU_CHANNEL_BLOCKS=1 forces the
 * channel-block path, whose grids take more room, on at most that many, fewer only as the
 * half-input bound on the workspace requires. */
static void check_threads(const wtconv_ctx *ctx, int expected, const char *what) {
    const char *blocks = getenv("WTCONV_CPU_CHANNEL_BLOCKS");
    const int threads = wtconv_num_threads(ctx);
    if (blocks && !strcmp(blocks, "1"))
        check(threads >= 1 && threads <= expected &&
                  (threads == expected || threads == 1 ||
                   wtconv_workspace_size(ctx) <= wtconv_input_size(ctx) * sizeof(float) / 2),
              what);
    else
        check(threads == expected, what);
}

/* wtconv_num_threads and wtconv_backend_detail: the kernels WTCONV_CPU_ISA forced (the
 * *_scalar, *_avx2, ... variants of this test set it), and the thread counts that
 * wtconv_options documents. */
static void test_backend_detail(void) {
    const char *isa = getenv("WTCONV_CPU_ISA");
    const char *blocks = getenv("WTCONV_CPU_CHANNEL_BLOCKS");
    const int forced = isa && *isa && strcmp(isa, "auto") != 0;
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    char text[128];
    wtconv_ctx *ctx = cpu_context(1, 64, 64, 2);
    if (!ctx)
        return;
    const char *detail = wtconv_backend_detail(ctx);
    printf("     detail: %s\n", detail);
    if (forced) {
        snprintf(text, sizeof text, "%s kernels (WTCONV_CPU_ISA=%s), ", isa, isa);
        check(strncmp(detail, text, strlen(text)) == 0,
              "the detail names the kernels WTCONV_CPU_ISA forced, and the variable");
    } else {
        check(strstr(detail, "WTCONV_CPU_ISA") == NULL &&
                  (!strncmp(detail, "scalar kernels, ", 16) ||
                   !strncmp(detail, "avx2 kernels, ", 14) ||
                   !strncmp(detail, "avx512 kernels, ", 16) ||
                   !strncmp(detail, "neon kernels, ", 14)),
              "without WTCONV_CPU_ISA the detail names one of the kernel tables, no variable");
    }
    snprintf(text, sizeof text, "WTCONV_CPU_CHANNEL_BLOCKS=%s", blocks ? blocks : "");
    check((blocks && (!strcmp(blocks, "0") || !strcmp(blocks, "1"))) ==
              (strstr(detail, text) != NULL),
          "the detail names WTCONV_CPU_CHANNEL_BLOCKS exactly when it is set to 0 or 1");
    snprintf(text, sizeof text, ", %d thread%s", wtconv_num_threads(ctx),
             wtconv_num_threads(ctx) == 1 ? "" : "s");
    check(strstr(detail, text) != NULL, "the detail says how many threads run");
    check_threads(ctx, 2, "num_threads=2 on 32 planes of 64x64: 2 run");
    wtconv_destroy(ctx);

    for (int asked = 1; asked <= 3; asked++) {
        if ((ctx = cpu_context(2, 64, 64, asked)) != NULL) {
            snprintf(text, sizeof text, "num_threads=%d on 64 planes of 64x64: as many run", asked);
            check_threads(ctx, asked, text);
            wtconv_destroy(ctx);
        }
    }
    /* num_threads 0: one per online core, under the same caps as asking for that many. */
    if (online >= 1 && online <= 256 && (ctx = cpu_context(1, 64, 64, 0)) != NULL) {
        wtconv_ctx *same = cpu_context(1, 64, 64, (int)online);
        check(same && wtconv_num_threads(ctx) == wtconv_num_threads(same) &&
                  wtconv_num_threads(ctx) >= 1 && wtconv_num_threads(ctx) <= online,
              "num_threads=0 runs as many as num_threads=<online cores>");
        wtconv_destroy(same);
        wtconv_destroy(ctx);
    }
    /* Capped at N*C, one plane each at most: 2 x 32 planes of 256x256 leave room for all. */
    if ((ctx = cpu_context(2, 256, 256, 100)) != NULL) {
        check_threads(ctx, 64, "num_threads=100 on 64 planes: capped at 64");
        check(strstr(wtconv_backend_detail(ctx), " (capped from 100)") != NULL,
              "the detail says from how many the threads were capped");
        wtconv_destroy(ctx);
    }
    /* num_threads 0 with a pool: the pool's threads, and the detail counts from those (it
     * once counted from the online cores and said "(capped from 2)" of a 3-thread pool). */
    {
        wtconv_threadpool *pool = NULL;
        wtconv_options opts;
        wtconv_options_init(&opts);
        opts.backend = WTCONV_BACKEND_CPU;
        if (wtconv_threadpool_create(online == 3 ? 5 : 3, &pool) == WTCONV_OK) {
            opts.threadpool = pool;
            if (wtconv_create_with_options(demo_model, 32, 64, 64, &opts, &ctx) == WTCONV_OK) {
                check_threads(ctx, online == 3 ? 5 : 3, "num_threads=0 with a pool: its threads");
                check(strstr(wtconv_backend_detail(ctx), "capped") == NULL,
                      "num_threads=0 with a pool: the detail names no cap");
                printf("     (%s)\n", wtconv_backend_detail(ctx));
                wtconv_destroy(ctx);
            } else
                check(0, wtconv_last_error());
            wtconv_threadpool_destroy(pool);
        } else
            check(0, wtconv_last_error());
    }
    /* Small layers: only as many as keep the workspace within half the input. */
    if ((ctx = cpu_context(1, 6, 6, 8)) != NULL) {
        const int threads = wtconv_num_threads(ctx);
        check(threads >= 1 && threads < 8 &&
                  (threads == 1 ||
                   wtconv_workspace_size(ctx) <= wtconv_input_size(ctx) * sizeof(float) / 2),
              "num_threads=8 on 32 planes of 6x6: fewer, within half the input or one");
        wtconv_destroy(ctx);
    }
    check(wtconv_num_threads(NULL) == 0 && wtconv_backend_detail(NULL) != NULL &&
              wtconv_backend_detail(NULL)[0] == '\0',
          "wtconv_num_threads(NULL) is 0, wtconv_backend_detail(NULL) is \"\"");
}

static void *fail_on_other_thread(void *arg) {
    wtconv_ctx *ctx = NULL;
    (void)arg;
    wtconv_create("/nonexistent/other-thread.safetensors", 1, 1, 1, &ctx);
    return strstr(wtconv_last_error(), "other-thread") ? (void *)1 : NULL;
}

static void test_thread_local_error(void) {
    pthread_t thread;
    void *result = NULL;
    wtconv_ctx *ctx = NULL;
    wtconv_create("/nonexistent/main-thread.safetensors", 1, 1, 1, &ctx);
    if (pthread_create(&thread, NULL, fail_on_other_thread, NULL) != 0) {
        check(0, "pthread_create");
        return;
    }
    pthread_join(thread, &result);
    check(result != NULL, "the other thread sees its own error");
    check(strstr(wtconv_last_error(), "main-thread") != NULL,
          "this thread's error is untouched by another thread's failure");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_api DEMO_MODEL.safetensors\n");
        return 2;
    }
    demo_model = argv[1];
    check(wtconv_last_error() != NULL && wtconv_last_error()[0] == '\0', "last error starts empty");
    { /* under a WTCONV_CPU_ISA variant, skip where that instruction set is missing */
        wtconv_ctx *ctx = NULL;
        test_skip_if_isa_unavailable(wtconv_create(demo_model, 32, 9, 7, &ctx));
        wtconv_destroy(ctx);
    }
    test_versions_and_strings();
    test_options_struct();
    test_queries();
    test_thread_counts();
    test_backend_detail();
    test_thread_local_error();
    printf("api: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
