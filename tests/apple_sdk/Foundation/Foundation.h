/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header.
 *
 * The Foundation subset the Objective-C++ backend uses. Like Apple's, it brings in libdispatch
 * (Metal's newLibraryWithData:error: takes a dispatch_data_t). */
#ifndef WTCONV_APPLE_SDK_FOUNDATION_FOUNDATION_H
#define WTCONV_APPLE_SDK_FOUNDATION_FOUNDATION_H

#include <Foundation/NSObjCRuntime.h>
#include <Foundation/NSObject.h>
#include <Foundation/NSEnumerator.h>
#include <Foundation/NSString.h>
#include <Foundation/NSPathUtilities.h>
#include <Foundation/NSValue.h>
#include <Foundation/NSArray.h>
#include <Foundation/NSDictionary.h>
#include <Foundation/NSSet.h>
#include <Foundation/NSError.h>
#include <Foundation/NSException.h>
#include <Foundation/NSURL.h>
#include <Foundation/NSFileManager.h>
#include <Foundation/NSProcessInfo.h>
#include <Foundation/NSUUID.h>
#include <dispatch/dispatch.h>

#endif
