/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_COREML_MLFEATUREVALUE_H
#define WTCONV_APPLE_SDK_COREML_MLFEATUREVALUE_H

#include <CoreML/MLFeatureType.h>
#include <CoreML/MLMultiArray.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: MLFeatureValue, https://developer.apple.com/documentation/coreml/mlfeaturevalue */
API_AVAILABLE(macos(10.13), ios(11.0), watchos(4.0), tvos(11.0))
ML_EXPORT
@interface MLFeatureValue : NSObject <NSCopying>
/* Doc: type */
@property(readonly, nonatomic) MLFeatureType type;
/* Doc: multiArrayValue (nil unless type is MLFeatureTypeMultiArray) */
@property(readonly, nullable, nonatomic) MLMultiArray *multiArrayValue;
/* Doc: featureValueWithMultiArray: */
+ (instancetype)featureValueWithMultiArray:(MLMultiArray *)value;
@end

NS_ASSUME_NONNULL_END

#endif
