/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_METAL_MTLLIBRARY_H
#define WTCONV_APPLE_SDK_METAL_MTLLIBRARY_H

#include <Metal/MTLDefines.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: MTLFunction, https://developer.apple.com/documentation/metal/mtlfunction */
API_AVAILABLE(macos(10.11), ios(8.0))
@protocol MTLFunction <NSObject>
/* Doc: name */
@property(readonly) NSString *name;
@end

/* Doc: MTLLibrary, https://developer.apple.com/documentation/metal/mtllibrary */
API_AVAILABLE(macos(10.11), ios(8.0))
@protocol MTLLibrary <NSObject>
/* Doc: newFunctionWithName: (nil if the library has no such function) */
- (nullable id<MTLFunction>)newFunctionWithName:(NSString *)functionName;
@end

NS_ASSUME_NONNULL_END

#endif
