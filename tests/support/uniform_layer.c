#include "uniform_layer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref_wtconv.h"
#include "st_writer.h"

int uniform_layer_write(const char *path, int c, int k, int levels, const float *v) {
    st_writer *w = st_writer_new();
    int rc = !w || st_writer_add_layer(w, c, k, levels, v, v, v, v, v) || st_writer_save(w, path);
    if (rc)
        printf("  writing %s: %s\n", path, w ? st_writer_error(w) : "out of memory");
    st_writer_free(w);
    return rc;
}

float *uniform_layer_reference(int n, int c, int h, int w, int k, int levels, const float *v,
                               const float *x) {
    const size_t nv = (size_t)4 * c * k * k, count = (size_t)n * c * h * w;
    double *dv = malloc(nv * sizeof *dv), *dx = malloc(count * sizeof *dx),
           *dy = malloc(count * sizeof *dy);
    float *y = malloc(count * sizeof *y);
    ref_layer r;
    int ok = dv && dx && dy && y && levels <= REF_MAX_LEVELS;
    memset(&r, 0, sizeof r);
    for (size_t i = 0; ok && i < nv; i++)
        dv[i] = v[i];
    for (size_t i = 0; ok && i < count; i++)
        dx[i] = x[i];
    r.channels = c, r.kernel = k, r.levels = levels, r.has_bias = 1;
    r.base_weight = r.base_bias = r.base_scale = dv;
    for (int i = 0; ok && i < levels; i++)
        r.wavelet_weight[i] = r.wavelet_scale[i] = dv;
    ok = ok && ref_wtconv_forward(&r, n, h, w, 1, dx, dy) == 0;
    for (size_t i = 0; ok && i < count; i++)
        y[i] = (float)dy[i];
    free(dv);
    free(dx);
    free(dy);
    if (!ok) {
        printf("  the float64 reference failed (out of memory, or L > %d)\n", REF_MAX_LEVELS);
        free(y);
        return NULL;
    }
    return y;
}
