// Internal (Objective-C++): the Core ML half of the Apple backend. It opens a libwtconv Core ML
// model (compiling an .mlpackage once into a cache), hands its metadata and features to the
// portable checks in coreml_meta.h, and runs the one prediction of each run with its inputs
// and outputs bound to the plan's Metal buffers.
#ifndef WTCONV_APPLE_COREML_STAGE_H
#define WTCONV_APPLE_COREML_STAGE_H

#import <CoreML/CoreML.h>
#import <Foundation/Foundation.h>
#import <Metal/Metal.h>

#include <vector>

#include "apple/coreml_meta.h"
#include "apple/dispatch_plan.h"
#include "coreml/coreml_package.h"

// Loads the model at `path` (.mlpackage / .mlmodel: compiled once and cached; .mlmodelc: used
// as it is) for the compute `units`, and reads its wtconv.* metadata into `layer`. When no cache
// folder can be used, the compiled model stays in a temporary folder, returned in `temporary`
// for the caller to delete once the model is released (else nil).
wtconv_status wtconv_coreml_open(const char *path, MLComputeUnits units,
                                 MLModel *__autoreleasing *model, wtconv_coreml_layer *layer,
                                 NSURL *__autoreleasing *temporary);

// The same for a package the library wrote (coreml_package.h), cached under a key of its bytes
// (package_digest.h): the compiled model is loaded from the cache if it is there; else the
// package is written into a temporary folder, compiled, cached, and the folder deleted. `label`
// names it in messages. Its metadata is not read back: the caller made the package.
wtconv_status wtconv_coreml_open_written(const wtconv_coreml_package *package, const char *label,
                                         MLComputeUnits units, MLModel *__autoreleasing *model,
                                         NSURL *__autoreleasing *temporary);

// Checks the model's inputs and outputs against the plan (coreml_meta.c does the checking).
wtconv_status wtconv_coreml_check_model(MLModel *model, const wtconv_mtl_plan *plan,
                                        const char *path);

// One output: Core ML writes it into `array`, an MLMultiArray over the Metal buffer at `data`.
struct wtconv_coreml_output {
    NSString *name;
    MLMultiArray *array;
    float *data;
};

// What a prediction needs, made once at create time: the inputs and the output backings, as
// MLMultiArrays over the plan's Metal buffers (no copies).
struct wtconv_coreml_binding {
    id<MLFeatureProvider> inputs;
    MLPredictionOptions *options;
    std::vector<wtconv_coreml_output> outputs;
};

// outputBackings: macOS 11 / iOS 16; MLMultiArray's getBytesWithHandler: macOS 12.3 / iOS 15.4;
// the exporter's models (ML programs for macOS 13 / iOS 16) set the floor.
wtconv_status wtconv_coreml_bind(const wtconv_mtl_plan *plan, NSArray<id<MTLBuffer>> *buffers,
                                 wtconv_coreml_binding *binding)
    API_AVAILABLE(macos(13.0), ios(16.0));

// Runs the prediction. Core ML writes into the bound outputs; if it hands back arrays of its
// own instead, they are copied into ours, honouring the strides it reports.
wtconv_status wtconv_coreml_predict(MLModel *model, const wtconv_coreml_binding *binding)
    API_AVAILABLE(macos(13.0), ios(16.0));

#endif
