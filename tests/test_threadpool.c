/* Where a context's CPU threads come from (the header's "Threads"):
 * - a network of contexts sharing the process-wide pool, run in order, gives every layer the
 *   bits it gives alone on one thread, which is within the accuracy contract of the float64
 *   reference (tests/support/ref_wtconv.c);
 * - the same bits on an application's wtconv_threadpool, and through an application's
 *   parallel-for, serial and on threads of its own (which is called with one task per thread);
 * - two application threads running contexts at once on the shared pool, and on one pool of
 *   their own, both finish with the right bits (one of them runs its tasks itself);
 * - a child of fork() makes its own default pool and gets the same bits (not under
 *   ThreadSanitizer, which does not support threads started after a multi-threaded fork, nor
 *   Valgrind, whose leak check would count the child's copy of the parent's heap);
 * - bad options and pool arguments fail with a message naming them.
 * Run under ThreadSanitizer, ASan and Valgrind in CI like every test. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <wtconv/wtconv.h>

#include "test_util.h"
#include "uniform_layer.h"

static int passed, failed;

static void check(int ok, const char *what) {
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    ok ? passed++ : failed++;
}

/* Shapes that take each of the CPU backend's splits: channel blocks (small planes), rows of
 * all planes (fewer planes than threads share evenly), whole planes; odd sizes. */
typedef struct layer {
    int n, c, h, w, k, levels;
    char path[512];
    float *x, *y1; /* input, and the 1-thread output */
} layer;

static layer layers[] = {
    {1, 16, 20, 20, 5, 2, "", NULL, NULL}, {1, 3, 33, 31, 3, 3, "", NULL, NULL},
    {2, 8, 40, 36, 5, 2, "", NULL, NULL},  {1, 6, 48, 48, 7, 3, "", NULL, NULL},
    {2, 32, 9, 9, 3, 1, "", NULL, NULL},   {1, 12, 64, 64, 5, 2, "", NULL, NULL},
    {1, 3, 96, 80, 5, 3, "", NULL, NULL},  {2, 48, 24, 24, 5, 2, "", NULL, NULL},
};
#define LAYERS (int)(sizeof layers / sizeof layers[0])

static size_t in_count(const layer *l) { return (size_t)l->n * l->c * l->h * l->w; }

static unsigned long long rng = 0x900dULL;
static float rnd(void) {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((long long)(rng >> 40) - (1LL << 23)) / (float)(1 << 23);
}

/* ---- Ways to run the tasks ------------------------------------------------------------- */
typedef struct host_stats {
    pthread_mutex_t lock;
    int calls;
    size_t max_count;
} host_stats;

static void count_call(host_stats *stats, size_t count) {
    pthread_mutex_lock(&stats->lock);
    stats->calls++;
    if (count > stats->max_count)
        stats->max_count = count;
    pthread_mutex_unlock(&stats->lock);
}

/* A serial parallel-for, backwards (any order must do). */
static void serial_for(void *host, wtconv_parallel_task task, void *data, size_t count) {
    count_call(host, count);
    for (size_t i = count; i-- > 0;)
        task(data, i);
}

/* A parallel-for on threads of its own: one per task but the first, which the caller runs. */
typedef struct thread_task {
    wtconv_parallel_task task;
    void *data;
    size_t index;
} thread_task;

static void *thread_task_main(void *opaque) {
    thread_task *t = opaque;
    t->task(t->data, t->index);
    return NULL;
}

#define MAX_HOST_TASKS 16
static void pthread_for(void *host, wtconv_parallel_task task, void *data, size_t count) {
    pthread_t threads[MAX_HOST_TASKS];
    thread_task tasks[MAX_HOST_TASKS];
    size_t started = 0;
    count_call(host, count);
    for (size_t i = 1; i < count && i < MAX_HOST_TASKS; i++) {
        tasks[i].task = task, tasks[i].data = data, tasks[i].index = i;
        if (pthread_create(&threads[i], NULL, thread_task_main, &tasks[i]) != 0)
            break;
        started = i;
    }
    for (size_t i = started + 1; i < count; i++) /* no thread for these: run them here */
        task(data, i);
    if (count > 0)
        task(data, 0);
    for (size_t i = 1; i <= started; i++)
        pthread_join(threads[i], NULL);
}

typedef struct setup {
    int num_threads;
    wtconv_threadpool *pool;
    wtconv_parallel_for_fn parallel_for;
    void *parallel_for_data;
} setup;

static wtconv_ctx *create(const layer *l, const setup *s) {
    wtconv_options opts;
    wtconv_ctx *ctx = NULL;
    wtconv_options_init(&opts);
    opts.batch = l->n;
    opts.num_threads = s->num_threads;
    opts.threadpool = s->pool;
    opts.parallel_for = s->parallel_for;
    opts.parallel_for_data = s->parallel_for_data;
    if (wtconv_create_with_options(l->path, l->c, l->h, l->w, &opts, &ctx) != WTCONV_OK)
        printf("  create %dx%dx%d: %s\n", l->c, l->h, l->w, wtconv_last_error());
    return ctx;
}

