# Cross build for macOS on Linux with clang-14 and lld's Mach-O linker (ld64.lld-14), against an
# Apple SDK given as CMAKE_OSX_SYSROOT. For checking that the library compiles and links for
# macOS (tools/check_macos_sdk.sh); nothing built here is run. Set on the command line:
#   -DCMAKE_OSX_SYSROOT=/path/to/MacOSX13.3.sdk  -DCMAKE_OSX_ARCHITECTURES=arm64|x86_64
#   [-DCMAKE_OSX_DEPLOYMENT_TARGET=13.0] [-DWTCONV_MACOS_LINK_FLAGS="flags for every link"]
# (CMake hands these three on to its try_compile checks; the toolchain file is read again there.)
set(CMAKE_SYSTEM_NAME Darwin)
if(NOT CMAKE_OSX_ARCHITECTURES MATCHES "^(arm64|x86_64)$")
  message(FATAL_ERROR "set CMAKE_OSX_ARCHITECTURES to one of arm64, x86_64")
endif()
if(NOT CMAKE_OSX_SYSROOT OR NOT EXISTS "${CMAKE_OSX_SYSROOT}/usr/lib/libSystem.tbd")
  message(FATAL_ERROR "set CMAKE_OSX_SYSROOT to a macOS SDK (with usr/lib/libSystem.tbd)")
endif()
if(NOT CMAKE_OSX_DEPLOYMENT_TARGET)
  set(CMAKE_OSX_DEPLOYMENT_TARGET 13.0 CACHE STRING "Oldest macOS to run on")
endif()
set(CMAKE_SYSTEM_PROCESSOR ${CMAKE_OSX_ARCHITECTURES})
set(_wtconv_target ${CMAKE_OSX_ARCHITECTURES}-apple-macos${CMAKE_OSX_DEPLOYMENT_TARGET})

find_program(_wtconv_ld64 NAMES ld64.lld-14 ld64.lld REQUIRED)
foreach(_lang C CXX OBJC OBJCXX)
  set(CMAKE_${_lang}_COMPILER_TARGET ${_wtconv_target})
endforeach()
set(CMAKE_C_COMPILER clang-14)
set(CMAKE_OBJC_COMPILER clang-14)
set(CMAKE_CXX_COMPILER clang++-14)
set(CMAKE_OBJCXX_COMPILER clang++-14)
# Apple's C++ library, from the SDK (clang's default for Darwin targets; said explicitly).
set(CMAKE_CXX_FLAGS_INIT "-stdlib=libc++")
set(CMAKE_OBJCXX_FLAGS_INIT "-stdlib=libc++")
# clang looks for "ld64.lld" by name for -fuse-ld=lld; Debian installs it versioned. The linker
# version tells clang's driver that the linker takes -platform_version (ld64 520 and later, and
# lld), which lld requires, rather than the older -macosx_version_min.
foreach(_kind EXE SHARED MODULE)
  set(CMAKE_${_kind}_LINKER_FLAGS_INIT
      "--ld-path=${_wtconv_ld64} -mlinker-version=705 ${WTCONV_MACOS_LINK_FLAGS}")
endforeach()

# LLVM's Mach-O binutils in place of Apple's (Debian package llvm-14).
set(CMAKE_AR llvm-ar-14)
set(CMAKE_RANLIB llvm-ranlib-14)
set(CMAKE_NM llvm-nm-14)
set(CMAKE_OBJDUMP llvm-objdump-14)
set(CMAKE_STRIP llvm-strip-14)
set(CMAKE_INSTALL_NAME_TOOL llvm-install-name-tool-14)

set(CMAKE_FIND_ROOT_PATH ${CMAKE_OSX_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
