/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_COREML_MLMODEL_H
#define WTCONV_APPLE_SDK_COREML_MLMODEL_H

#include <CoreML/MLFeatureProvider.h>
#include <CoreML/MLModelConfiguration.h>
#include <CoreML/MLModelDescription.h>
#include <CoreML/MLPredictionOptions.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: MLModel, https://developer.apple.com/documentation/coreml/mlmodel */
API_AVAILABLE(macos(10.13), ios(11.0), watchos(4.0), tvos(11.0))
ML_EXPORT
@interface MLModel : NSObject
/* Doc: modelDescription */
@property(readonly, nonatomic) MLModelDescription *modelDescription;
/* Doc: configuration */
@property(readonly, nonatomic) MLModelConfiguration *configuration API_AVAILABLE(
    macos(10.14), ios(12.0), watchos(5.0), tvos(12.0));
/* Doc: modelWithContentsOfURL:error: (url: a compiled .mlmodelc) */
+ (nullable instancetype)modelWithContentsOfURL:(NSURL *)url error:(NSError **)error;
/* Doc: modelWithContentsOfURL:configuration:error: */
+ (nullable instancetype)modelWithContentsOfURL:(NSURL *)url
                                  configuration:(MLModelConfiguration *)configuration
                                          error:(NSError **)error
    API_AVAILABLE(macos(10.14), ios(12.0), watchos(5.0), tvos(12.0));
/* Doc: predictionFromFeatures:error: */
- (nullable id<MLFeatureProvider>)predictionFromFeatures:(id<MLFeatureProvider>)input
                                                   error:(NSError **)error;
/* Doc: predictionFromFeatures:options:error: */
- (nullable id<MLFeatureProvider>)predictionFromFeatures:(id<MLFeatureProvider>)input
                                                 options:(MLPredictionOptions *)options
                                                   error:(NSError **)error;
@end

NS_ASSUME_NONNULL_END

#endif
