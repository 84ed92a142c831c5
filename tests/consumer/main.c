/* Runs the shipped demo model on its input and checks the PyTorch reference's output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <wtconv/wtconv.h>

static int read_floats(const char *path, float *dst, size_t count) {
    FILE *fp = fopen(path, "rb");
    size_t got;
    if (!fp)
        return -1;
    got = fread(dst, sizeof(float), count, fp); /* the test machines are little-endian */
    fclose(fp);
    return got == count ? 0 : -1;
}

int main(int argc, char **argv) {
    wtconv_ctx *ctx = NULL;
    float *x, *y, *ref;
    size_t n_in, n_out;
    double err = 0, scale = 0;
    if (argc != 4) {
        fprintf(stderr, "usage: consumer MODEL INPUT.f32 EXPECTED.f32\n");
        return 2;
    }
    if (wtconv_create(argv[1], 32, 64, 64, &ctx) != WTCONV_OK) {
        fprintf(stderr, "consumer: %s\n", wtconv_last_error());
        return 1;
    }
    n_in = wtconv_input_size(ctx);
    n_out = wtconv_output_size(ctx);
    x = malloc(n_in * sizeof *x);
    y = malloc(n_out * sizeof *y);
    ref = malloc(n_out * sizeof *ref);
    if (!x || !y || !ref || read_floats(argv[2], x, n_in) || read_floats(argv[3], ref, n_out) ||
        wtconv_run(ctx, x, y) != WTCONV_OK) {
        fprintf(stderr, "consumer: setup or run failed: %s\n", wtconv_last_error());
        return 1;
    }
    for (size_t i = 0; i < n_out; i++) {
        double e = fabs((double)y[i] - ref[i]);
        err = !(e <= err) ? e : err; /* a NaN sticks (e > err would let it pass) */
        scale = fabs(ref[i]) > scale ? fabs(ref[i]) : scale;
    }
    printf("consumer: libwtconv %s, max error %.3g\n", wtconv_version_string(), err);
    wtconv_destroy(ctx);
    free(x);
    free(y);
    free(ref);
    return err <= 1e-5 * scale + 1e-6 ? 0 : 1;
}
