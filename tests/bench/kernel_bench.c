/* kernel-bench: times the CPU backend's passes one at a time on one plane (its input kept in
 * the nearer caches), to see which bounds what: the depthwise kernel alone (GFLOP/s against
 * the FMA peak), the base kernel with its subband initial values, the Haar analysis and the
 * inverse, a level's four subbands filtered one call per band or in one call (bands side by
 * side, or a cache line apart as the layer keeps bands of 8 columns or more), and the four
 * subbands and the base branch block by block, in the layer's order. A profiling tool for
 * docs/cpu-kernel-bounds.md, never run by ctest. kernel-bench [isa] [W H k]...   (isa: avx512
 * (default) or avx2) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/kernels.h"
#include "fma_peak.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct plane {
    int w, h, k;
    float *x, *y, *init, *bands, *filtered, *weights;
    const float **in;
    const float *init_rows[WTCONV_CPU_MAX_ROWS];
    float *out[WTCONV_CPU_MAX_ROWS];
} plane;

/* The base branch's block of output rows [row, row + rows): its input rows of x in p->in, its
 * output rows of y in p->out. */
static void base_window(plane *p, int row, int rows) {
    const int before = (p->k - 1) / 2;
    for (int r = 0; r < rows + p->k - 1; r++) {
        const int j = row - before + r;
        p->in[r] = j >= 0 && j < p->h ? p->x + (size_t)j * (size_t)p->w : NULL;
    }
    for (int o = 0; o < rows; o++)
        p->out[o] = p->y + (size_t)(row + o) * (size_t)p->w;
}

/* The whole plane, in blocks of 8 rows (as the base branch runs). */
static void run_dwconv(const wtconv_cpu_kernels *kn, plane *p, int with_init) {
    wtconv_dwconv_fn f = wtconv_cpu_dwconv_for(kn, p->k);
    for (int row = 0; row < p->h; row += WTCONV_CPU_MAX_ROWS) {
        const int rows = p->h - row < WTCONV_CPU_MAX_ROWS ? p->h - row : WTCONV_CPU_MAX_ROWS;
        base_window(p, row, rows);
        for (int o = 0; o < rows; o++)
            p->init_rows[o] = p->init + (size_t)(row + o) * (size_t)p->w;
        f(p->in, with_init ? p->init_rows : NULL, 0.5f, p->weights, p->k, p->w, p->out, rows, NULL);
    }
}

static void run_bands(const wtconv_cpu_kernels *kn, plane *p) {
    const int hw = (p->w + 1) / 2;
    const size_t pitch = ((size_t)hw + 15) & ~(size_t)15;
    wtconv_dwconv_bands_fn f = wtconv_cpu_dwconv_bands_for(kn, p->k);
    if (!f)
        return;
    for (int row = 0; row < p->h; row += WTCONV_CPU_MAX_ROWS) {
        const int rows = p->h - row < WTCONV_CPU_MAX_ROWS ? p->h - row : WTCONV_CPU_MAX_ROWS;
        base_window(p, row, rows);
        f(p->in, p->bands + (size_t)(row / 2) * pitch, pitch, WTCONV_CPU_MAX_ROWS * pitch, 0.5f,
          p->weights, p->k, p->w, p->out, rows, NULL);
    }
}

/* Block [row, row + rows) of a level's four subbands of the plane's Haar rows ((W+1)/2 x
 * (H+1)/2 each), filtered into `out` as the cascade does with kernels that lack a four-subband
 * kernel (SUB_CALLS: one call per band, bands a cache line apart) or have it (SUB_SIDE: one
 * call, bands side by side; SUB_APART: one call, bands a cache line apart). */
enum { SUB_CALLS, SUB_SIDE, SUB_APART };

static size_t band_pitch_of(const plane *p, int layout) {
    const size_t hw = ((size_t)p->w + 1) / 2;
    return layout == SUB_SIDE ? hw : (hw + 15) & ~(size_t)15;
}

static size_t row_pitch_of(const plane *p, int layout) {
    const size_t hw = ((size_t)p->w + 1) / 2;
    return layout == SUB_SIDE ? (4 * hw + 15) & ~(size_t)15 : 4 * band_pitch_of(p, layout);
}

static void subbands_block(const wtconv_cpu_kernels *kn, plane *p, int layout, int row, int rows,
                           float *out) {
    const int before = (p->k - 1) / 2, hw = (p->w + 1) / 2, hh = (p->h + 1) / 2;
    const size_t band_pitch = band_pitch_of(p, layout), row_pitch = row_pitch_of(p, layout);
    wtconv_dwconv_fn f = wtconv_cpu_dwconv_for(kn, p->k);
    wtconv_dwconv_subbands_fn f4 = wtconv_cpu_dwconv_subbands_for(kn, p->k);
    for (int r = 0; r < rows + p->k - 1; r++) {
        const int j = row - before + r;
        p->in[r] = j >= 0 && j < hh ? p->bands + (size_t)j * row_pitch : NULL;
    }
    for (int o = 0; o < rows; o++)
        p->out[o] = out + (size_t)o * row_pitch;
    if (layout != SUB_CALLS) {
        f4(p->in, NULL, p->weights, p->k, hw, band_pitch, p->out, rows, NULL);
        return;
    }
    for (int band = 0; band < 4; band++) {
        f(p->in, NULL, 0.0f, p->weights, p->k, hw, p->out, rows, NULL);
        for (int r = 0; r < rows + p->k - 1; r++)
            if (p->in[r])
                p->in[r] += band_pitch;
        for (int o = 0; o < rows; o++)
            p->out[o] += band_pitch;
    }
}

