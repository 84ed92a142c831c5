/* wtconv-bench: times wtconv_run over a set of layer shapes and thread counts.
 *
 * For each shape (C/H/W/k/L, batch 1 unless --batch, NCHW, stride 1) it writes a layer with
 * random weights to a temporary safetensors file, creates a context per thread count, times
 * batches of runs of each in turn (so that a busy spell of a shared machine slows them
 * alike), and prints ms per run (median over the batches; the best batch too), GFLOP/s counting
 * 2*k^2 flops per output of every depthwise convolution (the base one and the 4 subbands of
 * every level), and that rate as a fraction of the machine's single-core FMA peak, measured
 * here by a loop of independent FMA chains (times the thread count for several threads).
 *
 *   wtconv-bench [--shape C/H/W/k/L]... [--threads 1,2] [--batch N] [--time S] [--batches N]
 *                [--peak-seconds S] [--csv]
 *   wtconv-bench --fma-sustained S     (only the FMA loop's average rate over S seconds)
 *   wtconv-bench --network [--layers] [--cpu-time] [--threads 1,2] [--batch N] [--time S]
 *                [--batches N] [--csv]
 *
 * --network times WTConvNeXt-T's 18 WTConv layers (k = 5; C = 96/192/384/768 at 56/28/14/7
 * with L = 5/4/3/2; 3+3+9+3 layers) made as 18 contexts and run in order, as an application
 * runs a network: ms per pass through the 18, beside the sum of each layer's time run alone
 * (timed in batches between the passes' batches), for batch 1 and 8 (or --batch) and every
 * thread count, the thread counts' batches taken in turn.
 *
 * The kernels are libwtconv's choice for this CPU, or those WTCONV_CPU_ISA names (scalar,
 * avx2, avx512). tools/bench_compare.py runs this beside PyTorch's WTConv2d. Not a ctest test:
 * its numbers depend on the machine and its load. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wtconv/wtconv.h>

#include "bench_model.h"
#include "fma_peak.h"
#include "test_util.h"

#define MAX_SHAPES 64
#define MAX_THREAD_COUNTS 16
#define MAX_BATCHES 101

typedef struct shape {
    int c, h, w, k, levels;
} shape;

/* The standard set (issue 4): ConvNeXt-like stages, the last with odd sizes below level 1. */
static const shape standard_shapes[] = {
    {32, 128, 128, 5, 1}, {64, 112, 112, 5, 2}, {96, 56, 56, 5, 3},  {128, 56, 56, 7, 2},
    {256, 28, 28, 5, 1},  {64, 224, 224, 5, 3}, {768, 14, 14, 5, 2},
};

typedef struct options {
    shape shapes[MAX_SHAPES];
    int shape_count;
    int threads[MAX_THREAD_COUNTS];
    int thread_count;
    int batch, batches, csv;
    int network;   /* --network */
    int layers;    /* --layers: with --network, each layer alone and in the passes */
    int batch_set; /* --batch given */
    double batch_seconds;
    double peak_seconds;      /* for the FMA peak; 0: not measured */
    double sustained_seconds; /* > 0: only the FMA loop's average rate over this time */
} options;

/* --cpu-time: the process's CPU time instead of wall time (on a busy machine, what a
 * 1-thread run costs without the time it waits for the CPU; with more threads it adds theirs
 * up, spinning included). */
