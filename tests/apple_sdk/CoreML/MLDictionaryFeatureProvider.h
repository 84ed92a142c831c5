/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_COREML_MLDICTIONARYFEATUREPROVIDER_H
#define WTCONV_APPLE_SDK_COREML_MLDICTIONARYFEATUREPROVIDER_H

#include <CoreML/MLFeatureProvider.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: MLDictionaryFeatureProvider,
 * https://developer.apple.com/documentation/coreml/mldictionaryfeatureprovider */
API_AVAILABLE(macos(10.13), ios(11.0), watchos(4.0), tvos(11.0))
ML_EXPORT
@interface MLDictionaryFeatureProvider : NSObject <MLFeatureProvider, NSFastEnumeration>
/* Doc: initWithDictionary:error: (values: MLFeatureValue or anything convertible to one) */
- (nullable instancetype)initWithDictionary:(NSDictionary<NSString *, id> *)dictionary
                                      error:(NSError **)error;
@end

NS_ASSUME_NONNULL_END

#endif
