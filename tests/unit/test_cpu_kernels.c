/* Unit tests of the CPU kernels, on every instruction set this build has and this CPU runs
 * (the others are reported as skipped): depthwise blocks against a float64 evaluation of the
 * same sums, the four-subband kernels likewise, the blocking contract (any split of a plane into
 * blocks gives the same bits), the Haar kernels against their closed forms, the prefetch walk, and
 * the WTCONV_CPU_ISA and WTCONV_CPU_CHANNEL_BLOCKS switches. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/channel_block.h"
#include "cpu/isa.h"
#include "cpu/kernels.h"
#include "wtconv/wtconv.h"

#define MAX_K 11
#define MAX_W 70
#define MAX_ROWS WTCONV_CPU_MAX_ROWS

static int passed, failed;

static void check(int ok, const char *what) {
    if (!ok)
        printf("FAIL %s\n", what);
    ok ? passed++ : failed++;
}

static unsigned long long rng = 0x1234567ULL;
static float rnd(void) { /* in [-1, 1) */
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((long long)(rng >> 40) - (1LL << 23)) / (float)(1 << 23);
}

/* A multiple of 2^-16 in [-1, 1): sums of four of them are exact in float. */
static float rnd_coarse(void) { return floorf(rnd() * 65536.0f) / 65536.0f; }

/* out[o][x] = bias + init[o][x] + sum_{ky,kx} w[ky][kx] * in[o+ky][x+kx-before] in float64,
 * NULL rows and columns outside [0, width) being zero. */
static double reference(const float *const *in, const float *const *init, float bias,
                        const float *w, int k, int width, int o, int x) {
    const int before = (k - 1) / 2;
    double acc = (double)bias + (init ? (double)init[o][x] : 0.0);
    for (int ky = 0; ky < k; ky++) {
        const float *row = in[o + ky];
        for (int kx = 0; kx < k; kx++) {
            const int col = x + kx - before;
            if (row && col >= 0 && col < width)
                acc += (double)w[ky * k + kx] * (double)row[col];
        }
    }
    return acc;
}

/* A block's random inputs: rows + k - 1 input rows of `cols` floats (pitch floats apart,
 * from data) and their absolute values (from abs_data), the first and last NULL where
 * variant bit 1 asks; `rows` random init rows of `width` floats. */
static void random_block(int rows, int k, int cols, int width, int variant, float *data,
                         float *abs_data, size_t pitch, const float **in, const float **abs_in,
                         float (*init_data)[MAX_W], const float **init) {
    for (int r = 0; r < rows + k - 1; r++) {
        float *row = data + (size_t)r * pitch, *abs_row = abs_data + (size_t)r * pitch;
        for (int x = 0; x < cols; x++) {
            row[x] = rnd();
            abs_row[x] = fabsf(row[x]);
        }
        in[r] = row;
        abs_in[r] = abs_row;
    }
    if (variant & 2) {
        in[0] = abs_in[0] = NULL;
        in[rows + k - 2] = abs_in[rows + k - 2] = NULL;
    }
    for (int o = 0; o < rows; o++) {
        for (int x = 0; x < width; x++)
            init_data[o][x] = rnd();
        init[o] = init_data[o];
    }
}

/* One block: every k path, widths around the vector sizes, any row count, NULL rows and an
 * optional init, against the float64 sums (relative to the sum of |terms|). */