static int use_cpu_time;

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(use_cpu_time ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* 2*k^2 flops per output of each depthwise convolution: the base one (H x W) and, per level,
 * four subbands of ceil(h/2) x ceil(w/2). */
static double layer_flops(const shape *s, int batch) {
    double outputs = (double)s->h * (double)s->w;
    for (int i = 0, h = s->h, w = s->w; i < s->levels; i++) {
        h = (h + 1) / 2;
        w = (w + 1) / 2;
        outputs += 4.0 * h * w;
    }
    return 2.0 * s->k * s->k * outputs * s->c * batch;
}

static int compare_doubles(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct timing {
    double median_ms, best_ms;
    size_t workspace;
} timing;

/* One batch of runs of ctx: at least batch_seconds and 3 runs; ms per run, or -1. */
static double time_batch(wtconv_ctx *ctx, const float *x, float *y, double batch_seconds) {
    int runs = 0;
    const double t0 = now_seconds();
    double elapsed;
    do {
        if (wtconv_run(ctx, x, y) != WTCONV_OK) {
            fprintf(stderr, "wtconv-bench: run: %s\n", wtconv_last_error());
            return -1;
        }
        runs++;
        elapsed = now_seconds() - t0;
    } while (elapsed < batch_seconds || runs < 3);
    return 1e3 * elapsed / runs;
}

/* Times the layer for every thread count of o, their batches taken in turn (1 thread, 2,
 * 1, 2, ...), so that a slow spell of a shared machine falls on all of them alike. */
static int time_layer(const char *model, const shape *s, const options *o, const float *x, float *y,
                      timing *t) {
    wtconv_ctx *ctx[MAX_THREAD_COUNTS] = {NULL};
    double per_run[MAX_THREAD_COUNTS][MAX_BATCHES];
    int failed = 0;
    for (int i = 0; i < o->thread_count && !failed; i++) {
        wtconv_options opts;
        wtconv_options_init(&opts);
        opts.batch = o->batch;
        opts.num_threads = o->threads[i];
        if (wtconv_create_with_options(model, s->c, s->h, s->w, &opts, &ctx[i]) != WTCONV_OK) {
            fprintf(stderr, "wtconv-bench: create: %s\n", wtconv_last_error());
            failed = 1;
            break;
        }
        t[i].workspace = wtconv_workspace_size(ctx[i]);
        /* warm up caches, pages and the pool */
        failed = time_batch(ctx[i], x, y, 0.05) < 0;
    }
    for (int b = 0; b < o->batches && !failed; b++)
        for (int i = 0; i < o->thread_count && !failed; i++)
            failed = (per_run[i][b] = time_batch(ctx[i], x, y, o->batch_seconds)) < 0;
    for (int i = 0; i < o->thread_count; i++) {
        wtconv_destroy(ctx[i]);
        if (!failed) {
            qsort(per_run[i], (size_t)o->batches, sizeof per_run[i][0], compare_doubles);
            t[i].median_ms = per_run[i][o->batches / 2];
            t[i].best_ms = per_run[i][0];
        }
    }
    return failed ? -1 : 0;
}

static double load_average(void) {
    double load = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1)
            load = -1;
        fclose(f);
    }
    return load;
}

/* ---- --network: WTConvNeXt-T's 18 WTConv layers, run in order ------------------------- */
typedef struct network_stage {
    int c, hw, levels, layers;
} network_stage;

static const network_stage network_stages[] = {
    {96, 56, 5, 3}, {192, 28, 4, 3}, {384, 14, 3, 9}, {768, 7, 2, 3}};
#define NETWORK_STAGES (int)(sizeof network_stages / sizeof network_stages[0])
#define NETWORK_LAYERS 18

typedef struct network_layer {
    shape s;
    int stage;
    wtconv_ctx *ctx[MAX_THREAD_COUNTS];
    double alone[MAX_THREAD_COUNTS][MAX_BATCHES]; /* ms per run, alone */
    double in_pass_s[MAX_THREAD_COUNTS];          /* seconds in the timed passes */
} network_layer;

/* One pass: every layer in order; each stage's layers read the stage's input and write its
 * output (no values drift through the chain; a downsampling layer sits between stages). */
static int network_pass(network_layer *layers, int t, float **x, float **y) {
    for (int i = 0; i < NETWORK_LAYERS; i++) {
        const double t0 = now_seconds();
        if (wtconv_run(layers[i].ctx[t], x[layers[i].stage], y[layers[i].stage]) != WTCONV_OK) {
            fprintf(stderr, "wtconv-bench: run: %s\n", wtconv_last_error());
            return -1;
        }
        layers[i].in_pass_s[t] += now_seconds() - t0;
    }
    return 0;
}

