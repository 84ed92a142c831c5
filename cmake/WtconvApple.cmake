# The Apple backend (WTCONV_WITH_METAL): the Objective-C++ layer in src/apple/*.mm, compiled
# with ARC, and the Metal kernels compiled at build time into a .metallib that is embedded in
# the library. Metal, Core ML and Foundation are linked privately; for a static library they
# still reach consumers through the exported target's link interface.
#
# Not yet built on Apple hardware by this project's CI (there is none); see README.md.

enable_language(OBJCXX)

find_program(WTCONV_XCRUN xcrun)
if(NOT WTCONV_XCRUN)
  message(FATAL_ERROR "WTCONV_WITH_METAL needs xcrun (Xcode or its command line tools) to "
                      "compile the Metal kernels; configure with -DWTCONV_WITH_METAL=OFF to build "
                      "without the Apple backend")
endif()

if(CMAKE_SYSTEM_NAME STREQUAL "iOS")
  if(CMAKE_OSX_SYSROOT MATCHES "[Ss]imulator")
    set(_wtconv_metal_sdk iphonesimulator)
  else()
    set(_wtconv_metal_sdk iphoneos)
  endif()
else()
  set(_wtconv_metal_sdk macosx)
endif()

set(_wtconv_metal_source "${PROJECT_SOURCE_DIR}/metal/wtconv_kernels.metal")
set(_wtconv_metal_air "${CMAKE_CURRENT_BINARY_DIR}/wtconv_kernels.air")
set(_wtconv_metallib "${CMAKE_CURRENT_BINARY_DIR}/wtconv_kernels.metallib")
set(_wtconv_metallib_c "${CMAKE_CURRENT_BINARY_DIR}/wtconv_metallib_data.c")

# -fno-fast-math: the Haar sums must round as written, like the CPU backend's.
add_custom_command(OUTPUT "${_wtconv_metal_air}"
  COMMAND "${WTCONV_XCRUN}" -sdk ${_wtconv_metal_sdk} metal -c -fno-fast-math
          -I "${PROJECT_SOURCE_DIR}/metal" "${_wtconv_metal_source}" -o "${_wtconv_metal_air}"
  DEPENDS "${_wtconv_metal_source}" "${PROJECT_SOURCE_DIR}/metal/wtconv_kernel_args.h"
  COMMENT "Compiling the Metal kernels"
  VERBATIM)
add_custom_command(OUTPUT "${_wtconv_metallib}"
  COMMAND "${WTCONV_XCRUN}" -sdk ${_wtconv_metal_sdk} metallib "${_wtconv_metal_air}"
          -o "${_wtconv_metallib}"
  DEPENDS "${_wtconv_metal_air}"
  VERBATIM)
add_custom_command(OUTPUT "${_wtconv_metallib_c}"
  COMMAND "${CMAKE_COMMAND}" -DINPUT=${_wtconv_metallib} -DOUTPUT=${_wtconv_metallib_c}
          -DSYMBOL=wtconv_metallib -P "${PROJECT_SOURCE_DIR}/cmake/EmbedBinary.cmake"
  DEPENDS "${_wtconv_metallib}" "${PROJECT_SOURCE_DIR}/cmake/EmbedBinary.cmake"
  COMMENT "Embedding the Metal kernels"
  VERBATIM)

add_library(wtconv_apple OBJECT
  src/apple/coreml_stage.mm
  src/apple/metal_backend.mm
  src/apple/metal_runtime.mm
  "${_wtconv_metallib_c}")
wtconv_internal_objects(wtconv_apple)
set_target_properties(wtconv_apple PROPERTIES
  OBJCXX_STANDARD 17 OBJCXX_STANDARD_REQUIRED ON OBJCXX_EXTENSIONS OFF
  OBJCXX_VISIBILITY_PRESET hidden)
target_compile_options(wtconv_apple PRIVATE $<$<COMPILE_LANGUAGE:OBJCXX>:-fobjc-arc>)

set(WTCONV_APPLE_FRAMEWORKS "-framework CoreML" "-framework Metal" "-framework Foundation")
set(WTCONV_PC_APPLE_LIBS "-framework CoreML -framework Metal -framework Foundation")