/* Makes every layer's context with `s`, runs them in order `rounds` times, and checks each
 * output against the layer's 1-thread bits. 1 if all match. */
static int run_network(const setup *s, int rounds) {
    wtconv_ctx *ctx[LAYERS] = {NULL};
    float *y[LAYERS] = {NULL};
    int ok = 1;
    for (int i = 0; i < LAYERS && ok; i++) {
        ok = (ctx[i] = create(&layers[i], s)) != NULL &&
             (y[i] = malloc(in_count(&layers[i]) * sizeof(float))) != NULL;
    }
    for (int r = 0; r < rounds && ok; r++)
        for (int i = 0; i < LAYERS && ok; i++) {
            memset(y[i], 0xff, in_count(&layers[i]) * sizeof(float));
            ok = wtconv_run(ctx[i], layers[i].x, y[i]) == WTCONV_OK &&
                 memcmp(y[i], layers[i].y1, in_count(&layers[i]) * sizeof(float)) == 0;
            if (!ok)
                printf("  layer %d, round %d: %s\n", i, r,
                       *wtconv_last_error() ? wtconv_last_error() : "bits differ");
        }
    for (int i = 0; i < LAYERS; i++) {
        wtconv_destroy(ctx[i]);
        free(y[i]);
    }
    return ok;
}

/* ---- Two application threads at once --------------------------------------------------- */
typedef struct app_thread {
    setup s;
    int ok;
} app_thread;

static pthread_barrier_t start_together;

static void *app_thread_main(void *opaque) {
    app_thread *a = opaque;
    pthread_barrier_wait(&start_together);
    a->ok = run_network(&a->s, 8);
    return NULL;
}

static int two_threads_at_once(const setup *s0, const setup *s1) {
    pthread_t threads[2];
    app_thread apps[2];
    int started = 0;
    apps[0].s = *s0, apps[1].s = *s1;
    apps[0].ok = apps[1].ok = 0;
    pthread_barrier_init(&start_together, NULL, 2);
    for (int i = 0; i < 2; i++)
        if (pthread_create(&threads[i], NULL, app_thread_main, &apps[i]) == 0)
            started++;
    if (started == 1) /* let the one that started through the barrier */
        pthread_barrier_wait(&start_together);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&start_together);
    return started == 2 && apps[0].ok && apps[1].ok;
}

/* ---- fork() ----------------------------------------------------------------------------- */
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif

/* After the parent has used the default pool: the child's new contexts run on a pool of its
 * own with the same bits. -1: not run here. */
static int fork_child_network(void) {
#if defined(UNDER_TSAN)
    return -1;
#else
    const char *preload = getenv("LD_PRELOAD");
    setup s;
    int status = 0;
    pid_t pid;
    /* Under Valgrind the child's copy of the parent's heap would count as its leaks. */
    if (preload && strstr(preload, "valgrind"))
        return -1;
    fflush(stdout);
    pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        memset(&s, 0, sizeof s);
        s.num_threads = 2;
        _exit(run_network(&s, 2) ? 0 : 1);
    }
    return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
#endif
}

/* ---- Bad arguments --------------------------------------------------------------------- */
static int fails_naming(wtconv_status got, wtconv_status want, const char *needle) {
    const int ok = got == want && strstr(wtconv_last_error(), needle) != NULL;
    if (!ok)
        printf("  status %d, message '%s'; wanted %d naming '%s'\n", (int)got, wtconv_last_error(),
               (int)want, needle);
    return ok;
}

static void bad_arguments(wtconv_threadpool *pool) {
    wtconv_options opts;
    wtconv_ctx *ctx = (wtconv_ctx *)&opts; /* must come back NULL */
    wtconv_threadpool *p = (wtconv_threadpool *)&opts;
    host_stats stats;
    wtconv_options_init(&opts);
    opts.threadpool = pool;
    opts.parallel_for = serial_for;
    opts.parallel_for_data = &stats;
    check(fails_naming(wtconv_create_with_options(layers[0].path, layers[0].c, layers[0].h,
                                                  layers[0].w, &opts, &ctx),
                       WTCONV_ERR_INVALID_ARGUMENT,
                       "options.threadpool and options.parallel_for") &&
              ctx == NULL,
          "threadpool and parallel_for both set: refused, naming both");
    wtconv_options_init(&opts);
    opts.parallel_for_data = &stats;
    check(fails_naming(wtconv_create_with_options(layers[0].path, layers[0].c, layers[0].h,
                                                  layers[0].w, &opts, &ctx),
                       WTCONV_ERR_INVALID_ARGUMENT, "options.parallel_for_data"),
          "parallel_for_data without parallel_for: refused");
    check(fails_naming(wtconv_threadpool_create(-1, &p), WTCONV_ERR_INVALID_ARGUMENT,
                       "num_threads is -1") &&
              p == NULL,
          "wtconv_threadpool_create(-1): refused, *out_pool NULL");
    check(fails_naming(wtconv_threadpool_create(257, &p), WTCONV_ERR_INVALID_ARGUMENT,
                       "num_threads is 257"),
          "wtconv_threadpool_create(257): refused");
    check(fails_naming(wtconv_threadpool_create(2, NULL), WTCONV_ERR_INVALID_ARGUMENT, "out_pool"),
          "wtconv_threadpool_create(2, NULL): refused");
    wtconv_threadpool_destroy(NULL);
}

