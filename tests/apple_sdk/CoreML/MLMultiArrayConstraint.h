/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_COREML_MLMULTIARRAYCONSTRAINT_H
#define WTCONV_APPLE_SDK_COREML_MLMULTIARRAYCONSTRAINT_H

#include <CoreML/MLMultiArray.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: MLMultiArrayShapeConstraint,
 * https://developer.apple.com/documentation/coreml/mlmultiarrayshapeconstraint
 * (only named here, as the type of shapeConstraint) */
@class MLMultiArrayShapeConstraint;

/* Doc: MLMultiArrayConstraint,
 * https://developer.apple.com/documentation/coreml/mlmultiarrayconstraint */
API_AVAILABLE(macos(10.13), ios(11.0), watchos(4.0), tvos(11.0))
ML_EXPORT
@interface MLMultiArrayConstraint : NSObject
/* Doc: shape (required or default shape) */
@property(readonly, nonatomic) NSArray<NSNumber *> *shape;
/* Doc: dataType */
@property(readonly, nonatomic) MLMultiArrayDataType dataType;
/* Doc: shapeConstraint */
@property(readonly, nonatomic) MLMultiArrayShapeConstraint *shapeConstraint API_AVAILABLE(
    macos(10.14), ios(12.0), watchos(5.0), tvos(12.0));
@end

NS_ASSUME_NONNULL_END

#endif
