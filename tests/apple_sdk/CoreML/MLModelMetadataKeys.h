/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_COREML_MLMODELMETADATAKEYS_H
#define WTCONV_APPLE_SDK_COREML_MLMODELMETADATAKEYS_H

#include <CoreML/MLExport.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: MLModelMetadataKey, https://developer.apple.com/documentation/coreml/mlmodelmetadatakey */
typedef NSString *MLModelMetadataKey NS_STRING_ENUM;

/* Doc: MLModelDescriptionKey */
FOUNDATION_EXPORT MLModelMetadataKey const
    MLModelDescriptionKey API_AVAILABLE(macos(10.13), ios(11.0), watchos(4.0), tvos(11.0));
/* Doc: MLModelVersionStringKey */
FOUNDATION_EXPORT MLModelMetadataKey const
    MLModelVersionStringKey API_AVAILABLE(macos(10.13), ios(11.0), watchos(4.0), tvos(11.0));
/* Doc: MLModelAuthorKey */
FOUNDATION_EXPORT MLModelMetadataKey const MLModelAuthorKey API_AVAILABLE(macos(10.13), ios(11.0),
                                                                          watchos(4.0), tvos(11.0));
/* Doc: MLModelCreatorDefinedKey (its value is an NSDictionary<NSString *, NSString *>) */
FOUNDATION_EXPORT MLModelMetadataKey const
    MLModelCreatorDefinedKey API_AVAILABLE(macos(10.13), ios(11.0), watchos(4.0), tvos(11.0));

NS_ASSUME_NONNULL_END

#endif
