/* The folded and packed weights of cpu/weights.h. */
#include "cpu/weights.h"

#include <math.h>
#include <stdlib.h>

#include "base/error.h"
#include "cpu/channel_block.h"

/* base: scale*(conv(x, w) + b) = conv(x, scale*w) + scale*b; levels: scale*conv(x, w) =
 * conv(x, scale*w). */
wtconv_status wtconv_cpu_fold_weights(const wtconv_model *m, wtconv_cpu_layer *layer, float **out) {
    const size_t c = (size_t)m->channels, kk = (size_t)m->kernel * (size_t)m->kernel;
    /* Fewer floats than the loader's overflow-checked allocation of the same weights. */
    const size_t total = c * kk + c + (size_t)m->levels * 4 * c * kk;
    float *p = malloc(total * sizeof(float)), *base_weight, *base_bias;
    if (!p)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY,
                           "out of memory for the CPU backend's weights (%zu bytes)",
                           total * sizeof(float));
    *out = p;
    base_weight = p, p += c * kk;
    base_bias = p, p += c;
    for (size_t ch = 0; ch < c; ch++) {
        const float scale = m->base_scale[ch];
        for (size_t t = 0; t < kk; t++)
            base_weight[ch * kk + t] = scale * m->base_weight[ch * kk + t];
        base_bias[ch] = scale * m->base_bias[ch];
    }
    layer->base_weight = base_weight;
    layer->base_bias = base_bias;
    /* The Haar kernels leave out their factors 1/2 (see cpu/kernels.h); level i's filters
     * take 2^-(i+2) instead, which scales its reconstruction to 2^-i of the true one. Level i
     * adds level i+1's reconstruction to its filtered LL band, so that must be 2^-(i+1) of its
     * own filtered values: it is. Level 0's comes out true. Powers of two scale exactly, so the
     * result has the bits of the factors applied where they belong. Where the layer filters
     * a level's four subbands in one call, their weights are interleaved by tap (cascade.h). */
    for (int i = 0; i < m->levels; i++) {
        float *level = p;
        p += 4 * c * kk;
        for (size_t ch = 0; ch < 4 * c; ch++)
            for (size_t t = 0; t < kk; t++)
                level[wtconv_cpu_wavelet_at(layer->dwconv_subbands != NULL, kk, ch / 4, ch % 4,
                                            t)] =
                    ldexpf(m->wavelet_scale[i][ch] * m->wavelet_weight[i][ch * kk + t], -(i + 2));
        layer->wavelet_weight[i] = level;
    }
    return WTCONV_OK;
}

wtconv_status wtconv_cpu_pack_block_weights(const wtconv_cpu_layer *layer, size_t blocks,
                                            float **out) {
    const int lanes = layer->kernels->block_lanes;
    const size_t per_block = wtconv_cpu_block_weight_floats(layer->plan, lanes);
    float *packed = malloc(blocks * per_block * sizeof(float));
    if (!packed)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY,
                           "out of memory for the CPU backend's weights (%zu bytes)",
                           blocks * per_block * sizeof(float));
    *out = packed;
    for (size_t b = 0; b < blocks; b++)
        wtconv_cpu_block_pack(layer->plan, lanes, layer->base_weight, layer->base_bias,
                              layer->wavelet_weight, layer->dwconv_subbands != NULL, (int)b * lanes,
                              packed + b * per_block);
    return WTCONV_OK;
}
