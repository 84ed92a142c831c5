/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_COREML_MLEXPORT_H
#define WTCONV_APPLE_SDK_COREML_MLEXPORT_H

#include <Foundation/Foundation.h>

#define ML_EXPORT extern __attribute__((visibility("default")))

#endif
