/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_COREML_MLFEATUREPROVIDER_H
#define WTCONV_APPLE_SDK_COREML_MLFEATUREPROVIDER_H

#include <CoreML/MLFeatureValue.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: MLFeatureProvider, https://developer.apple.com/documentation/coreml/mlfeatureprovider
 * It does not adopt the NSObject protocol. */
API_AVAILABLE(macos(10.13), ios(11.0), watchos(4.0), tvos(11.0))
@protocol MLFeatureProvider
/* Doc: featureNames */
@property(readonly, nonatomic) NSSet<NSString *> *featureNames;
/* Doc: featureValueForName: (nil for a name not in featureNames) */
- (nullable MLFeatureValue *)featureValueForName:(NSString *)featureName;
@end

NS_ASSUME_NONNULL_END

#endif