static void test_dwconv_block(const wtconv_cpu_kernels *kn) {
    static float rows_data[MAX_ROWS + MAX_K][MAX_W], init_data[MAX_ROWS][MAX_W];
    static float out_data[MAX_ROWS][MAX_W + 16];
    const int widths[] = {1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 47, 56, 64, 70};
    char what[160];
    int bad = 0, cases = 0;
    for (int k = 1; k <= MAX_K; k++) {
        float w[MAX_K * MAX_K], abs_w[MAX_K * MAX_K];
        for (int i = 0; i < k * k; i++) {
            w[i] = rnd();
            abs_w[i] = fabsf(w[i]);
        }
        for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
            const int width = widths[wi];
            for (int rows = 1; rows <= MAX_ROWS; rows++) {
                for (int variant = 0; variant < 4; variant++) {
                    /* variant bit 0: init rows; bit 1: first and last input rows NULL */
                    const float *in[MAX_ROWS + MAX_K], *init[MAX_ROWS], *abs_in[MAX_ROWS + MAX_K];
                    static float abs_rows[MAX_ROWS + MAX_K][MAX_W];
                    float *out[MAX_ROWS];
                    const float bias = rnd();
                    const wtconv_dwconv_fn fns[2] = {wtconv_cpu_dwconv_for(kn, k), kn->dwconv_any};
                    random_block(rows, k, width, width, variant, (float *)rows_data,
                                 (float *)abs_rows, MAX_W, in, abs_in, init_data, init);
                    for (int o = 0; o < rows; o++)
                        out[o] = out_data[o];
                    for (int f = 0; f < 2; f++) {
                        /* Columns past the width must not be written. */
                        for (int o = 0; o < rows; o++)
                            for (int x = 0; x < MAX_W + 16; x++)
                                out_data[o][x] = -1234.5f;
                        fns[f](in, (variant & 1) ? init : NULL, bias, w, k, width, out, rows, NULL);
                        cases++;
                        for (int o = 0; o < rows; o++) {
                            for (int x = 0; x < width; x++) {
                                const double want = reference(in, (variant & 1) ? init : NULL, bias,
                                                              w, k, width, o, x);
                                const double scale =
                                    reference(abs_in, NULL, fabsf(bias), abs_w, k, width, o, x) +
                                    ((variant & 1) ? fabs((double)init[o][x]) : 0.0);
                                /* float accumulation of k*k+2 terms: |error| <= n u sum|terms| */
                                const double bound = (k * k + 2) * 6e-8 * scale;
                                if (fabs((double)out[o][x] - want) > bound) {
                                    if (bad++ < 5)
                                        printf("  %s k=%d width=%d rows=%d variant=%d %s: "
                                               "out[%d][%d]=%.9g, want %.9g\n",
                                               kn->name, k, width, rows, variant,
                                               f ? "any-k" : "best", o, x, out[o][x], want);
                                }
                            }
                            for (int x = width; x < MAX_W + 16; x++)
                                if (out_data[o][x] != -1234.5f && bad++ < 5)
                                    printf("  %s k=%d width=%d: wrote column %d\n", kn->name, k,
                                           width, x);
                        }
                    }
                }
            }
        }
    }
    snprintf(what, sizeof what, "%s: depthwise blocks, k 1..%d, %d calls, match float64", kn->name,
             MAX_K, cases);
    check(bad == 0, what);
}

/* A level's four subbands in one call (where the set has the kernel): each band against the
 * float64 sums over its own columns only (so a band that read its neighbour's would fail),
 * the same bits as four calls of the set's depthwise kernel, and nothing written outside the
 * bands; bands side by side and a cache line apart. */