/* Passes for at least `seconds` (and 3): ms per pass, or -1. Adds their number to *passes. */
static double time_passes(network_layer *layers, int t, float **x, float **y, double seconds,
                          long *passes) {
    int runs = 0;
    const double t0 = now_seconds();
    double elapsed;
    do {
        if (network_pass(layers, t, x, y))
            return -1;
        runs++;
        elapsed = now_seconds() - t0;
    } while (elapsed < seconds || runs < 3);
    *passes += runs;
    return 1e3 * elapsed / runs;
}

static int run_network_batch(const options *o, int batch, network_layer *layers) {
    float *x[NETWORK_STAGES] = {NULL}, *y[NETWORK_STAGES] = {NULL};
    double pass[MAX_THREAD_COUNTS][MAX_BATCHES], one_thread_ms = 0;
    long passes[MAX_THREAD_COUNTS] = {0};
    char model[512];
    int failed = 0;
    for (int st = 0; st < NETWORK_STAGES; st++) {
        const network_stage *g = &network_stages[st];
        const size_t count = (size_t)batch * g->c * g->hw * g->hw;
        x[st] = bench_random_floats(count, 1.0f);
        y[st] = bench_random_floats(count, 0.0f);
    }
    memset(layers, 0, NETWORK_LAYERS * sizeof *layers);
    for (int i = 0, st = 0, in_stage = 0; i < NETWORK_LAYERS && !failed; i++) {
        network_layer *l = &layers[i];
        const network_stage *g = &network_stages[st];
        l->stage = st;
        l->s.c = g->c, l->s.h = l->s.w = g->hw, l->s.k = 5, l->s.levels = g->levels;
        test_temp_path(model, sizeof model, "bench-network.safetensors");
        failed = bench_write_model("wtconv-bench", l->s.c, l->s.k, l->s.levels, model) != 0;
        for (int t = 0; t < o->thread_count && !failed; t++) {
            wtconv_options opts;
            wtconv_options_init(&opts);
            opts.batch = batch;
            opts.num_threads = o->threads[t];
            if (wtconv_create_with_options(model, l->s.c, l->s.h, l->s.w, &opts, &l->ctx[t]) !=
                WTCONV_OK) {
                fprintf(stderr, "wtconv-bench: create: %s\n", wtconv_last_error());
                failed = 1;
            }
        }
        remove(model);
        if (++in_stage == g->layers)
            st++, in_stage = 0;
    }
    for (int t = 0; t < o->thread_count && !failed; t++) { /* warm up */
        failed = time_passes(layers, t, x, y, 0.1, &passes[t]) < 0;
        passes[t] = 0;
        for (int i = 0; i < NETWORK_LAYERS; i++)
            layers[i].in_pass_s[t] = 0;
    }
    /* Batches in turn: each thread count's passes, then each layer alone for a share of the
     * time (a pass's share of it, at least 3 runs), so that all see the same spells. */
    for (int b = 0; b < o->batches && !failed; b++)
        for (int t = 0; t < o->thread_count && !failed; t++) {
            failed = (pass[t][b] = time_passes(layers, t, x, y, o->batch_seconds, &passes[t])) < 0;
            for (int i = 0; i < NETWORK_LAYERS && !failed; i++)
                failed = (layers[i].alone[t][b] =
                              time_batch(layers[i].ctx[t], x[layers[i].stage], y[layers[i].stage],
                                         o->batch_seconds / 8)) < 0;
        }
    for (int t = 0; t < o->thread_count && !failed; t++) {
        double sum = 0, best;
        for (int i = 0; i < NETWORK_LAYERS; i++) {
            double ms, in_pass;
            qsort(layers[i].alone[t], (size_t)o->batches, sizeof(double), compare_doubles);
            ms = layers[i].alone[t][o->batches / 2];
            in_pass = passes[t] ? 1e3 * layers[i].in_pass_s[t] / (double)passes[t] : 0;
            sum += ms;
            if (o->csv)
                printf("layer,%d,%d,%d,%d,%d,%d,%d,%.4f,%.4f\n", i, layers[i].s.c, layers[i].s.h,
                       layers[i].s.k, layers[i].s.levels, batch, o->threads[t], ms, in_pass);
            else if (o->layers)
                printf("      layer %2d  %3d/%2d/%2d/%d/%d  alone %7.4f ms  in the passes %7.4f ms "
                       "(x%.2f)\n",
                       i, layers[i].s.c, layers[i].s.h, layers[i].s.w, layers[i].s.k,
                       layers[i].s.levels, ms, in_pass, in_pass / ms);
        }
        qsort(pass[t], (size_t)o->batches, sizeof(double), compare_doubles);
        best = pass[t][0];
        if (o->threads[t] == 1)
            one_thread_ms = pass[t][o->batches / 2];
        if (o->csv) {
            printf("network,%d,%d,%.4f,%.4f,%.4f,%.4f\n", batch, o->threads[t],
                   pass[t][o->batches / 2], best, sum, pass[t][o->batches / 2] / sum);
        } else {
            char speedup[16] = "";
            if (o->threads[t] > 1 && one_thread_ms > 0)
                snprintf(speedup, sizeof speedup, "x%.2f", one_thread_ms / pass[t][o->batches / 2]);
            printf("%5d %7d %9.3f %9.3f %11.3f %8.2f %8s %10.3f\n", batch, o->threads[t],
                   pass[t][o->batches / 2], best, sum, pass[t][o->batches / 2] / sum, speedup,
                   pass[t][o->batches / 2] / batch);
        }
        fflush(stdout);
    }
    for (int i = 0; i < NETWORK_LAYERS; i++)
        for (int t = 0; t < o->thread_count; t++)
            wtconv_destroy(layers[i].ctx[t]);
    for (int st = 0; st < NETWORK_STAGES; st++) {
        free(x[st]);
        free(y[st]);
    }
    return failed ? -1 : 0;
}

