/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header.
 * The Metal subset the Objective-C++ backend uses. */
#ifndef WTCONV_APPLE_SDK_METAL_METAL_H
#define WTCONV_APPLE_SDK_METAL_METAL_H

#include <Metal/MTLDefines.h>
#include <Metal/MTLTypes.h>
#include <Metal/MTLResource.h>
#include <Metal/MTLBuffer.h>
#include <Metal/MTLLibrary.h>
#include <Metal/MTLComputePipeline.h>
#include <Metal/MTLEvent.h>
#include <Metal/MTLCommandEncoder.h>
#include <Metal/MTLComputeCommandEncoder.h>
#include <Metal/MTLCommandBuffer.h>
#include <Metal/MTLCommandQueue.h>
#include <Metal/MTLDevice.h>

#endif
