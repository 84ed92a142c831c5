# Builds a separate project against libwtconv the way users do. Run with
#   cmake -DMODE=cmake|pkgconfig -DSOURCE_DIR=... -DWORK_DIR=... -DC_COMPILER=... -P this file
# MODE=cmake: installs libwtconv (shared, then static) with `cmake --install --prefix`, builds
#   the consumer with find_package(wtconv) against each, then with libwtconv as a subproject.
# MODE=pkgconfig: builds the consumer with pkg-config's flags against the installs that
#   MODE=cmake left in WORK_DIR.

cmake_minimum_required(VERSION 3.20)

foreach(var MODE SOURCE_DIR WORK_DIR C_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_consumer_test.cmake needs -D${var}=...")
  endif()
endforeach()

set(DEMO_ARGS "${SOURCE_DIR}/examples/demo_wtconv.safetensors"
              "${SOURCE_DIR}/examples/demo_input_32x64x64.f32"
              "${SOURCE_DIR}/examples/demo_output_32x64x64.f32")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmdline "${ARGN}")
    message(FATAL_ERROR "FAILED (${rc}): ${cmdline}\n${out}\n${err}")
  endif()
  set(RUN_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

set(passed 0)
if(MODE STREQUAL "cmake")
  file(REMOVE_RECURSE "${WORK_DIR}")
  foreach(kind shared static)
    if(kind STREQUAL "shared")
      set(build_shared ON)
    else()
      set(build_shared OFF)
    endif()
    set(prefix "${WORK_DIR}/prefix-${kind}")
    message(STATUS "[${kind}] build libwtconv, install it with --prefix ${prefix}")
    run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK_DIR}/lib-${kind}"
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=${C_COMPILER}
        -DBUILD_SHARED_LIBS=${build_shared} -DWTCONV_BUILD_TESTS=OFF -DWTCONV_BUILD_EXAMPLES=OFF)
    run(${CMAKE_COMMAND} --build "${WORK_DIR}/lib-${kind}" -j 2)
    run(${CMAKE_COMMAND} --install "${WORK_DIR}/lib-${kind}" --prefix "${prefix}")

    message(STATUS "[${kind}] find_package(wtconv) consumer")
    run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/consumer" -B "${WORK_DIR}/consumer-${kind}"
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=${C_COMPILER}
        -DCMAKE_PREFIX_PATH=${prefix})
    run(${CMAKE_COMMAND} --build "${WORK_DIR}/consumer-${kind}")
    run("${WORK_DIR}/consumer-${kind}/consumer" ${DEMO_ARGS})
    message(STATUS "  ${RUN_OUTPUT}")
    math(EXPR passed "${passed} + 1")
  endforeach()

  message(STATUS "[subproject] add_subdirectory(libwtconv) consumer")
  run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/consumer" -B "${WORK_DIR}/consumer-subproject"
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=${C_COMPILER} -DWTCONV_SOURCE_DIR=${SOURCE_DIR})
  run(${CMAKE_COMMAND} --build "${WORK_DIR}/consumer-subproject" -j 2)
  if(EXISTS "${WORK_DIR}/consumer-subproject/wtconv-build/tests")
    message(FATAL_ERROR "a subproject build must not build libwtconv's tests")
  endif()
  run("${WORK_DIR}/consumer-subproject/consumer" ${DEMO_ARGS})
  message(STATUS "  ${RUN_OUTPUT}")
  math(EXPR passed "${passed} + 1")

elseif(MODE STREQUAL "pkgconfig")
  find_program(PKG_CONFIG pkg-config REQUIRED)
  foreach(kind shared static)
    set(prefix "${WORK_DIR}/prefix-${kind}")
    message(STATUS "[${kind}] pkg-config consumer")
    file(GLOB_RECURSE pc_files "${prefix}/*/wtconv.pc")
    if(NOT pc_files)
      message(FATAL_ERROR "no wtconv.pc under ${prefix}: run MODE=cmake first")
    endif()
    list(GET pc_files 0 pc_file)
    get_filename_component(pc_dir "${pc_file}" DIRECTORY)
    set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
    set(static_flag "")
    if(kind STREQUAL "static")
      set(static_flag "--static")
    endif()
    run(${PKG_CONFIG} --cflags --libs ${static_flag} wtconv)
    string(STRIP "${RUN_OUTPUT}" flags)
    separate_arguments(flags UNIX_COMMAND "${flags}")
    run(${PKG_CONFIG} --variable=libdir wtconv)
    string(STRIP "${RUN_OUTPUT}" libdir)
    set(exe "${WORK_DIR}/consumer-pkgconfig-${kind}")
    # -lm for the consumer's own fabs; an rpath so the shared build runs where it is installed.
    run(${C_COMPILER} -std=c11 -o "${exe}" "${SOURCE_DIR}/tests/consumer/main.c" ${flags}
        "-Wl,-rpath,${libdir}" -lm)
    if(kind STREQUAL "static")
      # A static consumer must not need the shared library at all.
      run(sh -c "! ldd '${exe}' | grep -q libwtconv")
    endif()
    run("${exe}" ${DEMO_ARGS})
    message(STATUS "  ${RUN_OUTPUT}")
    math(EXPR passed "${passed} + 1")
  endforeach()
else()
  message(FATAL_ERROR "MODE must be cmake or pkgconfig, not '${MODE}'")
endif()
message(STATUS "consumer ${MODE}: ${passed} passed, 0 failed")