static int run_network(const options *o) {
    static network_layer layers[NETWORK_LAYERS];
    const int batches[2] = {1, 8};
    int failed = 0;
    if (o->csv) {
        printf("# libwtconv %s; WTConvNeXt-T's 18 WTConv layers; load %.2f\n",
               wtconv_version_string(), load_average());
        printf("network,batch,threads,ms_pass_median,ms_pass_best,ms_sum_alone,pass_over_sum\n");
        printf("layer,index,C,H,k,L,batch,threads,ms_alone,ms_in_pass\n");
    } else {
        printf("libwtconv %s, WTConvNeXt-T's 18 WTConv layers as 18 contexts run in order, "
               "load average %.2f\n",
               wtconv_version_string(), load_average());
        printf("%5s %7s %9s %9s %11s %8s %8s %10s\n", "batch", "threads", "ms/pass", "best ms",
               "sum alone", "pass/sum", "speedup", "ms/image");
    }
    fflush(stdout);
    if (o->batch_set)
        return run_network_batch(o, o->batch, layers);
    for (int b = 0; b < 2 && !failed; b++)
        failed = run_network_batch(o, batches[b], layers) != 0;
    if (!o->csv)
        printf("sum alone: the sum of the layers' medians, each timed alone in batches between "
               "the passes'. speedup: 1 thread's ms/pass over this one's.\n");
    return failed;
}

static void usage(FILE *out) {
    fprintf(out, "usage: wtconv-bench [--shape C/H/W/k/L]... [--threads 1,2] [--batch N]\n"
                 "                    [--time SECONDS] [--batches N] [--peak-seconds S] [--csv]\n"
                 "       wtconv-bench --fma-sustained SECONDS\n"
                 "       wtconv-bench --network [--layers] [--threads 1,2] [--batch N] [--time S] "
                 "[--batches N] [--csv]\n"
                 "  --shape     a layer shape (repeatable); default: the standard set\n"
                 "  --threads   comma-separated thread counts (default 1,2)\n"
                 "  --batch     N (default 1; --network: 1 and 8)\n"
                 "  --time      seconds per batch of timed runs (default 0.2)\n"
                 "  --batches   batches of runs per measurement; the median is reported "
                 "(default 5)\n"
                 "  --peak-seconds  time to spend measuring the FMA peak (default 1; 0: skip it)\n"
                 "  --csv       machine-readable rows (for tools/bench_compare.py)\n"
                 "  --fma-sustained S  only run the FMA loop for S seconds and print its average\n"
                 "              GFLOP/s (tools/bench_two_processes.sh runs two at once)\n"
                 "  --network   WTConvNeXt-T's 18 WTConv layers run in order: ms per pass, and\n"
                 "              the sum of the layers' times alone (--layers: each layer's\n"
                 "              time alone and in the passes, mean over the timed passes)\n"
                 "  --cpu-time  time with the process's CPU time, not wall time (1 thread on a\n"
                 "              busy machine; more threads' times add up)\n"
                 "WTCONV_CPU_ISA=scalar|avx2|avx512 forces libwtconv's CPU kernels.\n");
}

