/* The malformed-model corpus (tests/data/malformed/, written by tools/make_malformed.py): each
 * file of its manifest, created with the manifest's C x H x W, must give the expected status
 * and a message containing the expected fragment; a failed create must hand out no context.
 * The manifest's '@' entries are paths the test makes itself: a directory, a FIFO, a missing
 * file, a character device, the empty path. Every .safetensors file in the folder must be
 * listed, so none is left untested. A valid control that loads must also compute the layer its
 * generator wrote (weights in closed form, below) against the float64 reference, so that a
 * loader reading the right file wrongly (data order, gaps, F16 or BF16, a prefix) fails. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wtconv/wtconv.h>

#include "ref_wtconv.h"
#include "test_util.h"

/* The checks the corpus in tests/data/malformed/manifest.txt makes: one a line, and one more
 * for each valid control whose output is compared (OUTPUT_CHECKS). */
#define MALFORMED_CHECKS (153 + OUTPUT_CHECKS)
#define OUTPUT_CHECKS 11

/* The layer every file derives from (tools/make_malformed.py): C = 2, k = 3, L = 2, a bias. */
#define GEN_C 2
#define GEN_K 3
#define GEN_LEVELS 2

#define SENTINEL_CTX ((wtconv_ctx *)(uintptr_t)0x1)
#define MAX_FILES 1024

static int passed, failed;
static char *listed[MAX_FILES];
static size_t listed_count;

static const struct {
    const char *name;
    wtconv_status status;
} status_names[] = {
    {"OK", WTCONV_OK},
    {"INVALID_ARGUMENT", WTCONV_ERR_INVALID_ARGUMENT},
    {"IO", WTCONV_ERR_IO},
    {"MODEL_FORMAT", WTCONV_ERR_MODEL_FORMAT},
    {"SHAPE_MISMATCH", WTCONV_ERR_SHAPE_MISMATCH},
    {"OUT_OF_MEMORY", WTCONV_ERR_OUT_OF_MEMORY},
};

static int parse_status(const char *name, wtconv_status *out) {
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++) {
        if (!strcmp(name, status_names[i].name)) {
            *out = status_names[i].status;
            return 0;
        }
    }
    return -1;
}

/* Makes the path a '@' entry names; returns 0, or -1 where the system cannot make it. */
static int make_special(const char *what, char *path, size_t cap) {
    test_temp_path(path, cap, what + 1);
    if (!strcmp(what, "@directory"))
        return mkdir(path, 0700);
    if (!strcmp(what, "@fifo"))
        return mkfifo(path, 0600);
    if (!strcmp(what, "@missing"))
        return 0;
    if (!strcmp(what, "@device")) {
        snprintf(path, cap, "/dev/null");
        return 0;
    }
    if (!strcmp(what, "@empty_path")) {
        path[0] = '\0';
        return 0;
    }
    return -1;
}

static void remove_special(const char *what, const char *path) {
    if (!strcmp(what, "@directory"))
        rmdir(path);
    else if (!strcmp(what, "@fifo"))
        unlink(path);
}

/* tools/make_malformed.py's weights: element i of a tensor with seed s is ((7i + s) % 11 - 5) / 8,
 * exact in F32, F16 and BF16. */
static void generated_values(double *out, int count, int seed) {
    for (int i = 0; i < count; i++)
        out[i] = ((i * 7 + seed) % 11 - 5) / 8.0;
}

/* Runs a context made from a valid control on a fixed input and compares its output with the
 * float64 reference of the generator's layer, at the stride the context reports (2 only for the
 * file whose metadata asks for it). */
static void check_output(wtconv_ctx *ctx, const char *file, int h, int w) {
    enum { KK = GEN_K * GEN_K };
    double base_w[GEN_C * KK], bias[GEN_C], base_s[GEN_C];
    double wave_w[GEN_LEVELS][4 * GEN_C * KK], wave_s[GEN_LEVELS][4 * GEN_C];
    const int stride = wtconv_stride(ctx), want_stride = strstr(file, "stride") ? 2 : 1;
    const int oh = ref_out_dim(h, stride), ow = ref_out_dim(w, stride);
    const size_t n_in = (size_t)GEN_C * h * w, n_out = (size_t)GEN_C * oh * ow;
    double *xd = malloc(n_in * sizeof *xd), *yd = malloc(n_out * sizeof *yd);
    float *x = malloc(n_in * sizeof *x), *y = malloc(n_out * sizeof *y),
          *ref = malloc(n_out * sizeof *ref);
    ref_layer layer = {GEN_C, GEN_K, GEN_LEVELS, 1, base_w, bias, base_s, {0}, {0}};
    double err = 0.0, bound = 0.0;
    int ok = 0;
    generated_values(base_w, GEN_C * KK, 1);
    generated_values(bias, GEN_C, 2);
    generated_values(base_s, GEN_C, 3);
    for (int i = 0; i < GEN_LEVELS; i++) {
        generated_values(wave_w[i], 4 * GEN_C * KK, 4 + i);
        generated_values(wave_s[i], 4 * GEN_C, 9 + i);
        layer.wavelet_weight[i] = wave_w[i];
        layer.wavelet_scale[i] = wave_s[i];
    }
    if (x && y && xd && yd && ref) {
        for (size_t i = 0; i < n_in; i++)
            xd[i] = x[i] = (float)((int)(i * 13 % 17) - 8) / 8.0f;
        if (wtconv_kernel_size(ctx) == GEN_K && wtconv_levels(ctx) == GEN_LEVELS &&
            wtconv_has_bias(ctx) == 1 && stride == want_stride &&
            ref_wtconv_forward(&layer, 1, h, w, stride, xd, yd) == 0 &&
            wtconv_run(ctx, x, y) == WTCONV_OK) {
            for (size_t i = 0; i < n_out; i++)
                ref[i] = (float)yd[i];
            ok = test_within_contract(y, ref, n_out, &err, &bound);
        }
    }
    printf("%s %-40s output against the float64 reference: k %d, L %d, bias %d, stride %d (want "
           "%d), error %.2g (bound %.2g)\n",
           ok ? "ok  " : "FAIL", file, wtconv_kernel_size(ctx), wtconv_levels(ctx),
           wtconv_has_bias(ctx), stride, want_stride, err, bound);
    ok ? passed++ : failed++;
    free(xd);
    free(yd);
    free(x);
    free(y);
    free(ref);
}

