/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_COREML_MLFEATUREDESCRIPTION_H
#define WTCONV_APPLE_SDK_COREML_MLFEATUREDESCRIPTION_H

#include <CoreML/MLFeatureType.h>
#include <CoreML/MLMultiArrayConstraint.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: MLFeatureDescription,
 * https://developer.apple.com/documentation/coreml/mlfeaturedescription */
API_AVAILABLE(macos(10.13), ios(11.0), watchos(4.0), tvos(11.0))
ML_EXPORT
@interface MLFeatureDescription : NSObject <NSCopying>
/* Doc: name */
@property(readonly, nonatomic, copy) NSString *name;
/* Doc: type */
@property(readonly, nonatomic) MLFeatureType type;
/* Doc: isOptional (property "optional", getter isOptional) */
@property(readonly, nonatomic, getter=isOptional) BOOL optional;
@end

API_AVAILABLE(macos(10.13), ios(11.0), watchos(4.0), tvos(11.0))
@interface MLFeatureDescription (MLFeatureValueConstraints)
/* Doc: multiArrayConstraint (nil unless type is MLFeatureTypeMultiArray) */
@property(readonly, nullable, nonatomic) MLMultiArrayConstraint *multiArrayConstraint;
@end

NS_ASSUME_NONNULL_END

#endif