static void run_subbands(const wtconv_cpu_kernels *kn, plane *p, int layout) {
    const int hh = (p->h + 1) / 2;
    if (layout != SUB_CALLS && !wtconv_cpu_dwconv_subbands_for(kn, p->k))
        return;
    for (int row = 0; row < hh; row += WTCONV_CPU_MAX_ROWS) {
        const int rows = hh - row < WTCONV_CPU_MAX_ROWS ? hh - row : WTCONV_CPU_MAX_ROWS;
        subbands_block(kn, p, layout, row, rows, p->y + (size_t)row * row_pitch_of(p, layout));
    }
}

/* As a layer runs level 0 (stride 1, L = 1): per block of coefficient rows, the four subbands
 * in one call (bands side by side if narrower than 8 columns, else a line apart, as
 * cpu/cascade.c lays them out) into a block's buffer, then the base branch's output rows with
 * their initial values made from it. */
static void run_layer_order(const wtconv_cpu_kernels *kn, plane *p) {
    const int hh = (p->h + 1) / 2;
    const int layout = (p->w + 1) / 2 < 8 ? SUB_SIDE : SUB_APART;
    const size_t row_pitch = row_pitch_of(p, layout), band_pitch = band_pitch_of(p, layout);
    wtconv_dwconv_bands_fn f = wtconv_cpu_dwconv_bands_for(kn, p->k);
    if (!f || !wtconv_cpu_dwconv_subbands_for(kn, p->k))
        return;
    for (int block = 0; block < hh; block += WTCONV_CPU_MAX_ROWS) {
        const int rows = hh - block < WTCONV_CPU_MAX_ROWS ? hh - block : WTCONV_CPU_MAX_ROWS;
        const int end = 2 * (block + rows) < p->h ? 2 * (block + rows) : p->h;
        subbands_block(kn, p, layout, block, rows, p->filtered);
        for (int row = 2 * block; row < end; row += WTCONV_CPU_MAX_ROWS) {
            const int out_rows = end - row < WTCONV_CPU_MAX_ROWS ? end - row : WTCONV_CPU_MAX_ROWS;
            base_window(p, row, out_rows);
            f(p->in, p->filtered + (size_t)((row - 2 * block) / 2) * row_pitch, row_pitch,
              band_pitch, 0.5f, p->weights, p->k, p->w, p->out, out_rows, NULL);
        }
    }
}

static void run_haar(const wtconv_cpu_kernels *kn, plane *p) {
    const int hw = (p->w + 1) / 2, hh = (p->h + 1) / 2;
    const size_t pitch = ((size_t)hw + 15) & ~(size_t)15;
    kn->haar(p->x, p->w, hh, p->h, p->bands, 4 * pitch, pitch, NULL, 0);
}

static void run_inverse(const wtconv_cpu_kernels *kn, plane *p) {
    const int hw = (p->w + 1) / 2, hh = (p->h + 1) / 2;
    const size_t pitch = ((size_t)hw + 15) & ~(size_t)15;
    kn->haar_inverse(p->bands, 4 * pitch, pitch, hw, hh, p->y, (size_t)p->w, p->w, p->h);
}

/* Seconds per call, best of 40 batches of ~2 ms: short enough that some run within one time
 * slice on a machine shared with other work. */
static double time_it(const wtconv_cpu_kernels *kn, plane *p, int what) {
    double best = 1e30;
    long reps = 1;
    for (int batch = 0; batch < 41; batch++) {
        double t0 = now(), t;
        for (long i = 0; i < reps; i++) {
            switch (what) {
            case 0:
                run_dwconv(kn, p, 0);
                break;
            case 1:
                run_dwconv(kn, p, 1);
                break;
            case 2:
                run_bands(kn, p);
                break;
            case 3:
                run_haar(kn, p);
                break;
            case 4:
                run_inverse(kn, p);
                break;
            case 5:
                run_subbands(kn, p, SUB_CALLS);
                break;
            case 6:
                run_subbands(kn, p, SUB_SIDE);
                break;
            case 7:
                run_subbands(kn, p, SUB_APART);
                break;
            default:
                run_layer_order(kn, p);
                break;
            }
        }
        t = (now() - t0) / (double)reps;
        if (batch > 0 && t < best)
            best = t;
        if (batch == 0)
            reps = (long)(0.002 / (t > 1e-9 ? t : 1e-9)) + 1;
    }
    return best;
}

