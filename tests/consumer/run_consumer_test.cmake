# Installs libwtconv (shared, then static) into a temporary prefix and builds a separate
# project against it twice: with find_package(wtconv) and with pkg-config; then builds the
# same project with libwtconv as a subproject (add_subdirectory). Run with
#   cmake -DSOURCE_DIR=... -DWORK_DIR=... -DC_COMPILER=... -P run_consumer_test.cmake

foreach(var SOURCE_DIR WORK_DIR C_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_consumer_test.cmake needs -D${var}=...")
  endif()
endforeach()

set(DEMO_MODEL "${SOURCE_DIR}/examples/demo_wtconv.safetensors")
set(DEMO_INPUT "${SOURCE_DIR}/examples/demo_input_32x64x64.f32")
set(DEMO_OUTPUT "${SOURCE_DIR}/examples/demo_output_32x64x64.f32")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmdline "${ARGN}")
    message(FATAL_ERROR "FAILED (${rc}): ${cmdline}\n${out}\n${err}")
  endif()
  set(RUN_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
find_program(PKG_CONFIG pkg-config)

foreach(kind shared static)
  if(kind STREQUAL "shared")
    set(shared ON)
  else()
    set(shared OFF)
  endif()
  set(prefix "${WORK_DIR}/prefix-${kind}")
  message(STATUS "[${kind}] build and install libwtconv into ${prefix}")
  run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK_DIR}/lib-${kind}"
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=${C_COMPILER} -DBUILD_SHARED_LIBS=${shared}
      -DWTCONV_BUILD_TESTS=OFF -DWTCONV_BUILD_EXAMPLES=OFF -DCMAKE_INSTALL_PREFIX=${prefix})
  run(${CMAKE_COMMAND} --build "${WORK_DIR}/lib-${kind}" -j 2)
  run(${CMAKE_COMMAND} --install "${WORK_DIR}/lib-${kind}")

  message(STATUS "[${kind}] find_package(wtconv) consumer")
  run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/consumer" -B "${WORK_DIR}/consumer-${kind}"
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_PREFIX_PATH=${prefix})
  run(${CMAKE_COMMAND} --build "${WORK_DIR}/consumer-${kind}")
  run("${WORK_DIR}/consumer-${kind}/consumer" "${DEMO_MODEL}" "${DEMO_INPUT}" "${DEMO_OUTPUT}")
  message(STATUS "  ${RUN_OUTPUT}")

  if(NOT PKG_CONFIG)
    message(FATAL_ERROR "pkg-config not found: install it (Debian: pkg-config)")
  endif()
  message(STATUS "[${kind}] pkg-config consumer")
  file(GLOB_RECURSE pc_files "${prefix}/*/wtconv.pc")
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
  set(exe "${WORK_DIR}/consumer-pkgconfig-${kind}")
  # The libm for the consumer's own fabs, and an rpath so the shared build runs uninstalled.
  run(${C_COMPILER} -std=c11 -o "${exe}" "${SOURCE_DIR}/tests/consumer/main.c" ${flags}
      "-Wl,-rpath,${pc_dir}/.." -lm)
  if(kind STREQUAL "static")
    # A static consumer must not need the shared library at all.
    run(sh -c "! ldd '${exe}' | grep -q libwtconv")
  endif()
  run("${exe}" "${DEMO_MODEL}" "${DEMO_INPUT}" "${DEMO_OUTPUT}")
  message(STATUS "  ${RUN_OUTPUT}")
endforeach()
message(STATUS "[subproject] add_subdirectory(libwtconv) consumer")
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/consumer" -B "${WORK_DIR}/consumer-subproject"
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=${C_COMPILER} -DWTCONV_SOURCE_DIR=${SOURCE_DIR})
run(${CMAKE_COMMAND} --build "${WORK_DIR}/consumer-subproject" -j 2)
if(EXISTS "${WORK_DIR}/consumer-subproject/wtconv-build/tests")
  message(FATAL_ERROR "a subproject build must not build libwtconv's tests")
endif()
run("${WORK_DIR}/consumer-subproject/consumer" "${DEMO_MODEL}" "${DEMO_INPUT}" "${DEMO_OUTPUT}")
message(STATUS "  ${RUN_OUTPUT}")
message(STATUS "consumer test: 5 passed, 0 failed")