static void test_dwconv_subbands(const wtconv_cpu_kernels *kn) {
    enum { PACKED = 4 * (MAX_W + 16) };
    static float rows_data[MAX_ROWS + MAX_K][PACKED], init_data[MAX_ROWS][MAX_W];
    static float abs_rows[MAX_ROWS + MAX_K][PACKED];
    static float out_data[MAX_ROWS][PACKED], four_calls[MAX_ROWS][PACKED];
    const int widths[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 14, 15, 16, 17, 28, 31, 32, 56, 70};
    char what[160];
    int bad = 0, cases = 0, tested = 0;
    for (int k = 3; k <= 7; k += 2) {
        const wtconv_dwconv_subbands_fn fn = wtconv_cpu_dwconv_subbands_for(kn, k);
        const wtconv_dwconv_fn one_band = wtconv_cpu_dwconv_for(kn, k);
        float w[4][MAX_K * MAX_K], abs_w[4][MAX_K * MAX_K], by_tap[4 * MAX_K * MAX_K];
        if (!fn)
            continue;
        tested = 1;
        for (int s = 0; s < 4; s++)
            for (int t = 0; t < k * k; t++) {
                w[s][t] = rnd();
                abs_w[s][t] = fabsf(w[s][t]);
                by_tap[t * 4 + s] = w[s][t];
            }
        for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
            const int width = widths[wi];
            for (int rows = 1; rows <= MAX_ROWS; rows++) {
                for (int variant = 0; variant < 8; variant++) {
                    /* variant bit 0: init rows (band 0); bit 1: first and last input rows NULL;
                     * bit 2: bands a whole number of 16 floats apart, else side by side */
                    const int pitch = (variant & 4) ? (width + 15) / 16 * 16 : width;
                    const float *in[MAX_ROWS + MAX_K], *abs_in[MAX_ROWS + MAX_K];
                    const float *band_in[MAX_ROWS + MAX_K], *band_abs[MAX_ROWS + MAX_K];
                    const float *init[MAX_ROWS];
                    float *out[MAX_ROWS], *band_out[MAX_ROWS];
                    const float *const *init_rows = (variant & 1) ? init : NULL;
                    random_block(rows, k, PACKED, width, variant, (float *)rows_data,
                                 (float *)abs_rows, PACKED, in, abs_in, init_data, init);
                    for (int o = 0; o < rows; o++)
                        out[o] = out_data[o];
                    for (int o = 0; o < MAX_ROWS; o++)
                        for (int x = 0; x < PACKED; x++)
                            out_data[o][x] = four_calls[o][x] = -1234.5f;
                    fn(in, init_rows, by_tap, k, width, (size_t)pitch, out, rows, NULL);
                    cases++;
                    for (int s = 0; s < 4; s++) {
                        for (int r = 0; r < rows + k - 1; r++) {
                            band_in[r] = in[r] ? in[r] + s * pitch : NULL;
                            band_abs[r] = abs_in[r] ? abs_in[r] + s * pitch : NULL;
                        }
                        for (int o = 0; o < rows; o++) {
                            band_out[o] = four_calls[o] + s * pitch;
                            for (int x = 0; x < width; x++) {
                                const float *const *band_init = s == 0 ? init_rows : NULL;
                                const double want =
                                    reference(band_in, band_init, 0.0f, w[s], k, width, o, x);
                                const double scale =
                                    reference(band_abs, NULL, 0.0f, abs_w[s], k, width, o, x) +
                                    (band_init ? fabs((double)init[o][x]) : 0.0);
                                const double bound = (k * k + 2) * 6e-8 * scale;
                                const float got = out[o][s * pitch + x];
                                if (fabs((double)got - want) > bound && bad++ < 5)
                                    printf("  %s k=%d width=%d rows=%d variant=%d band %d: "
                                           "out[%d][%d]=%.9g, want %.9g\n",
                                           kn->name, k, width, rows, variant, s, o, x, got, want);
                            }
                        }
                        one_band(band_in, s == 0 ? init_rows : NULL, 0.0f, w[s], k, width, band_out,
                                 rows, NULL);
                    }
                    /* the same bits as four calls; nothing written between or past the bands */
                    if (memcmp(out_data, four_calls, sizeof out_data) && bad++ < 5)
                        printf("  %s k=%d width=%d rows=%d variant=%d: not the bits of four "
                               "calls, or columns outside the bands written\n",
                               kn->name, k, width, rows, variant);
                }
            }
        }
    }
    if (!tested) {
        printf("  %s: no four-subband kernel (the cascade calls dwconv per band)\n", kn->name);
        return;
    }
    snprintf(what, sizeof what,
             "%s: four subbands at once, k 3/5/7, %d calls, match float64 and four calls' bits",
             kn->name, cases);
    check(bad == 0, what);
}

/* The blocking contract: a plane computed in blocks of 1, of 8, and of uneven sizes gives the
 * same bits. */
static void test_dwconv_blocking(const wtconv_cpu_kernels *kn) {
    enum { H = 23, W = 37 };
    static float plane[H][W], init_plane[H][W], results[3][H][W];
    const int splits[3][8] = {{1}, {8}, {3, 7, 2, 8, 3}};
    char what[128];
    for (int k = 1; k <= 9; k++) {
        const int before = (k - 1) / 2;
        float w[81];
        int same = 1;
        for (int i = 0; i < k * k; i++)
            w[i] = rnd();
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                plane[y][x] = rnd();
                init_plane[y][x] = rnd();
            }
        for (int s = 0; s < 3; s++) {
            int row = 0, step = 0;
            while (row < H) {
                const float *in[MAX_ROWS + 16], *init[MAX_ROWS];
                float *out[MAX_ROWS];
                int rows = s == 2 ? splits[2][step++ % 5] : splits[s][0];
                if (rows > H - row)
                    rows = H - row;
                for (int r = 0; r < rows + k - 1; r++) {
                    const int y = row - before + r;
                    in[r] = y >= 0 && y < H ? plane[y] : NULL;
                }
                for (int o = 0; o < rows; o++) {
                    init[o] = init_plane[row + o];
                    out[o] = results[s][row + o];
                }
                wtconv_cpu_dwconv_for(kn, k)(in, init, 0.25f, w, k, W, out, rows, NULL);
                row += rows;
            }
        }
        same = !memcmp(results[0], results[1], sizeof results[0]) &&
               !memcmp(results[0], results[2], sizeof results[0]);
        snprintf(what, sizeof what, "%s: k=%d, blocks of 1, 8 and uneven sizes: same bits",
                 kn->name, k);
        check(same, what);
    }
}

/* Haar kernels against their definitions, on planes of 1..5 rows (so odd heights and a
 * cropped last output row occur) and widths 1..75 (exact here: inputs are multiples of 2^-16
 * below 1, so sums of four and halves are exact in float), haar's optional LL / 2 output
 * included. Padding between rows and subbands (pitches wider than the rows) must stay
 * untouched. */
