/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_COREML_MLMODELDESCRIPTION_H
#define WTCONV_APPLE_SDK_COREML_MLMODELDESCRIPTION_H

#include <CoreML/MLFeatureDescription.h>
#include <CoreML/MLModelMetadataKeys.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: MLModelDescription, https://developer.apple.com/documentation/coreml/mlmodeldescription */
API_AVAILABLE(macos(10.13), ios(11.0), watchos(4.0), tvos(11.0))
ML_EXPORT
@interface MLModelDescription : NSObject
/* Doc: inputDescriptionsByName */
@property(readonly, nonatomic)
    NSDictionary<NSString *, MLFeatureDescription *> *inputDescriptionsByName;
/* Doc: outputDescriptionsByName */
@property(readonly, nonatomic)
    NSDictionary<NSString *, MLFeatureDescription *> *outputDescriptionsByName;
/* Doc: metadata */
@property(readonly, nonatomic) NSDictionary<MLModelMetadataKey, id> *metadata;
@end

NS_ASSUME_NONNULL_END

#endif