/* GFLOP/s and its share of the peak, in a column of the table ("-": the set lacks the kernel). */
static void print_rate(double flops, double seconds, double peak) {
    const double rate = flops / seconds * 1e-9;
    if (seconds <= 0) {
        printf(" %10s", "-");
        return;
    }
    printf(" %6.1f %2.0f%%", rate, 100 * rate / peak);
}

int main(int argc, char **argv) {
    const wtconv_cpu_kernels *kn = wtconv_cpu_kernels_avx512();
    const char *what = "";
    int first = 1;
    double peak;
    static const int defaults[][3] = {{128, 128, 5}, {112, 112, 5}, {56, 56, 5},
                                      {56, 56, 7},   {28, 28, 5},   {224, 224, 5},
                                      {64, 64, 5},   {28, 28, 7},   {14, 14, 5}};
    int shapes[64][3], n = 0;
    if (argc > 1 && (strcmp(argv[1], "avx2") == 0 || strcmp(argv[1], "avx512") == 0)) {
        kn = strcmp(argv[1], "avx2") == 0 ? wtconv_cpu_kernels_avx2() : kn;
        first = 2;
    }
    for (int i = first; i + 2 < argc && n < 64; i += 3, n++) {
        shapes[n][0] = atoi(argv[i]);
        shapes[n][1] = atoi(argv[i + 1]);
        shapes[n][2] = atoi(argv[i + 2]);
    }
    if (n == 0)
        for (; n < (int)(sizeof defaults / sizeof defaults[0]); n++)
            memcpy(shapes[n], defaults[n], sizeof shapes[n]);
    peak = bench_fma_peak(0.5, &what);
    printf("%s kernels; FMA peak %.1f GFLOP/s (%s)\n", kn->name, peak, what);
    printf(
        "GFLOP/s and %% of the peak; Haar and inverse: Gelem/s of input. The four subbands: a "
        "call\n"
        "each, one call side by side, one call a line apart; layer order: those (apart) and the\n"
        "base branch, block by block\n");
    printf("%-10s %10s %10s %10s %7s %7s %10s %10s %10s %10s\n", "WxH/k", "dw", "dw+init",
           "dw+bands", "haar", "inverse", "4 calls", "side", "apart", "layer");
    for (int s = 0; s < n; s++) {
        plane p;
        const int w = shapes[s][0], h = shapes[s][1], k = shapes[s][2];
        const size_t area = (size_t)w * (size_t)h;
        const size_t pitch = (((size_t)w + 1) / 2 + 15) & ~(size_t)15;
        const double flops = 2.0 * (double)k * k * (double)area;
        /* the four subbands of the plane's Haar rows: about as many outputs as the plane */
        const double band_flops = 8.0 * (double)k * k * (double)((w + 1) / 2) * ((h + 1) / 2);
        double t[9];
        p.w = w;
        p.h = h;
        p.k = k;
        p.x = aligned_alloc(64, area * 4 + 64);
        /* y also takes the subbands' filtered rows */
        p.y = aligned_alloc(64, area * 4 + ((size_t)h + 16) * 4 * pitch * 4);
        p.init = aligned_alloc(64, area * 4 + 64);
        p.bands = aligned_alloc(64, ((size_t)h + 16) * 4 * pitch * 4);
        p.filtered = aligned_alloc(64, (size_t)WTCONV_CPU_MAX_ROWS * 4 * pitch * 4);
        p.weights = malloc((size_t)k * k * 4 * sizeof(float)); /* four bands' kernels */
        p.in = malloc(((size_t)WTCONV_CPU_MAX_ROWS + (size_t)k) * sizeof *p.in);
        for (size_t i = 0; i < area; i++)
            p.x[i] = p.init[i] = (float)(i % 7) * 0.25f;
        memset(p.bands, 0, ((size_t)h + 16) * 4 * pitch * 4);
        for (int i = 0; i < 4 * k * k; i++)
            p.weights[i] = 0.01f * (float)i;
        memset(p.filtered, 0, (size_t)WTCONV_CPU_MAX_ROWS * 4 * pitch * 4);
        for (int i = 0; i < 9; i++) {
            /* the passes whose kernels the set lacks: not timed */
            const int bands = i == 2 || i == 8, subbands = i == 6 || i == 7 || i == 8;
            const int missing = (bands && !wtconv_cpu_dwconv_bands_for(kn, k)) ||
                                (subbands && !wtconv_cpu_dwconv_subbands_for(kn, k));
            t[i] = missing ? 0 : time_it(kn, &p, i);
        }
        printf("%3dx%-3d/%d ", w, h, k);
        for (int i = 0; i < 3; i++)
            print_rate(flops, t[i], peak);
        printf(" %7.2f %7.2f", (double)area / t[3] * 1e-9, (double)area / t[4] * 1e-9);
        for (int i = 5; i < 8; i++)
            print_rate(band_flops, t[i], peak);
        print_rate(flops + band_flops, t[8], peak);
        printf("\n");
        free(p.x);
        free(p.y);
        free(p.init);
        free(p.bands);
        free(p.filtered);
        free(p.weights);
        free(p.in);
    }
    return 0;
}
