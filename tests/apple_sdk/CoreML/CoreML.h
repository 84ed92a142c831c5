/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header.
 * The Core ML subset the Objective-C++ backend uses. */
#ifndef WTCONV_APPLE_SDK_COREML_COREML_H
#define WTCONV_APPLE_SDK_COREML_COREML_H

#include <Foundation/Foundation.h>
#include <CoreML/MLExport.h>
#include <CoreML/MLFeatureType.h>
#include <CoreML/MLMultiArray.h>
#include <CoreML/MLMultiArrayConstraint.h>
#include <CoreML/MLFeatureValue.h>
#include <CoreML/MLFeatureDescription.h>
#include <CoreML/MLFeatureProvider.h>
#include <CoreML/MLDictionaryFeatureProvider.h>
#include <CoreML/MLModelMetadataKeys.h>
#include <CoreML/MLModelDescription.h>
#include <CoreML/MLModelConfiguration.h>
#include <CoreML/MLPredictionOptions.h>
#include <CoreML/MLModel.h>
#include <CoreML/MLModel+MLModelCompilation.h>

#endif