static int parse_args(int argc, char **argv, options *o) {
    memset(o, 0, sizeof *o);
    o->threads[0] = 1, o->threads[1] = 2, o->thread_count = 2;
    o->batch = 1, o->batches = 5, o->batch_seconds = 0.2, o->peak_seconds = 1.0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(arg, "--csv")) {
            o->csv = 1;
            continue;
        }
        if (!strcmp(arg, "--network")) {
            o->network = 1;
            continue;
        }
        if (!strcmp(arg, "--layers")) {
            o->layers = 1;
            continue;
        }
        if (!strcmp(arg, "--cpu-time")) {
            use_cpu_time = 1;
            continue;
        }
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            exit(0);
        }
        if (!value) {
            fprintf(stderr, "wtconv-bench: %s needs a value\n", arg);
            return -1;
        }
        i++;
        if (!strcmp(arg, "--shape")) {
            shape *s = &o->shapes[o->shape_count];
            char extra;
            if (o->shape_count == MAX_SHAPES ||
                sscanf(value, "%d/%d/%d/%d/%d%c", &s->c, &s->h, &s->w, &s->k, &s->levels, &extra) !=
                    5 ||
                s->c < 1 || s->h < 1 || s->w < 1 || s->k < 1 || s->levels < 1) {
                fprintf(stderr, "wtconv-bench: --shape wants C/H/W/k/L, got '%s'\n", value);
                return -1;
            }
            o->shape_count++;
        } else if (!strcmp(arg, "--threads")) {
            char *copy = strdup(value), *save = NULL;
            o->thread_count = 0;
            for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                const int n = atoi(tok);
                if (n < 1 || o->thread_count == MAX_THREAD_COUNTS) {
                    fprintf(stderr, "wtconv-bench: bad --threads '%s'\n", value);
                    free(copy);
                    return -1;
                }
                o->threads[o->thread_count++] = n;
            }
            free(copy);
            if (!o->thread_count)
                return -1;
        } else if (!strcmp(arg, "--batch")) {
            if ((o->batch = atoi(value)) < 1)
                return -1;
            o->batch_set = 1;
        } else if (!strcmp(arg, "--batches")) {
            o->batches = atoi(value);
            if (o->batches < 1 || o->batches > MAX_BATCHES)
                return -1;
        } else if (!strcmp(arg, "--peak-seconds")) {
            if ((o->peak_seconds = atof(value)) < 0)
                return -1;
        } else if (!strcmp(arg, "--fma-sustained")) {
            if ((o->sustained_seconds = atof(value)) <= 0)
                return -1;
        } else if (!strcmp(arg, "--time")) {
            if ((o->batch_seconds = atof(value)) <= 0)
                return -1;
        } else {
            fprintf(stderr, "wtconv-bench: unknown option %s\n", arg);
            return -1;
        }
    }
    if (!o->shape_count) {
        o->shape_count = (int)(sizeof standard_shapes / sizeof standard_shapes[0]);
        memcpy(o->shapes, standard_shapes, sizeof standard_shapes);
    }
    return 0;
}

