/* wtconv-ab: two builds of libwtconv side by side in one process, to tell whether a change
 * made layers faster on a machine whose speed moves by tens of percent from one second to the
 * next (a shared host: the same build alone varies more than most changes gain).
 *
 *   wtconv-ab LIB_A LIB_B [--rounds N] [--threads T] [--batch N] [--batch-b N]
 *             [--network | --shape C/H/W/k/L...]
 *
 * LIB_A and LIB_B are paths of two libwtconv shared libraries (e.g. build-old/libwtconv.so
 * and build/libwtconv.so). Both are loaded (dlopen, RTLD_LOCAL), each creates a context for
 * the same layer with random weights, and the rounds alternate them: each round runs A for
 * about 10 ms and B for as many runs (which goes first alternates), so both see the same
 * spells of the machine. Per shape it prints each build's best ms, the ratio of the
 * bests, and the median and quartiles of the rounds' A/B ratios (> 1: B is faster). Passing
 * the same library twice shows the method's own spread. --network does the same with passes
 * through WTConvNeXt-T's 18 WTConv layers (as wtconv-bench --network). Times are per image
 * (per run at batch 1). --batch-b gives B a batch of its own (e.g. the same library twice,
 * --batch 1 --batch-b 8: is a batch of 8 faster per image?), and each build's turn is then
 * about 10 ms of its own runs. --fresh MB gives every run of a single layer tensors of its own,
 * taken in turn from a pool of at least MB megabytes of inputs and outputs for each build, so that
 * no run finds the tensors of the run before in cache (as a server taking new images would; by
 * default the same x and y serve every run, and at batch 1 they stay in cache). Not a ctest test.
 */
#define _POSIX_C_SOURCE 200809L

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wtconv/wtconv.h>

#include "bench_model.h"

#define MAX_SHAPES 64

/* The entry points used, looked up in each build (the header's declarations as types). */
typedef struct build {
    const char *path;
    int batch; /* images per run */
    void *handle;
    void (*options_init_sized)(wtconv_options *, size_t);
    wtconv_status (*create_with_options)(const char *, int, int, int, const wtconv_options *,
                                         wtconv_ctx **);
    wtconv_status (*run)(wtconv_ctx *, const float *, float *);
    void (*destroy)(wtconv_ctx *);
    const char *(*last_error)(void);
} build;

/* dlsym's object pointer into a function pointer, without the cast ISO C leaves undefined. */
#define LOOK_UP(b, field, name)                                                                    \
    do {                                                                                           \
        void *symbol = dlsym((b)->handle, (name));                                                 \
        if (!symbol) {                                                                             \
            fprintf(stderr, "wtconv-ab: %s has no %s\n", (b)->path, (name));                       \
            return -1;                                                                             \
        }                                                                                          \
        memcpy(&(b)->field, &symbol, sizeof symbol);                                               \
    } while (0)

