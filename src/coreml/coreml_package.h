/* Internal, portable C: the Core ML package (.mlpackage) of one WTConv2d layer's depthwise
 * stage, written by the library itself, with no Python or coremltools anywhere. It is the model
 * the Apple backend runs between its Metal stages (docs/apple-backend.md), with the interface
 * tools/export_wtconv_coreml.py gives its packages:
 *   inputs  x [N,C,H,W], coeffs_i [N,4C,ceil(h_i/2),ceil(w_i/2)]      (float32)
 *   outputs base = conv(x, base_scale*w) + base_scale*b, filtered_i = conv(coeffs_i,
 *           scale_i*w_i)                                                (float32)
 *   metadata wtconv.format "1", .batch, .channels, .height, .width, .kernel, .levels, .stride,
 *           .bias, .precision, .layer, .source
 * as an ML program (Core ML specification 7, opset CoreML6: macOS 13 / iOS 16) with the same
 * operations, in the same order, that coremltools 9 makes of the exporter's PyTorch module (the
 * tests compare the two): one depthwise `conv` per output with PyTorch's 'same' padding (custom
 * pads for odd k; for even k a `pad` op, (k-1)/2 before and k/2 after, then a `valid` conv); for
 * fp16, each input is `cast` to fp16, convolved with fp16 weights, and cast back.
 * docs/coreml-writer.md has the details. */
#ifndef WTCONV_COREML_COREML_PACKAGE_H
#define WTCONV_COREML_COREML_PACKAGE_H

#include "coreml/blob_storage.h"
#include "coreml/protobuf_writer.h"
#include "model/model.h"
#include "plan/plan.h"
#include "wtconv/wtconv.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wtconv_coreml_settings {
    int fp16;                /* 1: fp16 weights and arithmetic, else fp32 */
    const char *source_path; /* the model file; its base name goes into wtconv.source */
} wtconv_coreml_settings;

/* The package's two data files, built in memory. */
typedef struct wtconv_coreml_package {
    wtconv_pb model;          /* Data/com.apple.CoreML/model.mlmodel: the Model protobuf */
    wtconv_blob_file weights; /* Data/com.apple.CoreML/weights/weight.bin */
} wtconv_coreml_package;

/* Builds the package for `model` run as `plan` (N, C, H, W, stride, levels). The same inputs
 * give the same bytes, so a package's digest identifies it. WTCONV_ERR_MODEL_FORMAT when a
 * weight with its scale folded in leaves float32's range (or float16's, for fp16: the message
 * says to use fp32); WTCONV_ERR_OUT_OF_MEMORY. Free with wtconv_coreml_package_free, also after
 * a failure. */
wtconv_status wtconv_coreml_build(const wtconv_model *model, const wtconv_plan *plan,
                                  const wtconv_coreml_settings *settings,
                                  wtconv_coreml_package *package);
void wtconv_coreml_package_free(wtconv_coreml_package *package);

/* Writes the package as the folder `path` (which must not exist; its parent must): Manifest.json,
 * Data/com.apple.CoreML/model.mlmodel and Data/com.apple.CoreML/weights/weight.bin. On failure
 * nothing of it is left behind. WTCONV_ERR_IO naming the path and the reason. */
wtconv_status wtconv_coreml_write_package(const wtconv_coreml_package *package, const char *path);

#ifdef __cplusplus
}
#endif

#endif
