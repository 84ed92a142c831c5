# The Apple backend (WTCONV_WITH_METAL): the Objective-C++ layer in src/apple/*.mm, compiled
# with ARC, and the Metal kernels compiled at build time into a .metallib that is embedded in
# the library. Metal, Core ML and Foundation are linked privately; for a static library they
# still reach consumers through the exported target's link interface.
#
# Included right after the option is read: it checks for the Metal compiler first, and turns the
# backend off (with a warning) when it was on only by default and the compiler is missing.
#
# Not yet built on Apple hardware by this project's CI (there is none); see docs/apple-backend.md.

# The oldest OS the backend runs on: Core ML models exported for it (ML programs of macOS 13 /
# iOS 16) and MLPredictionOptions.outputBackings on iOS. Keep in step with metal_backend.mm.
set(WTCONV_METAL_MIN_MACOS 13.0)
set(WTCONV_METAL_MIN_IOS 16.0)

if(CMAKE_SYSTEM_NAME STREQUAL "iOS")
  set(_wtconv_metal_min ${WTCONV_METAL_MIN_IOS})
  if(CMAKE_OSX_SYSROOT MATCHES "[Ss]imulator")
    set(_wtconv_metal_sdk iphonesimulator)
    set(_wtconv_metal_min_flag -mios-simulator-version-min)
  else()
    set(_wtconv_metal_sdk iphoneos)
    set(_wtconv_metal_min_flag -mios-version-min)
  endif()
else()
  set(_wtconv_metal_min ${WTCONV_METAL_MIN_MACOS})
  set(_wtconv_metal_sdk macosx)
  set(_wtconv_metal_min_flag -mmacosx-version-min)
endif()
# The kernels must load on the oldest OS the library is built for: stamp them with the build's
# deployment target (or, without one, the backend's oldest OS), not the SDK's.
if(CMAKE_OSX_DEPLOYMENT_TARGET AND CMAKE_OSX_DEPLOYMENT_TARGET VERSION_GREATER _wtconv_metal_min)
  set(_wtconv_metal_min ${CMAKE_OSX_DEPLOYMENT_TARGET})
endif()

# The Metal compiler ships with Xcode (not the Command Line Tools), and since Xcode 26 as a
# separate component.
find_program(WTCONV_XCRUN xcrun)
set(_wtconv_metal_missing "")
if(NOT WTCONV_XCRUN)
  set(_wtconv_metal_missing "xcrun was not found")
else()
  execute_process(COMMAND "${WTCONV_XCRUN}" -sdk ${_wtconv_metal_sdk} metal --version
    RESULT_VARIABLE _wtconv_metal_rc OUTPUT_VARIABLE _wtconv_metal_version
    ERROR_VARIABLE _wtconv_metal_error)
  if(NOT _wtconv_metal_rc EQUAL 0)
    string(STRIP "${_wtconv_metal_error}" _wtconv_metal_error)
    set(_wtconv_metal_missing "'xcrun -sdk ${_wtconv_metal_sdk} metal' fails: ${_wtconv_metal_error}")
  elseif(_wtconv_metal_version MATCHES "STAND-IN")
    # tools/xcrun_metal_standin.sh (WTCONV_XCRUN), for cross-build checks on Linux.
    message(WARNING "WTCONV_XCRUN is ${WTCONV_XCRUN}, a stand-in for the Metal compiler: the "
                    "library embeds a placeholder, not the Metal kernels, and its Apple backend "
                    "cannot run. For link checks only; never ship this build.")
  endif()
endif()
if(_wtconv_metal_missing)
  set(_wtconv_metal_help "install Xcode and select it (xcode-select -s), and with Xcode 26 or "
      "later its Metal toolchain (xcodebuild -downloadComponent MetalToolchain); or configure "
      "with -DWTCONV_WITH_METAL=OFF")
  if(_wtconv_metal_requested)
    message(FATAL_ERROR "WTCONV_WITH_METAL needs the Metal compiler: ${_wtconv_metal_missing}. "
                        ${_wtconv_metal_help})
  endif()
  message(WARNING "Building without the Apple backend: ${_wtconv_metal_missing}. To build it, "
                  ${_wtconv_metal_help})
  set(WTCONV_WITH_METAL OFF CACHE BOOL
      "Build the Apple backend (Metal + Core ML); macOS and iOS only" FORCE)
  return()