static void test_haar(const wtconv_cpu_kernels *kn) {
    enum { MAXW = 75, MAXH = 5, HALF = (MAXW + 1) / 2, PITCH = HALF + 5, OUT_PITCH = MAXW + 3 };
    static float src[MAXH * MAXW], coeff[3 * 4 * PITCH], ll[3 * PITCH];
    static float plain[3 * 4 * PITCH], ll_half[3 * PITCH];
    static float out[2 * 3 * OUT_PITCH];
    const float untouched = -7.0f;
    int bad = 0;
    char what[128];
    for (int height = 1; height <= MAXH; height++) {
        const int rows = (height + 1) / 2;
        for (int width = 1; width <= MAXW; width++) {
            const int half = (width + 1) / 2;
            for (int i = 0; i < height * width; i++)
                src[i] = rnd_coarse();
            for (size_t i = 0; i < sizeof coeff / sizeof coeff[0]; i++)
                coeff[i] = untouched;
            for (size_t i = 0; i < sizeof ll / sizeof ll[0]; i++)
                ll[i] = ll_half[i] = untouched;
            memcpy(plain, coeff, sizeof coeff);
            /* With LL / 2 (ll_half) and without: the same subbands. */
            kn->haar(src, width, rows, height, coeff, 4 * PITCH, PITCH, ll_half, PITCH);
            kn->haar(src, width, rows, height, plain, 4 * PITCH, PITCH, NULL, 0);
            bad += memcmp(plain, coeff, sizeof coeff) != 0;
            kn->haar_ll(src, width, rows, height, ll, PITCH);
            for (int j = 0; j < rows; j++) {
                for (int col = 0; col < PITCH; col++) {
                    const int inside = col < half, right = 2 * col + 1 < width;
                    const int below = 2 * j + 1 < height;
                    const float *r0 = src + (size_t)(2 * j) * width, *r1 = r0 + width;
                    const double a = inside ? r0[2 * col] : 0.0;
                    const double b = inside && right ? r0[2 * col + 1] : 0.0;
                    const double c = inside && below ? r1[2 * col] : 0.0;
                    const double d = inside && below && right ? r1[2 * col + 1] : 0.0;
                    const double want[4] = {a + b + c + d, a + b - c - d, a - b + c - d,
                                            a - b - c + d};
                    for (int s = 0; s < 4; s++) {
                        const float got = coeff[j * 4 * PITCH + s * PITCH + col];
                        bad += inside ? (double)got != want[s] : got != untouched;
                    }
                    bad += inside ? (double)ll[j * PITCH + col] != 0.5 * want[0]
                                  : ll[j * PITCH + col] != untouched;
                    bad += inside ? (double)ll_half[j * PITCH + col] != 0.5 * want[0]
                                  : ll_half[j * PITCH + col] != untouched;
                }
            }
            /* Inverse (no factor 1/2 either): a = s0+s1+s2+s3, b = s0+s1-s2-s3,
             * c = s0-s1+s2-s3, d = s0-s1-s2+s3, back into `height` rows of `width`. */
            for (size_t i = 0; i < sizeof coeff / sizeof coeff[0]; i++)
                coeff[i] = rnd_coarse();
            for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
                out[i] = untouched;
            kn->haar_inverse(coeff, 4 * PITCH, PITCH, half, rows, out, OUT_PITCH, width, height);
            for (int y = 0; y < 2 * rows; y++) {
                for (int x = 0; x < OUT_PITCH; x++) {
                    const float got = out[y * OUT_PITCH + x];
                    if (y < height && x < width) {
                        const float *sb = coeff + (y / 2) * 4 * PITCH + x / 2;
                        const double s0 = sb[0], s1 = sb[PITCH], s2 = sb[2 * PITCH];
                        const double s3 = sb[3 * PITCH];
                        const double sign_w = x % 2 ? -1.0 : 1.0, sign_h = y % 2 ? -1.0 : 1.0;
                        const double want = s0 + sign_h * s1 + sign_w * s2 + sign_h * sign_w * s3;
                        bad += (double)got != want;
                    } else {
                        bad += got != untouched;
                    }
                }
            }
        }
    }
    snprintf(what, sizeof what, "%s: Haar, LL and inverse, 1..%d rows of widths 1..%d", kn->name,
             MAXH, MAXW);
    check(bad == 0, what);
}

