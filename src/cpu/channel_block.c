/* The channel-block path's memory: the grids' places in a worker's scratch, and the weights
 * regrouped so that one vector load gives a tap's weight for every channel of a block. */
#include "cpu/channel_block.h"

#include <stdlib.h>
#include <string.h>

#include "base/checked_size.h"
#include "base/error.h"
#include "cpu/cascade.h"

wtconv_status wtconv_cpu_block_mode(int *mode) {
    /* Read in release builds too, and shown by wtconv_backend_detail: see cpu/isa.h. */
    const char *wanted = getenv(WTCONV_CPU_BLOCKS_ENV);
    *mode = -1;
    if (!wanted || !*wanted || !strcmp(wanted, "auto"))
        return WTCONV_OK;
    if (!strcmp(wanted, "0") || !strcmp(wanted, "1")) {
        *mode = wanted[0] - '0';
        return WTCONV_OK;
    }
    return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT, "%s=%.32s: expected 0, 1 or auto",
                       WTCONV_CPU_BLOCKS_ENV, wanted);
}

/* Reserves `vectors` vectors (a whole number of 64-byte lines) at *end; returns their offset. */
static size_t reserve(size_t *end, size_t vectors, int lanes, int *overflow) {
    const size_t at = *end;
    const size_t floats = wtconv_mul_size(vectors, (size_t)lanes, overflow);
    const size_t lines = (floats + 15) / 16 * 16;
    if (lines < floats || (size_t)-1 - *end < lines)
        *overflow = 1;
    else
        *end += lines;
    return at;
}

/* Vectors of a padded grid with an h x w interior, and the slack after it. */
static size_t padded_vectors(int h, int w, const wtconv_cpu_block_layout *layout, int *overflow) {
    const size_t pad = (size_t)layout->before + (size_t)layout->after;
    const size_t grid = wtconv_mul_size((size_t)h + pad, (size_t)w + pad, overflow);
    return grid + WTCONV_CPU_BLOCK_SLACK;
}

void wtconv_cpu_block_layout_make(const wtconv_plan *plan, int lanes,
                                  wtconv_cpu_block_layout *layout, int *overflow) {
    const wtconv_level_plan *top = &plan->level[0];
    size_t end = 0;
    *layout = (wtconv_cpu_block_layout){0};
    layout->lanes = lanes;
    layout->before = (plan->kernel - 1) / 2;
    layout->after = plan->kernel / 2 > 1 ? plan->kernel / 2 : 1;
    layout->input =
        reserve(&end, padded_vectors(plan->height, plan->width, layout, overflow), lanes, overflow);
    for (int i = 0; i < plan->levels; i++) {
        const wtconv_level_plan *lv = &plan->level[i];
        if (i > 0) {
            layout->ll[i] = reserve(
                &end, wtconv_mul_size((size_t)lv->height + 1, (size_t)lv->width + 1, overflow),
                lanes, overflow);
            layout->recon[i] =
                reserve(&end, wtconv_mul_size((size_t)lv->height, (size_t)lv->width, overflow),
                        lanes, overflow);
        }
        layout->band[i] =
            reserve(&end, padded_vectors(lv->half_height, lv->half_width, layout, overflow), lanes,
                    overflow);
    }
    layout->filtered =
        reserve(&end, wtconv_mul_size(4, top->half_plane, overflow), lanes, overflow);
    layout->rows =
        reserve(&end, wtconv_mul_size(2, (size_t)plan->width, overflow), lanes, overflow);
    layout->floats = *overflow ? 0 : end;
}

size_t wtconv_cpu_block_weight_floats(const wtconv_plan *plan, int lanes) {
    const size_t kk = (size_t)plan->kernel * (size_t)plan->kernel;
    return (kk + 1 + 4 * (size_t)plan->levels * kk) * (size_t)lanes;
}

void wtconv_cpu_block_pack(const wtconv_plan *plan, int lanes, const float *base_weight,
                           const float *base_bias, const float *const *wavelet_weight,
                           int wavelet_by_tap, int first, float *packed) {
    const size_t kk = (size_t)plan->kernel * (size_t)plan->kernel, n = (size_t)lanes;
    for (size_t lane = 0; lane < n; lane++) {
        const size_t channel = (size_t)first + lane;
        float *p = packed + lane;
        for (size_t t = 0; t < kk; t++, p += n)
            *p = base_weight[channel * kk + t];
        *p = base_bias[channel], p += n;
        for (int i = 0; i < plan->levels; i++)
            for (size_t s = 0; s < 4; s++)
                for (size_t t = 0; t < kk; t++, p += n)
                    *p =
                        wavelet_weight[i][wtconv_cpu_wavelet_at(wavelet_by_tap, kk, channel, s, t)];
    }
}
