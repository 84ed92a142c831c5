/* Internal: the CPU backend's weights, made once at create time from the model's: the scales
 * and the Haar factors folded in (cpu/cascade.h's layer), and for the channel-block path the
 * same packed a block of channels at a time (cpu/channel_block.h). */
#ifndef WTCONV_CPU_WEIGHTS_H
#define WTCONV_CPU_WEIGHTS_H

#include <stddef.h>

#include "cpu/cascade.h"
#include "model/model.h"
#include "wtconv/wtconv.h"

/* Sets layer's base_weight, base_bias and wavelet_weight to m's weights with their scales and
 * the Haar factors folded in, all in one allocation, *out (the caller frees it). */
wtconv_status wtconv_cpu_fold_weights(const wtconv_model *m, wtconv_cpu_layer *layer, float **out);

/* The folded weights of layer (its plan's channels, blocks of its kernels' block_lanes) packed
 * for the channel-block kernels, `blocks` blocks one after another, into *out (the caller frees
 * it). */
wtconv_status wtconv_cpu_pack_block_weights(const wtconv_cpu_layer *layer, size_t blocks,
                                            float **out);

#endif
