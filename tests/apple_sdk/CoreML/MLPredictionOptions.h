/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_COREML_MLPREDICTIONOPTIONS_H
#define WTCONV_APPLE_SDK_COREML_MLPREDICTIONOPTIONS_H

#include <CoreML/MLExport.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: MLPredictionOptions, https://developer.apple.com/documentation/coreml/mlpredictionoptions
 * Created with alloc/init or new (NSObject). */
API_AVAILABLE(macos(10.13), ios(11.0), watchos(4.0), tvos(11.0))
ML_EXPORT
@interface MLPredictionOptions : NSObject
/* Doc: outputBackings,
 * https://developer.apple.com/documentation/coreml/mlpredictionoptions/outputbackings
 *
 * Maps a feature name to an MLMultiArray (or CVPixelBuffer) that Core ML may write that output
 * into; it may also ignore it and allocate its own (compare object identities to know). Available
 * from macOS 11.0 but only from iOS 16.0: the macOS 12 SDK still marked it unavailable on iOS,
 * watchOS and tvOS. */
@property(readwrite, copy, nonatomic) NSDictionary<NSString *, id> *outputBackings API_AVAILABLE(
    macos(11.0), ios(16.0), watchos(9.0), tvos(16.0));
@end

NS_ASSUME_NONNULL_END

#endif
