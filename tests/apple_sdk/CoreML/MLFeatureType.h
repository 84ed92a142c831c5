/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_COREML_MLFEATURETYPE_H
#define WTCONV_APPLE_SDK_COREML_MLFEATURETYPE_H

#include <CoreML/MLExport.h>

/* Doc: MLFeatureType, https://developer.apple.com/documentation/coreml/mlfeaturetype */
typedef NS_ENUM(NSInteger, MLFeatureType) {
    MLFeatureTypeInvalid = 0,
    MLFeatureTypeInt64 = 1,
    MLFeatureTypeDouble = 2,
    MLFeatureTypeString = 3,
    MLFeatureTypeImage = 4,
    MLFeatureTypeMultiArray = 5,
    MLFeatureTypeDictionary = 6,
    MLFeatureTypeSequence API_AVAILABLE(macos(10.14), ios(12.0), watchos(5.0), tvos(12.0)) = 7,
    MLFeatureTypeState API_AVAILABLE(macos(15.0), ios(18.0), watchos(11.0), tvos(18.0)) = 8,
} API_AVAILABLE(macos(10.13), ios(11.0), watchos(4.0), tvos(11.0));

#endif