/* A kernel call walks the prefetch ranges, a few lines per chunk, and no further. */
static void test_prefetch_walk(const wtconv_cpu_kernels *kn) {
    static float src[64 * 16], row[3][64], out_row[64];
    const float *in[3] = {row[0], row[1], row[2]};
    float *out[1] = {out_row};
    const float w[9] = {0};
    wtconv_cpu_prefetch p;
    char what[128];
    memset(row, 0, sizeof row);
    p.read = (uintptr_t)src;
    p.read_end = (uintptr_t)(src + 20 * 16 + 3); /* 21 lines, the last one partial */
    p.read2 = (uintptr_t)src;
    p.read2_end = (uintptr_t)(src + 7 * 16);
    p.write = (uintptr_t)src;
    p.write_end = (uintptr_t)(src + 5 * 16);
    p.lines_per_step = 1000;
    kn->dwconv_any(in, NULL, 0.0f, w, 3, 64, out, 1, &p);
    snprintf(what, sizeof what, "%s: prefetch ranges walked to their ends", kn->name);
    check(p.read >= (uintptr_t)(src + 20 * 16 + 3) && p.read < (uintptr_t)(src + 22 * 16) &&
              p.read2 == (uintptr_t)(src + 7 * 16) && p.write == (uintptr_t)(src + 5 * 16),
          what);
}

static void test_isa_switch(void) {
    const wtconv_cpu_kernels *chosen = NULL;
    const char *names[] = {"scalar", "avx2", "avx512", "neon"};
    char what[128];
    setenv("WTCONV_CPU_ISA", "no-such-isa", 1);
    check(wtconv_cpu_choose_kernels(&chosen) == WTCONV_ERR_BACKEND_UNAVAILABLE && !chosen,
          "WTCONV_CPU_ISA=no-such-isa refused");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const wtconv_cpu_kernels *named = wtconv_cpu_kernels_named(names[i]);
        wtconv_status st;
        setenv("WTCONV_CPU_ISA", names[i], 1);
        st = wtconv_cpu_choose_kernels(&chosen);
        snprintf(what, sizeof what, "WTCONV_CPU_ISA=%s picks that table, or is refused", names[i]);
        check(named ? st == WTCONV_OK && chosen == named && !strcmp(chosen->name, names[i])
                    : st == WTCONV_ERR_BACKEND_UNAVAILABLE,
              what);
    }
    unsetenv("WTCONV_CPU_ISA");
    check(wtconv_cpu_choose_kernels(&chosen) == WTCONV_OK && chosen, "unset: a table is chosen");
    check(wtconv_cpu_kernels_named("scalar") != NULL, "the portable table is always there");
}

static void test_blocks_switch(void) {
    static const struct {
        const char *value; /* NULL: unset */
        wtconv_status status;
        int mode;
    } cases[] = {{NULL, WTCONV_OK, -1},
                 {"", WTCONV_OK, -1},
                 {"auto", WTCONV_OK, -1},
                 {"0", WTCONV_OK, 0},
                 {"1", WTCONV_OK, 1},
                 {"2", WTCONV_ERR_INVALID_ARGUMENT, -1},
                 {"yes", WTCONV_ERR_INVALID_ARGUMENT, -1},
                 {"10", WTCONV_ERR_INVALID_ARGUMENT, -1}};
    char what[160];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int mode = 7;
        wtconv_status st;
        if (cases[i].value)
            setenv(WTCONV_CPU_BLOCKS_ENV, cases[i].value, 1);
        else
            unsetenv(WTCONV_CPU_BLOCKS_ENV);
        st = wtconv_cpu_block_mode(&mode);
        snprintf(what, sizeof what, "WTCONV_CPU_CHANNEL_BLOCKS=%s: status %d, mode %d",
                 cases[i].value ? cases[i].value : "(unset)", (int)cases[i].status, cases[i].mode);
        check(st == cases[i].status && (st != WTCONV_OK || mode == cases[i].mode) &&
                  (st == WTCONV_OK ||
                   strstr(wtconv_last_error(), "WTCONV_CPU_CHANNEL_BLOCKS") != NULL),
              what);
    }
    unsetenv(WTCONV_CPU_BLOCKS_ENV);
}

int main(void) {
    const char *names[] = {"scalar", "avx2", "avx512", "neon"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const wtconv_cpu_kernels *kn = wtconv_cpu_kernels_named(names[i]);
        if (!kn) {
            printf("skip %s: not in this build or not run by this CPU\n", names[i]);
            continue;
        }
        printf("testing the %s kernels\n", names[i]);
        test_dwconv_block(kn);
        test_dwconv_blocking(kn);
        test_dwconv_subbands(kn);
        test_haar(kn);
        test_prefetch_walk(kn);
    }
    test_isa_switch();
    test_blocks_switch();
    printf("cpu kernels: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