endif()

# Here, not in the function: enable_language must be called at file scope (in a function, the
# language's rule variables vanish with the function's scope and generation fails with
# "Missing variable is: CMAKE_OBJCXX_COMPILE_OBJECT").
enable_language(OBJCXX)
# The library links as Objective-C++. CMake (3.25 at least) gives OBJCXX the shared-library
# naming flag of OBJC, which is unset unless OBJC is enabled too: the dylib then came out with
# no -install_name (its id was the bare file name, which dyld cannot find from a consumer) and
# without the libwtconv.N.dylib version names. Use C's (-install_name), as CXX does.
if(NOT CMAKE_SHARED_LIBRARY_SONAME_OBJCXX_FLAG)
  set(CMAKE_SHARED_LIBRARY_SONAME_OBJCXX_FLAG "${CMAKE_SHARED_LIBRARY_SONAME_C_FLAG}")
endif()

function(wtconv_add_apple_backend)
  set(source "${PROJECT_SOURCE_DIR}/metal/wtconv_kernels.metal")
  set(air "${PROJECT_BINARY_DIR}/wtconv_kernels.air")
  set(metallib "${PROJECT_BINARY_DIR}/wtconv_kernels.metallib")
  set(metallib_c "${PROJECT_BINARY_DIR}/wtconv_metallib_data.c")

  # -fno-fast-math: the Haar sums must round as written, like the CPU backend's.
  add_custom_command(OUTPUT "${air}"
    COMMAND "${WTCONV_XCRUN}" -sdk ${_wtconv_metal_sdk} metal -c -fno-fast-math
            ${_wtconv_metal_min_flag}=${_wtconv_metal_min}
            -I "${PROJECT_SOURCE_DIR}/metal" "${source}" -o "${air}"
    DEPENDS "${source}" "${PROJECT_SOURCE_DIR}/metal/wtconv_kernel_args.h"
    COMMENT "Compiling the Metal kernels"
    VERBATIM)
  add_custom_command(OUTPUT "${metallib}"
    COMMAND "${WTCONV_XCRUN}" -sdk ${_wtconv_metal_sdk} metallib "${air}" -o "${metallib}"
    DEPENDS "${air}"
    VERBATIM)
  add_custom_command(OUTPUT "${metallib_c}"
    COMMAND "${CMAKE_COMMAND}" -DINPUT=${metallib} -DOUTPUT=${metallib_c}
            -DSYMBOL=wtconv_metallib -P "${PROJECT_SOURCE_DIR}/cmake/EmbedBinary.cmake"
    DEPENDS "${metallib}" "${PROJECT_SOURCE_DIR}/cmake/EmbedBinary.cmake"
    COMMENT "Embedding the Metal kernels"
    VERBATIM)

  add_library(wtconv_apple OBJECT
    "${PROJECT_SOURCE_DIR}/src/apple/coreml_stage.mm"
    "${PROJECT_SOURCE_DIR}/src/apple/metal_backend.mm"
    "${PROJECT_SOURCE_DIR}/src/apple/metal_runtime.mm"
    "${metallib_c}")
  wtconv_internal_objects(wtconv_apple)
  set_target_properties(wtconv_apple PROPERTIES
    OBJCXX_STANDARD 17 OBJCXX_STANDARD_REQUIRED ON OBJCXX_EXTENSIONS OFF
    OBJCXX_VISIBILITY_PRESET hidden)
  target_compile_options(wtconv_apple PRIVATE $<$<COMPILE_LANGUAGE:OBJCXX>:-fobjc-arc>)
endfunction()

# CoreGraphics: "In macOS, in order for the system to provide a default Metal device object, you
# need to link to the CoreGraphics framework" (MTLCreateSystemDefaultDevice's documentation),
# which tools without graphics, like a command-line program using this library, would not do.
set(WTCONV_APPLE_FRAMEWORKS
  "-framework CoreML" "-framework Metal" "-framework CoreGraphics" "-framework Foundation")
set(WTCONV_PC_APPLE_LIBS
  "-framework CoreML -framework Metal -framework CoreGraphics -framework Foundation")