int main(int argc, char **argv) {
    options o;
    const char *peak_what = "", *isa = getenv("WTCONV_CPU_ISA");
    double peak;
    char model[512];
    int failed = 0;
    if (parse_args(argc, argv, &o)) {
        usage(stderr);
        return 2;
    }
    if (o.sustained_seconds > 0) {
        const double rate = bench_fma_sustained(o.sustained_seconds, &peak_what);
        printf("%.2f\n", rate);
        return rate > 0 ? 0 : 1;
    }
    if (o.network)
        return run_network(&o) ? 1 : 0;
    peak = 0, peak_what = "(skipped: --peak-seconds 0)";
    if (o.peak_seconds > 0)
        peak = bench_fma_peak(o.peak_seconds, &peak_what);
    if (o.csv) {
        printf("# libwtconv %s; kernels %s; load %.2f\n", wtconv_version_string(),
               isa && *isa ? isa : "auto", load_average());
        printf("# peak_gflops=%.3f (%s)\n", peak, peak_what);
        printf("shape,C,H,W,k,L,batch,threads,ms_median,ms_best,gflops,peak_fraction,"
               "workspace_bytes,input_bytes\n");
    } else {
        printf("libwtconv %s, kernels: %s, load average %.2f\n", wtconv_version_string(),
               isa && *isa ? isa : "auto (best for this CPU)", load_average());
        printf("single-core FMA peak: %.1f GFLOP/s, measured with %s\n", peak, peak_what);
        printf("%-18s %7s %9s %9s %8s %7s %8s %10s\n", "C/H/W/k/L", "threads", "ms/run", "best ms",
               "GFLOP/s", "% peak", "speedup", "workspace");
    }
    fflush(stdout);
    test_temp_path(model, sizeof model, "bench.safetensors");
    for (int i = 0; i < o.shape_count && !failed; i++) {
        const shape *s = &o.shapes[i];
        const size_t in_count = (size_t)o.batch * s->c * s->h * s->w;
        float *x = bench_random_floats(in_count, 1.0f), *y = bench_random_floats(in_count, 0.0f);
        const double flops = layer_flops(s, o.batch);
        double one_thread_ms = 0;
        timing tm[MAX_THREAD_COUNTS];
        char name[64];
        snprintf(name, sizeof name, "%d/%d/%d/%d/%d", s->c, s->h, s->w, s->k, s->levels);
        if (bench_write_model("wtconv-bench", s->c, s->k, s->levels, model)) {
            failed = 1;
        }
        if (!failed && time_layer(model, s, &o, x, y, tm))
            failed = 1;
        for (int t = 0; t < o.thread_count && !failed; t++) {
            const double gflops = flops / (tm[t].median_ms * 1e-3) / 1e9;
            const double fraction = peak > 0 ? gflops / (peak * o.threads[t]) : NAN;
            if (o.threads[t] == 1)
                one_thread_ms = tm[t].median_ms;
            if (o.csv) {
                printf("%s,%d,%d,%d,%d,%d,%d,%d,%.4f,%.4f,%.3f,%.4f,%zu,%zu\n", name, s->c, s->h,
                       s->w, s->k, s->levels, o.batch, o.threads[t], tm[t].median_ms, tm[t].best_ms,
                       gflops, fraction, tm[t].workspace, in_count * sizeof(float));
            } else {
                char speedup[16] = "";
                if (o.threads[t] > 1 && one_thread_ms > 0)
                    snprintf(speedup, sizeof speedup, "x%.2f", one_thread_ms / tm[t].median_ms);
                printf("%-18s %7d %9.3f %9.3f %8.1f %6.1f%% %8s %9.1f%%\n", name, o.threads[t],
                       tm[t].median_ms, tm[t].best_ms, gflops, 100 * fraction, speedup,
                       100.0 * (double)tm[t].workspace / (double)(in_count * sizeof(float)));
            }
            fflush(stdout);
        }
        remove(model);
        free(x);
        free(y);
    }
    if (!o.csv)
        printf("%% peak: of %s for one thread, of n times it for n threads. workspace: "
               "wtconv_workspace_size as a share of the input tensor's bytes.\n",
               peak > 0 ? "the measured peak" : "(no peak measured)");
    return failed ? 1 : 0;
}
