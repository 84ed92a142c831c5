/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_COREML_MLMODEL_MLMODELCOMPILATION_H
#define WTCONV_APPLE_SDK_COREML_MLMODEL_MLMODELCOMPILATION_H

#include <CoreML/MLModel.h>

NS_ASSUME_NONNULL_BEGIN

@interface MLModel (MLModelCompilation)
/* Doc: compileModelAtURL:error:,
 * https://developer.apple.com/documentation/coreml/mlmodel/compilemodel(at:)-6442s
 * Returns a temporary .mlmodelc the caller must move to keep. Not on watchOS. Deprecated for a
 * future release in favour of compileModelAtURL:completionHandler: (macOS 13, iOS 16). */
+ (nullable NSURL *)compileModelAtURL:(NSURL *)modelURL
                                error:(NSError **)error
    API_UNAVAILABLE(watchos)
        API_DEPRECATED("Use the asynchronous interface "
                       "compileModelAtURL:completionHandler:error: instead.",
                       macos(10.13, API_TO_BE_DEPRECATED), ios(11.0, API_TO_BE_DEPRECATED),
                       tvos(11.0, API_TO_BE_DEPRECATED));
@end

NS_ASSUME_NONNULL_END

#endif
