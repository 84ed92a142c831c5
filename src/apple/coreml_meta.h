/* Internal, portable C: the contract between tools/export_wtconv_coreml.py and the Apple
 * backend. A libwtconv Core ML model has
 *   inputs   x [N,C,H,W] and coeffs_i [N,4C,ceil(h_i/2),ceil(w_i/2)], i = 0..L-1;
 *   outputs  base [N,C,H,W] = scale*(conv(x)+bias) and filtered_i (coeffs_i's shape) =
 *            scale_i*conv_i(coeffs_i);
 * all float32 multi-arrays (names: dispatch_plan.h), and string metadata (Core ML's
 * creator-defined / user-defined metadata):
 *   wtconv.format "1"; wtconv.batch, .channels, .height, .width (the shape it was exported
 *   for); wtconv.kernel, .levels, .stride, .bias ("0"/"1"); wtconv.precision ("fp32"/"fp16");
 *   wtconv.layer (the safetensors key prefix it came from, may be empty).
 * The Objective-C++ layer only copies these out of the MLModel; every check is here, where the
 * Linux tests (and the fuzzer) reach it. */
#ifndef WTCONV_APPLE_COREML_META_H
#define WTCONV_APPLE_COREML_META_H

#include <stddef.h>
#include <stdint.h>

#include "apple/dispatch_plan.h"
#include "model/model.h"
#include "wtconv/wtconv.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WTCONV_COREML_FORMAT "1"
#define WTCONV_COREML_MAX_VALUE 255 /* longest metadata value we read */
#define WTCONV_COREML_MAX_RANK 8

typedef struct wtconv_coreml_layer {
    int batch, channels, height, width; /* the fixed shape the model was exported for */
    int kernel, levels, stride, has_bias;
    int fp16; /* exported with --precision fp16 */
    char layer[WTCONV_COREML_MAX_VALUE + 1];
} wtconv_coreml_layer;

/* Reads the wtconv.* entries of the model's metadata (`count` key/value pairs; other keys are
 * ignored). Fails with WTCONV_ERR_MODEL_FORMAT, naming `path` and the key, when one is missing,
 * repeated or malformed, or the format is not ours. */
wtconv_status wtconv_coreml_read_metadata(const char *const *keys, const char *const *values,
                                          size_t count, const char *path,
                                          wtconv_coreml_layer *layer);

/* Checks a create request against the model: N, C, H and W must be those it was exported for
 * (Core ML models have fixed shapes), and a `layer_option` (NULL: any) must be the layer it
 * came from. Fills the shape fields of `model` (no weights: they are inside the Core ML model)
 * for wtconv_plan_make, and the stride to use: `stride_option`, else the model's. */
wtconv_status wtconv_coreml_check_request(const wtconv_coreml_layer *layer, const char *path,
                                          const char *layer_option, int batch, int channels,
                                          int height, int width, int stride_option,
                                          wtconv_model *model, int *stride);

/* Checks the precision option (wtconv_options.precision) against the model's: DEFAULT takes
 * the model's; an explicit FP32 or FP16 must be it. WTCONV_ERR_INVALID_ARGUMENT otherwise. */
wtconv_status wtconv_coreml_check_precision(const wtconv_coreml_layer *layer, const char *path,
                                            wtconv_precision option);

/* One input or output of the MLModel, as its model description reports it. */
typedef struct wtconv_coreml_feature {
    const char *name;
    int is_multiarray; /* MLFeatureTypeMultiArray */
    int is_float32;    /* its MLMultiArrayDataType is Float32 */
    int rank;          /* > WTCONV_COREML_MAX_RANK is refused */
    int64_t shape[WTCONV_COREML_MAX_RANK];
} wtconv_coreml_feature;

/* Checks the model's inputs and outputs against the plan: every Core ML buffer of the plan must
 * be there, a float32 multi-array of exactly its shape. Any other input is refused (we could
 * not feed it); other outputs are ignored. WTCONV_ERR_MODEL_FORMAT names the feature. */
wtconv_status wtconv_coreml_check_features(const wtconv_mtl_plan *plan,
                                           const wtconv_coreml_feature *inputs, size_t n_inputs,
                                           const wtconv_coreml_feature *outputs, size_t n_outputs,
                                           const char *path);

#ifdef __cplusplus
}
#endif

#endif
