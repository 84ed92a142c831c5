# The CUDA backend (src/cuda): built when a CUDA toolkit is found, unless WTCONV_WITH_CUDA=OFF.
# nvcc is looked for on PATH, in $CUDACXX, $CUDA_PATH and the toolkit's usual prefixes. The
# library links the CUDA runtime statically, so running it needs only the NVIDIA driver.
# Sets WTCONV_WITH_CUDA and, when ON, the static library wtconv_cuda.
include(CheckLanguage)
set(_wtconv_cuda_default OFF)
# Whether WTCONV_WITH_CUDA is the user's choice, or the default this file chose on an earlier
# configure (then it follows the build: a directory reconfigured as static turns it off).
set(_wtconv_cuda_chosen ON)
if(NOT DEFINED WTCONV_WITH_CUDA OR (DEFINED CACHE{_wtconv_cuda_auto} AND
                                    "${WTCONV_WITH_CUDA}" STREQUAL "${_wtconv_cuda_auto}"))
  set(_wtconv_cuda_chosen OFF)
endif()
if(NOT _wtconv_cuda_chosen OR WTCONV_WITH_CUDA)
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX})
    file(GLOB _wtconv_cuda_prefixes LIST_DIRECTORIES true /usr/local/cuda-*)
    find_program(WTCONV_NVCC nvcc
      HINTS ENV CUDA_PATH PATHS /usr/local/cuda ${_wtconv_cuda_prefixes} /opt/cuda
      PATH_SUFFIXES bin)
    if(WTCONV_NVCC)
      set(ENV{CUDACXX} "${WTCONV_NVCC}")
    endif()
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER AND WTCONV_SHARED AND NOT WIN32 AND NOT APPLE)
    set(_wtconv_cuda_default ON)
  endif()
endif()
if(_wtconv_cuda_chosen)
  option(WTCONV_WITH_CUDA "Build the CUDA backend (needs nvcc; shared library on Linux)"
         ${_wtconv_cuda_default})
else()
  set(WTCONV_WITH_CUDA ${_wtconv_cuda_default} CACHE BOOL
      "Build the CUDA backend (needs nvcc; shared library on Linux)" FORCE)
  set(_wtconv_cuda_auto ${_wtconv_cuda_default} CACHE INTERNAL "")
endif()
if(NOT WTCONV_WITH_CUDA)
  if(CMAKE_CUDA_COMPILER AND NOT WTCONV_SHARED AND NOT DEFINED CACHE{_wtconv_cuda_said})
    # Said once, so that a static build's missing CUDA backend is not a surprise.
    message(STATUS "CUDA backend: off (nvcc found, but this is a static build; the CUDA "
                   "backend needs a shared libwtconv)")
    set(_wtconv_cuda_said ON CACHE INTERNAL "")
  endif()
  return()
endif()
if(NOT CMAKE_CUDA_COMPILER)
  message(FATAL_ERROR "WTCONV_WITH_CUDA is ON but no CUDA compiler (nvcc) was found: set "
                      "CMAKE_CUDA_COMPILER or CUDACXX, or WTCONV_WITH_CUDA=OFF")
endif()
if(NOT WTCONV_SHARED)
  message(FATAL_ERROR "WTCONV_WITH_CUDA needs a shared libwtconv (BUILD_SHARED_LIBS=ON; in a "
                      "parent project WTCONV_BUILD_SHARED=ON): the static library would leave "
                      "the CUDA runtime to every consumer")
endif()
# Machine code for Hopper (H100/H200), PTX that later GPUs compile at load.
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 90-real 90-virtual)
endif()
enable_language(CUDA)
find_package(CUDAToolkit REQUIRED)
message(STATUS "CUDA backend: nvcc ${CMAKE_CUDA_COMPILER_VERSION}, architectures "
               "${CMAKE_CUDA_ARCHITECTURES}")

add_library(wtconv_cuda STATIC src/cuda/cuda_backend.cu src/cuda/planes.cu src/cuda/tiles.cu)
target_include_directories(wtconv_cuda PRIVATE "${PROJECT_SOURCE_DIR}/include"
                                               "${PROJECT_SOURCE_DIR}/src")
target_compile_definitions(wtconv_cuda PRIVATE WTCONV_BUILDING)
target_compile_options(wtconv_cuda PRIVATE
  -Xcompiler=-Wall,-Wextra
  $<$<BOOL:${WTCONV_WERROR}>:--Werror=all-warnings>)
set_target_properties(wtconv_cuda PROPERTIES
  CUDA_STANDARD 17 CUDA_STANDARD_REQUIRED ON
  CUDA_VISIBILITY_PRESET hidden
  POSITION_INDEPENDENT_CODE ON)
target_link_libraries(wtconv_cuda PUBLIC CUDA::cudart_static)