static void check_case(const char *dir, const char *file, int c, int h, int w, wtconv_status want,
                       const char *fragment) {
    char path[1024];
    wtconv_ctx *ctx = SENTINEL_CTX;
    wtconv_status got;
    int ok;
    if (file[0] == '@') {
        if (make_special(file, path, sizeof path) != 0) {
            printf("skip %-40s (cannot make it here)\n", file);
            return;
        }
    } else if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path) {
        printf("FAIL %s: path too long\n", file);
        failed++;
        return;
    }
    got = wtconv_create(path, c, h, w, &ctx);
    ok = got == want && (got == WTCONV_OK ? ctx != NULL : ctx == NULL) &&
         (got == WTCONV_OK || strstr(wtconv_last_error(), fragment) != NULL);
    printf("%s %-40s %dx%dx%d -> %s%s%s\n", ok ? "ok  " : "FAIL", file, c, h, w,
           wtconv_status_string(got), got == WTCONV_OK ? "" : " | ",
           got == WTCONV_OK ? "" : wtconv_last_error());
    if (!ok)
        printf("     wanted %s with \"%s\"%s\n", wtconv_status_string(want), fragment,
               got != WTCONV_OK && ctx != NULL ? " (and *out_ctx left set)" : "");
    if (got == WTCONV_OK) {
        /* The control with one weight at FLT_MAX overflows to Inf in its output: load only. */
        if (ok && !strstr(file, "largest_finite"))
            check_output(ctx, file, h, w);
        wtconv_destroy(ctx);
    }
    if (file[0] == '@')
        remove_special(file, path);
    ok ? passed++ : failed++;
}

static int run_manifest(const char *dir) {
    char path[1024], line[2048];
    FILE *fp;
    int line_number = 0;
    fp = snprintf(path, sizeof path, "%s/manifest.txt", dir) < (int)sizeof path ? fopen(path, "r")
                                                                                : NULL;
    if (!fp) {
        printf("FAIL cannot open %s\n", path);
        return -1;
    }
    while (fgets(line, sizeof line, fp)) {
        char *field[6];
        char *cursor = line;
        int n = 0;
        wtconv_status want;
        line_number++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        /* Tab-separated; the fragment, last, may be empty. */
        while (n < 6) {
            field[n++] = cursor;
            cursor = strchr(cursor, '\t');
            if (!cursor)
                break;
            *cursor++ = '\0';
        }
        if (n != 6 || parse_status(field[4], &want) != 0) {
            printf("FAIL %s:%d: malformed manifest line\n", path, line_number);
            failed++;
            continue;
        }
        if (field[0][0] != '@' && listed_count < MAX_FILES)
            listed[listed_count++] = strdup(field[0]);
        check_case(dir, field[0], atoi(field[1]), atoi(field[2]), atoi(field[3]), want, field[5]);
    }
    fclose(fp);
    return 0;
}

/* Every corpus file must be in the manifest: an unlisted one would silently test nothing. */
static void check_all_listed(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *entry;
    int unlisted = 0;
    if (!d) {
        printf("FAIL cannot list %s\n", dir);
        failed++;
        return;
    }
    while ((entry = readdir(d)) != NULL) {
        const char *name = entry->d_name;
        size_t len = strlen(name), i;
        if (len < 12 || strcmp(name + len - 12, ".safetensors") != 0)
            continue;
        for (i = 0; i < listed_count && strcmp(listed[i], name) != 0; i++)
            ;
        if (i == listed_count) {
            printf("FAIL %s is not in the manifest\n", name);
            unlisted = 1;
        }
    }
    closedir(d);
    unlisted ? failed++ : passed++;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_malformed CORPUS_FOLDER\n");
        return 2;
    }
    if (run_manifest(argv[1]) != 0)
        return 1;
    check_all_listed(argv[1]);
    for (size_t i = 0; i < listed_count; i++)
        free(listed[i]);
    /* Exactly the checks of tools/make_malformed.py's corpus, so that none is lost quietly
     * (check_all_listed catches a file left out of the manifest, not one dropped with its line). */
    if (passed + failed != MALFORMED_CHECKS) {
        printf("FAIL %d checks (expected %d)\n", passed + failed, MALFORMED_CHECKS);
        failed++;
    }
    printf("malformed: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
