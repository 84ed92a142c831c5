# Syntax-checks the Objective-C++ Apple backend (src/apple/*.mm) on a machine without Apple's
# SDK, against the declarations in tests/apple_sdk (written from Apple's documentation):
#   cmake -DCLANG=clang++-14 -DSOURCE_DIR=<repo> -P check_objcxx.cmake
# Two passes: for a Linux target (BOOL is bool, as on arm64), and for an x86_64 macOS 12 target,
# where clang also enforces API availability (@available / API_AVAILABLE) as Apple's SDK would.
# The C++ standard library and libc headers of this Linux machine stand in for the SDK's.
# Any diagnostic fails the check.
foreach(_var CLANG SOURCE_DIR)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "check_objcxx.cmake: pass -D${_var}=...")
  endif()
endforeach()

file(GLOB _sources "${SOURCE_DIR}/src/apple/*.mm")
if(NOT _sources)
  message(FATAL_ERROR "no Objective-C++ sources in ${SOURCE_DIR}/src/apple")
endif()

set(_common -fsyntax-only -x objective-c++ -std=c++17 -fobjc-arc -fblocks
  -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wvla -Werror
  -isystem "${SOURCE_DIR}/tests/apple_sdk"
  "-I${SOURCE_DIR}/include" "-I${SOURCE_DIR}/src" "-I${SOURCE_DIR}/metal"
  -DWTCONV_BUILDING -DWTCONV_HAVE_METAL)

# libstdc++'s headers for the Darwin-target pass: the newest version installed.
file(GLOB _cxx_dirs LIST_DIRECTORIES true "/usr/include/c++/*")
list(SORT _cxx_dirs COMPARE NATURAL ORDER DESCENDING)
list(GET _cxx_dirs 0 _cxx)
get_filename_component(_cxx_version "${_cxx}" NAME)
set(_macos -target x86_64-apple-macos12.0 -Wunguarded-availability-new -nostdinc++
  -U__nonnull -D_GNU_SOURCE -isystem "${_cxx}"
  -isystem "/usr/include/x86_64-linux-gnu/c++/${_cxx_version}"
  -isystem /usr/include/x86_64-linux-gnu)

set(_failed 0)
# Runs one check; any output or a failure fails the whole script at the end.
function(check_one label)
  execute_process(COMMAND "${CLANG}" ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR out OR err)
    message("FAIL ${label}\n${out}${err}")
    set(_failed 1 PARENT_SCOPE)
  else()
    message("ok   ${label}")
  endif()
endfunction()

foreach(_pass linux macos)
  if(_pass STREQUAL "linux")
    set(_flags -fobjc-runtime=macosx-12.0)
  else()
    set(_flags ${_macos})
  endif()
  foreach(_source ${_sources})
    get_filename_component(_name "${_source}" NAME)
    check_one("${_pass}: ${_name}" ${_common} ${_flags} "${_source}")
  endforeach()
endforeach()
# The registry's C, as an Apple build compiles it (it names the Metal backend).
check_one("c: registry.c with WTCONV_HAVE_METAL" -fsyntax-only -x c -std=c11 -Wall -Wextra
  -Wpedantic -Werror "-I${SOURCE_DIR}/include" "-I${SOURCE_DIR}/src" "-I${SOURCE_DIR}/metal"
  -DWTCONV_HAVE_METAL "${SOURCE_DIR}/src/backend/registry.c")
if(_failed)
  message(FATAL_ERROR "the Objective-C++ syntax check failed")
endif()