static int load(build *b, const char *path) {
    b->path = path;
    b->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!b->handle) {
        fprintf(stderr, "wtconv-ab: %s\n", dlerror());
        return -1;
    }
    LOOK_UP(b, options_init_sized, "wtconv_options_init_sized");
    LOOK_UP(b, create_with_options, "wtconv_create_with_options");
    LOOK_UP(b, run, "wtconv_run");
    LOOK_UP(b, destroy, "wtconv_destroy");
    LOOK_UP(b, last_error, "wtconv_last_error");
    return 0;
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int compare_doubles(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Seconds per run over `runs` runs, or -1 after a message; run i uses the tensors of slot
 * (*next + i) % slots, and *next moves on by `runs`. */
static double time_runs(const build *b, wtconv_ctx *ctx, float *const *x, float *const *y,
                        size_t slots, size_t *next, long runs) {
    const double t0 = now_seconds();
    for (long i = 0; i < runs; i++, *next = (*next + 1) % slots)
        if (b->run(ctx, x[*next], y[*next]) != WTCONV_OK) {
            fprintf(stderr, "wtconv-ab: %s: run: %s\n", b->path, b->last_error());
            return -1;
        }
    return (now_seconds() - t0) / (double)runs;
}

/* One build's turn: seconds per image over `runs` runs of build `which`, or -1. */
typedef double (*turn_fn)(void *job, int which, long runs);

/* `rounds` rounds, each a turn of either build (which goes first alternates; runs[i] runs of
 * build i): each build's best seconds per image into best[], the rounds' A/B ratios into
 * ratios[], sorted. */
static int alternate(turn_fn turn, void *job, int rounds, const long runs[2], double *ratios,
                     double best[2]) {
    for (int r = 0; r < rounds; r++) {
        double t[2];
        for (int step = 0; step < 2; step++) {
            const int which = (r + step) % 2;
            t[which] = turn(job, which, runs[which]);
            if (t[which] < 0)
                return -1;
            if (t[which] < best[which])
                best[which] = t[which];
        }
        ratios[r] = t[0] / t[1];
    }
    qsort(ratios, (size_t)rounds, sizeof *ratios, compare_doubles);
    return 0;
}

static void report(const char *what, const double best[2], const double *ratios, int rounds) {
    printf("%s  A %8.4f ms  B %8.4f ms  A/B best %.3f  rounds: median %.3f (quartiles %.3f "
           "%.3f)\n",
           what, 1e3 * best[0], 1e3 * best[1], best[0] / best[1], ratios[rounds / 2],
           ratios[rounds / 4], ratios[(3 * rounds) / 4]);
}

/* Runs per turn for each build: about `seconds` of its own, from a warm-up of 3 runs timed
 * by turn(job, which, 3) (seconds per image); 0 after an error. */
static int runs_per_turn(turn_fn turn, void *job, build builds[2], double seconds, long runs[2]) {
    for (int i = 0; i < 2; i++) {
        const double t = turn(job, i, 3) * (double)builds[i].batch;
        if (t < 0)
            return 0;
        runs[i] = t > 0 ? (long)(seconds / t) + 1 : 1;
    }
    return 1;
}

typedef struct shape {
    int c, h, w, k, levels;
} shape;

/* Where a layer's random model is written (not test_util's test_temp_path: that file calls
 * into a linked libwtconv, and this program links none). */
static void temp_model_path(char *out, size_t cap) {
    const char *dir = getenv("TMPDIR");
    snprintf(out, cap, "%s/wtconv-ab-%ld.safetensors", dir && *dir ? dir : "/tmp", (long)getpid());
}

typedef struct layer_job {
    build *builds;
    wtconv_ctx **ctx;
    float **x, **y; /* each build's `slots` inputs and outputs from x[pool[i]], used in turn */
    size_t slots, pool[2], next[2];
} layer_job;

/* Both kinds of turn return seconds per image (per run, unless --batch-b). */
static double per_image(double seconds, const build *b) {
    return seconds < 0 ? seconds : seconds / (double)b->batch;
}

static double layer_turn(void *job, int which, long runs) {
    layer_job *j = job;
    return per_image(time_runs(&j->builds[which], j->ctx[which], j->x + j->pool[which],
                               j->y + j->pool[which], j->slots, &j->next[which], runs),
                     &j->builds[which]);
}

/* fresh_mb: 0 for one input and output (both builds'), else at least that many megabytes of
 * them for each build (so that neither finds the other's last tensors in cache either). */
static int compare_shape(build builds[2], const shape *s, int rounds, int threads, int fresh_mb) {
    char model[512];
    wtconv_ctx *ctx[2] = {NULL, NULL};
    const int batch = builds[0].batch > builds[1].batch ? builds[0].batch : builds[1].batch;
    const size_t count = (size_t)batch * (size_t)s->c * (size_t)s->h * (size_t)s->w;
    const size_t pair_bytes = 2 * count * sizeof(float);
    const size_t slots = fresh_mb ? ((size_t)fresh_mb << 20) / pair_bytes + 1 : 1;
    const size_t tensors = fresh_mb ? 2 * slots : 1;
    float **x = calloc(tensors, sizeof *x), **y = calloc(tensors, sizeof *y);
    double *ratios = malloc((size_t)rounds * sizeof *ratios), best[2] = {1e30, 1e30};
    long runs[2] = {1, 1};
    int failed = !ratios || !x || !y;
    for (size_t i = 0; i < tensors && !failed; i++) {
        x[i] = bench_random_floats(count, 1.0f);
        y[i] = bench_random_floats(count, 0.0f);
    }
    temp_model_path(model, sizeof model);
    failed = failed || bench_write_model("wtconv-ab", s->c, s->k, s->levels, model) != 0;
    for (int i = 0; i < 2 && !failed; i++) {
        wtconv_options opts;
        builds[i].options_init_sized(&opts, sizeof opts);
        opts.num_threads = threads;
        opts.batch = builds[i].batch;
        if (builds[i].create_with_options(model, s->c, s->h, s->w, &opts, &ctx[i]) != WTCONV_OK) {
            fprintf(stderr, "wtconv-ab: %s: create: %s\n", builds[i].path, builds[i].last_error());
            failed = 1;
        }
    }
    remove(model);
    if (!failed) {
        layer_job job = {builds, ctx, x, y, slots, {0, fresh_mb ? slots : 0}, {0, 0}};
        char what[64];
        /* warm up both; runs per turn: about 10 ms (A's, and B's own with --batch-b) */
        failed = !runs_per_turn(layer_turn, &job, builds, 0.01, runs);
        snprintf(what, sizeof what, "%4d/%3d/%3d/%d/%d", s->c, s->h, s->w, s->k, s->levels);
        failed = failed || alternate(layer_turn, &job, rounds, runs, ratios, best) != 0;
        if (!failed)
            report(what, best, ratios, rounds);
    }
    for (int i = 0; i < 2; i++)
        if (ctx[i])
            builds[i].destroy(ctx[i]);
    free(ratios);
    for (size_t i = 0; i < tensors && x && y; i++) {
        free(x[i]);
        free(y[i]);
    }
    free(x);
    free(y);
    return failed ? -1 : 0;
}

/* --network: WTConvNeXt-T's 18 WTConv layers (k = 5; C = 96/192/384/768 at 56/28/14/7 with
 * L = 5/4/3/2; 3+3+9+3 layers), 18 contexts per build run in order, each stage's layers
 * reading the stage's input and writing its output (as wtconv-bench --network): the builds'
 * passes alternated like single layers. */
#define NETWORK_LAYERS 18
static const shape network_stages[4] = {
    {96, 56, 56, 5, 5}, {192, 28, 28, 5, 4}, {384, 14, 14, 5, 3}, {768, 7, 7, 5, 2}};
static const int network_stage_layers[4] = {3, 3, 9, 3};

/* Seconds per pass over `runs` passes, or -1 after a message. */
static double time_passes(const build *b, wtconv_ctx **ctx, const int *stage, float **x, float **y,
                          long runs) {
    const double t0 = now_seconds();
    for (long r = 0; r < runs; r++)
        for (int i = 0; i < NETWORK_LAYERS; i++)
            if (b->run(ctx[i], x[stage[i]], y[stage[i]]) != WTCONV_OK) {
                fprintf(stderr, "wtconv-ab: %s: run: %s\n", b->path, b->last_error());
                return -1;
            }
    return (now_seconds() - t0) / (double)runs;
}

typedef struct network_job {
    build *builds;
    wtconv_ctx *(*ctx)[NETWORK_LAYERS];
    const int *stage;
    float **x, **y;
} network_job;

static double network_turn(void *job, int which, long runs) {
    network_job *j = job;
    return per_image(time_passes(&j->builds[which], j->ctx[which], j->stage, j->x, j->y, runs),
                     &j->builds[which]);
}

static int compare_network(build builds[2], int rounds, int threads) {
    char model[512];
    const int batch = builds[0].batch > builds[1].batch ? builds[0].batch : builds[1].batch;
    wtconv_ctx *ctx[2][NETWORK_LAYERS] = {{NULL}};
    int stage[NETWORK_LAYERS];
    float *x[4], *y[4];
    double *ratios = malloc((size_t)rounds * sizeof *ratios), best[2] = {1e30, 1e30};
    long runs[2] = {1, 1};
    int failed = !ratios;
    for (int st = 0, i = 0; st < 4; st++) {
        const shape *g = &network_stages[st];
        const size_t count = (size_t)batch * (size_t)g->c * (size_t)g->h * (size_t)g->w;
        x[st] = bench_random_floats(count, 1.0f);
        y[st] = bench_random_floats(count, 0.0f);
        for (int l = 0; l < network_stage_layers[st]; l++)
            stage[i++] = st;
    }
    temp_model_path(model, sizeof model);
    for (int i = 0; i < NETWORK_LAYERS && !failed; i++) {
        const shape *g = &network_stages[stage[i]];
        failed = bench_write_model("wtconv-ab", g->c, g->k, g->levels, model) != 0;
        for (int a = 0; a < 2 && !failed; a++) {
            wtconv_options opts;
            builds[a].options_init_sized(&opts, sizeof opts);
            opts.num_threads = threads;
            opts.batch = builds[a].batch;
            if (builds[a].create_with_options(model, g->c, g->h, g->w, &opts, &ctx[a][i]) !=
                WTCONV_OK) {
                fprintf(stderr, "wtconv-ab: %s: create: %s\n", builds[a].path,
                        builds[a].last_error());
                failed = 1;
            }
        }
        remove(model);
    }
    if (!failed) {
        network_job job = {builds, ctx, stage, x, y};
        /* warm up both; passes per turn: about 20 ms (A's, and B's own with --batch-b) */
        failed = !runs_per_turn(network_turn, &job, builds, 0.02, runs) ||
                 alternate(network_turn, &job, rounds, runs, ratios, best) != 0;
        if (!failed)
            report(builds[0].batch == 1 && builds[1].batch == 1 ? "network (18 layers), per pass:"
                                                                : "network (18 layers), per image:",
                   best, ratios, rounds);
    }
    for (int a = 0; a < 2; a++)
        for (int i = 0; i < NETWORK_LAYERS; i++)
            if (ctx[a][i])
                builds[a].destroy(ctx[a][i]);
    for (int st = 0; st < 4; st++) {
        free(x[st]);
        free(y[st]);
    }
    free(ratios);
    return failed ? -1 : 0;
}

static int usage(void) {
    fprintf(stderr, "usage: wtconv-ab LIB_A LIB_B [--rounds N] [--threads T] [--batch N] "
                    "[--batch-b N] [--network | [--fresh MB] --shape C/H/W/k/L...]\n");
    return 2;
}

int main(int argc, char **argv) {
    static const shape standard_shapes[] = {
        {32, 128, 128, 5, 1}, {64, 112, 112, 5, 2}, {96, 56, 56, 5, 3},  {128, 56, 56, 7, 2},
        {256, 28, 28, 5, 1},  {64, 224, 224, 5, 3}, {768, 14, 14, 5, 2},
    };
    shape shapes[MAX_SHAPES];
    int shape_count = 0, rounds = 40, threads = 1, batch = 1, batch_b = 0, network = 0, failed = 0;
    int fresh_mb = 0;
    build builds[2];
    if (argc < 3)
        return usage();
    for (int i = 3; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        char extra;
        if (!strcmp(argv[i], "--network")) {
            network = 1;
            continue;
        }
        if (!value)
            return usage();
        if (!strcmp(argv[i], "--shape")) {
            shape *s = &shapes[shape_count];
            if (shape_count == MAX_SHAPES || sscanf(value, "%d/%d/%d/%d/%d%c", &s->c, &s->h, &s->w,
                                                    &s->k, &s->levels, &extra) != 5) {
                fprintf(stderr, "wtconv-ab: --shape %s: expected C/H/W/k/L\n", value);
                return 2;
            }
            shape_count++;
        } else if (!strcmp(argv[i], "--rounds")) {
            rounds = atoi(value);
        } else if (!strcmp(argv[i], "--threads")) {
            threads = atoi(value);
        } else if (!strcmp(argv[i], "--batch")) {
            batch = atoi(value);
        } else if (!strcmp(argv[i], "--fresh")) {
            fresh_mb = atoi(value);
            if (fresh_mb < 1 || fresh_mb > 65536) {
                fprintf(stderr, "wtconv-ab: --fresh takes megabytes, 1 to 65536\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--batch-b")) {
            batch_b = atoi(value);
            if (batch_b < 1) {
                fprintf(stderr, "wtconv-ab: --batch-b must be >= 1\n");
                return 2;
            }
        } else {
            return usage();
        }
        i++;
    }
    if (rounds < 4 || threads < 0 || batch < 1) {
        fprintf(stderr, "wtconv-ab: --rounds must be >= 4, --threads >= 0, --batch >= 1\n");
        return 2;
    }
    if (fresh_mb && network) {
        fprintf(stderr, "wtconv-ab: --fresh is for single layers (a network's layers feed each "
                        "other)\n");
        return 2;
    }
    if (!shape_count) {
        shape_count = (int)(sizeof standard_shapes / sizeof standard_shapes[0]);
        memcpy(shapes, standard_shapes, sizeof standard_shapes);
    }
    if (load(&builds[0], argv[1]) || load(&builds[1], argv[2]))
        return 1;
    builds[0].batch = batch;
    builds[1].batch = batch_b ? batch_b : batch;
    if (builds[0].batch == builds[1].batch)
        printf("A = %s\nB = %s\n%d rounds, %d thread(s), batch %d%s; A/B > 1: B is faster\n",
               argv[1], argv[2], rounds, threads, batch, batch > 1 ? ", times per image" : "");
    else
        printf("A = %s, batch %d\nB = %s, batch %d\n%d rounds, %d thread(s); times per image; "
               "A/B > 1: B is faster per image\n",
               argv[1], builds[0].batch, argv[2], builds[1].batch, rounds, threads);
    if (fresh_mb)
        printf("every run on tensors of its own, from a pool of %d MB or more a build\n", fresh_mb);
    if (network)
        failed = compare_network(builds, rounds, threads) != 0;
    for (int i = 0; i < shape_count && !failed && !network; i++)
        failed = compare_shape(builds, &shapes[i], rounds, threads, fresh_mb) != 0;
    return failed ? 1 : 0;
}