int main(void) {
    setup s;
    host_stats stats;
    wtconv_threadpool *pool = NULL, *pool1 = NULL;
    int ok = 1;
    pthread_mutex_init(&stats.lock, NULL);

    /* The layers, their reference outputs, and their bits on one thread. */
    for (int i = 0; i < LAYERS && ok; i++) {
        layer *l = &layers[i];
        const size_t nv = (size_t)4 * l->c * l->k * l->k, count = in_count(l);
        float *v = malloc(nv * sizeof *v), *ref;
        char tag[32];
        double err = 0, bound = 0;
        wtconv_ctx *ctx;
        snprintf(tag, sizeof tag, "threadpool-%d.safetensors", i);
        test_temp_path(l->path, sizeof l->path, tag);
        l->x = malloc(count * sizeof(float));
        l->y1 = malloc(count * sizeof(float));
        ok = v && l->x && l->y1;
        for (size_t j = 0; ok && j < nv; j++)
            v[j] = 0.3f * rnd();
        for (size_t j = 0; ok && j < count; j++)
            l->x[j] = rnd();
        ok = ok && uniform_layer_write(l->path, l->c, l->k, l->levels, v) == 0;
        memset(&s, 0, sizeof s);
        s.num_threads = 1;
        ctx = ok ? create(l, &s) : NULL;
        ok = ctx && wtconv_run(ctx, l->x, l->y1) == WTCONV_OK;
        wtconv_destroy(ctx);
        ref = ok ? uniform_layer_reference(l->n, l->c, l->h, l->w, l->k, l->levels, v, l->x) : NULL;
        ok = ref && test_within_contract(l->y1, ref, count, &err, &bound);
        if (!ok)
            printf("  layer %d: error %g, bound %g\n", i, err, bound);
        free(ref);
        free(v);
    }
    check(ok, "every layer on one thread is within the contract of the float64 reference");
    if (!ok)
        goto done;

    memset(&s, 0, sizeof s);
    for (int threads = 0; threads <= 3; threads++) {
        char what[128];
        s.num_threads = threads;
        snprintf(what, sizeof what,
                 "the network on the shared default pool, num_threads %d: each layer's bits "
                 "as alone on one thread",
                 threads);
        check(run_network(&s, 3), what);
    }

    check(wtconv_threadpool_create(3, &pool) == WTCONV_OK && pool, "wtconv_threadpool_create(3)");
    check(wtconv_threadpool_create(1, &pool1) == WTCONV_OK && pool1, "wtconv_threadpool_create(1)");
    if (!pool || !pool1)
        goto done;
    memset(&s, 0, sizeof s);
    s.pool = pool;
    check(run_network(&s, 3), "an application's pool of 3, num_threads 0 (= 3): the same bits");
    s.num_threads = 2;
    check(run_network(&s, 3), "an application's pool of 3, num_threads 2: the same bits");
    s.pool = pool1;
    s.num_threads = 4;
    check(run_network(&s, 2), "an application's pool of 1, num_threads 4: the same bits");

    memset(&s, 0, sizeof s);
    s.num_threads = 3;
    s.parallel_for = serial_for;
    s.parallel_for_data = &stats;
    stats.calls = 0, stats.max_count = 0;
    ok = run_network(&s, 2);
    printf("  (%d calls, at most %zu tasks)\n", stats.calls, stats.max_count);
    check(ok && stats.calls > 0 && stats.max_count == 3,
          "a serial parallel_for, num_threads 3: the same bits, called with 3 tasks");
    s.parallel_for = pthread_for;
    stats.calls = 0, stats.max_count = 0;
    check(run_network(&s, 2) && stats.calls > 0 && stats.max_count == 3,
          "a parallel_for on threads of its own, num_threads 3: the same bits");

    {
        setup a, b;
        memset(&a, 0, sizeof a);
        a.num_threads = 2;
        b = a;
        b.num_threads = 3;
        check(two_threads_at_once(&a, &b),
              "two application threads running networks at once on the shared pool");
        a.pool = b.pool = pool;
        check(two_threads_at_once(&a, &b),
              "two application threads running networks at once on one application pool");
        b.pool = NULL;
        b.parallel_for = pthread_for;
        b.parallel_for_data = &stats;
        check(two_threads_at_once(&a, &b), "one on an application pool, one on a parallel_for");
    }

    ok = fork_child_network();
    if (ok >= 0)
        check(ok, "a child of fork() runs a network on a default pool of its own");
    else
        printf("skip a child of fork() (under ThreadSanitizer or Valgrind)\n");

    bad_arguments(pool);

done:
    wtconv_threadpool_destroy(pool);
    wtconv_threadpool_destroy(pool1);
    for (int i = 0; i < LAYERS; i++) {
        if (layers[i].path[0])
            remove(layers[i].path);
        free(layers[i].x);
        free(layers[i].y1);
    }
    pthread_mutex_destroy(&stats.lock);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
