/* Concurrency, as the header's thread-safety contract promises it:
 *  - many contexts created, run and destroyed at once on many threads, each output checked
 *    against the PyTorch reference's output for the demo model (examples/);
 *  - one context used from several threads in turn, handed over under a mutex;
 *  - wtconv_last_error() per thread, while other threads fail and succeed around it.
 * Built into the ThreadSanitizer job of CI like every test. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wtconv/wtconv.h>

#include "raw_f32.h"
#include "test_util.h"

#define THREADS 8
#define ROUNDS 3
#define C 32
#define H 64
#define W 64
#define COUNT ((size_t)C * H * W)

static const char *model_path;
static float *input, *expected;

typedef struct worker {
    int id;
    int failures;
    char first_failure[256];
} worker;

static void record(worker *self, const char *what) {
    if (self->failures++ == 0)
        snprintf(self->first_failure, sizeof self->first_failure, "%s (%s)", what,
                 wtconv_last_error());
}

/* Phase 1: each thread makes its own contexts, with a thread count of its own, and also fails
 * a create of a path only it uses; its last error must stay its own throughout. */
static void *independent_contexts(void *arg) {
    worker *self = arg;
    float *y = malloc(COUNT * sizeof *y);
    char missing[96], tag[64];
    if (!y) {
        record(self, "out of memory");
        return NULL;
    }
    for (int round = 0; round < ROUNDS; round++) {
        wtconv_options opts;
        wtconv_ctx *ctx = NULL;
        snprintf(tag, sizeof tag, "thread-%d-round-%d", self->id, round);
        snprintf(missing, sizeof missing, "/nonexistent/%s.safetensors", tag);
        if (wtconv_create(missing, C, H, W, &ctx) != WTCONV_ERR_IO || ctx != NULL)
            record(self, "create of a missing file did not fail with IO");

        wtconv_options_init(&opts);
        opts.num_threads = 1 + (self->id + round) % 3;
        if (wtconv_create_with_options(model_path, C, H, W, &opts, &ctx) != WTCONV_OK) {
            record(self, "create failed");
            continue;
        }
        memset(y, 0, COUNT * sizeof *y);
        if (wtconv_run(ctx, input, y) != WTCONV_OK)
            record(self, "run failed");
        else if (!test_within_contract(y, expected, COUNT, NULL, NULL))
            record(self, "output differs from the reference");
        wtconv_destroy(ctx);
        /* Successes leave the message alone; other threads' failures never reach it. */
        if (!strstr(wtconv_last_error(), tag))
            record(self, "last error is not this thread's own");
    }
    free(y);
    return NULL;
}

/* Phase 2: one context, used by every thread in turn. The mutex hands it over, which is all
 * the contract asks of the caller. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t turn_changed;
    int turn;
    wtconv_ctx *ctx;
} shared = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, NULL};

static void *shared_context(void *arg) {
    worker *self = arg;
    float *y = malloc(COUNT * sizeof *y);
    if (!y) {
        record(self, "out of memory");
        return NULL;
    }
    for (int round = 0; round < ROUNDS; round++) {
        int mine = round * THREADS + self->id;
        pthread_mutex_lock(&shared.lock);
        while (shared.turn != mine)
            pthread_cond_wait(&shared.turn_changed, &shared.lock);
        memset(y, 0, COUNT * sizeof *y);
        if (wtconv_run(shared.ctx, input, y) != WTCONV_OK)
            record(self, "run on the shared context failed");
        else if (!test_within_contract(y, expected, COUNT, NULL, NULL))
            record(self, "shared context's output differs from the reference");
        shared.turn++;
        pthread_cond_broadcast(&shared.turn_changed);
        pthread_mutex_unlock(&shared.lock);
    }
    free(y);
    return NULL;
}

static int run_phase(const char *name, void *(*body)(void *)) {
    pthread_t threads[THREADS];
    worker workers[THREADS];
    int started = 0, failures = 0;
    memset(workers, 0, sizeof workers);
    for (int i = 0; i < THREADS; i++) {
        workers[i].id = i;
        if (pthread_create(&threads[i], NULL, body, &workers[i]) != 0)
            break;
        started++;
    }
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < started; i++) {
        if (workers[i].failures)
            printf("FAIL %s: thread %d: %d failures, first: %s\n", name, i, workers[i].failures,
                   workers[i].first_failure);
        failures += workers[i].failures;
    }
    if (started != THREADS) {
        printf("FAIL %s: started %d of %d threads\n", name, started, THREADS);
        failures++;
    }
    if (!failures)
        printf("ok   %s: %d threads x %d rounds\n", name, THREADS, ROUNDS);
    return failures ? 1 : 0;
}

static int load(const char *path, float **out) {
    char error[512];
    *out = malloc(COUNT * sizeof **out);
    if (!*out || raw_f32_read(path, *out, COUNT, error, sizeof error) != 0) {
        printf("FAIL %s\n", *out ? error : "out of memory");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    wtconv_options opts;
    int failed = 0;
    if (argc != 4) {
        fprintf(stderr, "usage: test_concurrency MODEL INPUT.f32 EXPECTED.f32 (32x64x64)\n");
        return 2;
    }
    model_path = argv[1];
    if (load(argv[2], &input) != 0 || load(argv[3], &expected) != 0)
        return 1;

    failed += run_phase("independent contexts on many threads", independent_contexts);

    wtconv_options_init(&opts);
    opts.num_threads = 2; /* the context's own pool, driven from a different thread each time */
    if (wtconv_create_with_options(model_path, C, H, W, &opts, &shared.ctx) != WTCONV_OK) {
        printf("FAIL cannot create the shared context: %s\n", wtconv_last_error());
        return 1;
    }
    failed += run_phase("one context handed between threads", shared_context);
    wtconv_destroy(shared.ctx);

    free(input);
    free(expected);
    printf("concurrency: %s\n", failed ? "FAILED" : "passed");
    return failed ? 1 : 0;
}
