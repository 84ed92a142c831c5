/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_COREML_MLMODELCONFIGURATION_H
#define WTCONV_APPLE_SDK_COREML_MLMODELCONFIGURATION_H

#include <CoreML/MLExport.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: MLComputeUnits, https://developer.apple.com/documentation/coreml/mlcomputeunits */
typedef NS_ENUM(NSInteger, MLComputeUnits) {
    MLComputeUnitsCPUOnly = 0,
    MLComputeUnitsCPUAndGPU = 1,
    MLComputeUnitsAll = 2,
    MLComputeUnitsCPUAndNeuralEngine API_AVAILABLE(macos(13.0), ios(16.0), watchos(9.0),
                                                   tvos(16.0)) = 3,
} API_AVAILABLE(macos(10.14), ios(12.0), watchos(5.0), tvos(12.0));

/* Doc: MLModelConfiguration, https://developer.apple.com/documentation/coreml/mlmodelconfiguration
 * Created with alloc/init or new (NSObject). */
API_AVAILABLE(macos(10.14), ios(12.0), watchos(5.0), tvos(12.0))
ML_EXPORT
@interface MLModelConfiguration : NSObject <NSCopying>
/* Doc: computeUnits (default MLComputeUnitsAll) */
@property(readwrite) MLComputeUnits computeUnits;
@end

API_AVAILABLE(macos(10.15), ios(13.0), watchos(6.0), tvos(13.0))
ML_EXPORT
@interface MLModelConfiguration (MLGPUConfigurationOptions)
/* Doc: allowLowPrecisionAccumulationOnGPU (default NO) */
@property(readwrite) BOOL allowLowPrecisionAccumulationOnGPU;
@end

NS_ASSUME_NONNULL_END

#endif
