# Builds a separate project against libwtconv the way users do. Run with
#   cmake -DMODE=... -DSOURCE_DIR=... -DWORK_DIR=... -DC_COMPILER=... [options] -P this file
# MODE=install: installs the library this build already has (BUILD_DIR, -DCONFIG for
#   multi-config generators) with `cmake --install --prefix WORK_DIR/prefix-KIND`; no rebuild.
#   The fast variant that the README's test command runs.
# MODE=rebuild: configures and builds libwtconv from scratch, shared and then static, and
#   installs each into WORK_DIR/prefix-shared and prefix-static, and both into prefix-both (slow: two library builds, both
#   without the CUDA backend: the static library never has it, and MODE=install of a build that
#   has it, the README's test command's consumer_install, already tests a shared install with it;
#   WTCONV_TEST_CONSUMER_FULL, on in .ci/run). With -DNM and -DCHECK_SYMBOLS (the path of
#   check_static_symbols.cmake), also checks the installed static archive's global symbols.
# MODE=cmake: builds the consumer with find_package(wtconv) against every WORK_DIR/prefix-*
#   and runs it, checking which kind wtconv::wtconv is (prefix-both: shared by default, static
#   when asked by wtconv_SHARED_LIBS or by component), and that asking for a kind not
#   installed, or for an unknown component, fails with a message that says so.
# MODE=subproject: builds the consumer with libwtconv as a subproject (add_subdirectory; a
#   library build of its own, so it needs no install and runs beside MODE=rebuild).
# MODE=pkgconfig: the same with pkg-config's flags (--static for a static install).
# Optional: -DBUILD_TYPE=... (the consumers'; default Release), -DLIBRARY_BUILD_TYPE=... (of
#   the libraries MODE=rebuild and MODE=subproject build; default Debug), -DSANITIZE=...
#   (WTCONV_SANITIZE of the installed build: the consumer needs the same runtime).

cmake_minimum_required(VERSION 3.20)

foreach(var MODE SOURCE_DIR WORK_DIR C_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_consumer_test.cmake needs -D${var}=...")
  endif()
endforeach()
if(NOT BUILD_TYPE)
  set(BUILD_TYPE Release)
endif()
# The build type of the libraries MODE=rebuild and MODE=subproject build. Debug by default:
# these tests are about packaging and linking, not speed, and unoptimised the library builds in
# 4 s instead of 35 s (the README's own build is Release).
if(NOT LIBRARY_BUILD_TYPE)
  set(LIBRARY_BUILD_TYPE Debug)
endif()
set(sanitize_flags "")
if(SANITIZE)
  set(sanitize_flags "-fsanitize=${SANITIZE}")
endif()

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

# The installs a previous MODE=install or MODE=rebuild left in WORK_DIR.
function(find_prefixes out)
  file(GLOB prefixes LIST_DIRECTORIES true "${WORK_DIR}/prefix-*")
  if(NOT prefixes)
    message(FATAL_ERROR "no install under ${WORK_DIR}/prefix-*: run MODE=install or rebuild first")
  endif()
  set(${out} ${prefixes} PARENT_SCOPE)
endfunction()

set(passed 0)
if(MODE STREQUAL "install")
  foreach(var BUILD_DIR KIND)
    if(NOT DEFINED ${var})
      message(FATAL_ERROR "MODE=install needs -D${var}=...")
    endif()
  endforeach()
  file(REMOVE_RECURSE "${WORK_DIR}")
  set(config_args "")
  if(CONFIG)
    set(config_args --config "${CONFIG}")
  endif()
  message(STATUS "[${KIND}] install ${BUILD_DIR} with --prefix ${WORK_DIR}/prefix-${KIND}")
  run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix-${KIND}"
      ${config_args})
  math(EXPR passed "${passed} + 1")

elseif(MODE STREQUAL "rebuild")
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
        -DCMAKE_BUILD_TYPE=${LIBRARY_BUILD_TYPE} -DCMAKE_C_COMPILER=${C_COMPILER}
        -DBUILD_SHARED_LIBS=${build_shared} -DWTCONV_WITH_CUDA=OFF -DWTCONV_BUILD_TESTS=OFF
        -DWTCONV_BUILD_EXAMPLES=OFF)
    run(${CMAKE_COMMAND} --build "${WORK_DIR}/lib-${kind}" -j 2)
    run(${CMAKE_COMMAND} --install "${WORK_DIR}/lib-${kind}" --prefix "${prefix}")
    # Both kinds into one prefix as well: neither may overwrite what the other needs.
    run(${CMAKE_COMMAND} --install "${WORK_DIR}/lib-${kind}" --prefix "${WORK_DIR}/prefix-both")
    math(EXPR passed "${passed} + 1")
  endforeach()
  if(NM AND CHECK_SYMBOLS)
    file(GLOB_RECURSE archives "${WORK_DIR}/prefix-static/*/libwtconv.a")
    if(NOT archives)
      message(FATAL_ERROR "no libwtconv.a under ${WORK_DIR}/prefix-static")
    endif()
    run(${CMAKE_COMMAND} -DNM=${NM} -DARCHIVE=${archives} -P "${CHECK_SYMBOLS}")
    string(REGEX REPLACE "^-- " "" RUN_OUTPUT "${RUN_OUTPUT}")
    message(STATUS "[static] ${RUN_OUTPUT}")
    math(EXPR passed "${passed} + 1")
  endif()

elseif(MODE STREQUAL "cmake")
  # consumer(PREFIX NAME EXPECT_TYPE [ARGS...]): the find_package consumer against PREFIX,
  # configured with ARGS, whose wtconv::wtconv must be of EXPECT_TYPE; built and run.
  function(consumer prefix name expect_type)
    set(dir "${WORK_DIR}/consumer-${name}")
    run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/consumer" -B "${dir}"
        -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DCMAKE_C_COMPILER=${C_COMPILER}
        "-DCMAKE_C_FLAGS=${sanitize_flags}" "-DCMAKE_EXE_LINKER_FLAGS=${sanitize_flags}"
        -DCMAKE_PREFIX_PATH=${prefix} -DEXPECT_TYPE=${expect_type} ${ARGN})
    run(${CMAKE_COMMAND} --build "${dir}")
    run("${dir}/consumer" ${DEMO_ARGS})
    message(STATUS "  ${RUN_OUTPUT}")
  endfunction()
  # refused(PREFIX NAME MESSAGE [ARGS...]): configuring with ARGS must fail, saying MESSAGE.
  function(refused prefix name expected)
    execute_process(COMMAND ${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/consumer"
                            -B "${WORK_DIR}/consumer-${name}" -DCMAKE_C_COMPILER=${C_COMPILER}
                            -DCMAKE_PREFIX_PATH=${prefix} ${ARGN}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    string(REPLACE "\n" " " text "${out} ${err}")
    string(REGEX REPLACE "[ \t]+" " " text "${text}")
    if(rc EQUAL 0 OR NOT text MATCHES "${expected}")
      message(FATAL_ERROR "[${name}] configuring with ${ARGN} should fail saying "
                          "'${expected}' (exit ${rc}):\n${out}\n${err}")
    endif()
    message(STATUS "  refused as expected: ${expected}")
  endfunction()

  find_prefixes(prefixes)
  foreach(prefix IN LISTS prefixes)
    get_filename_component(kind "${prefix}" NAME)
    string(REGEX REPLACE "^prefix-" "" kind "${kind}")
    message(STATUS "[${kind}] find_package(wtconv) consumer")
    if(kind STREQUAL "both")
      consumer("${prefix}" both-default SHARED_LIBRARY)
      consumer("${prefix}" both-static-libs STATIC_LIBRARY -Dwtconv_SHARED_LIBS=OFF)
      consumer("${prefix}" both-component STATIC_LIBRARY -DWTCONV_COMPONENT=static)
      consumer("${prefix}" both-optional STATIC_LIBRARY -DWTCONV_OPTIONAL_COMPONENT=static)
      refused("${prefix}" both-unknown "unknown component 'dynamic'" -DWTCONV_COMPONENT=dynamic)
      math(EXPR passed "${passed} + 5")
    else()
      string(TOUPPER "${kind}_LIBRARY" type)
      consumer("${prefix}" ${kind} ${type})
      math(EXPR passed "${passed} + 1")
      # An optional component not installed: the other kind.
      if(kind STREQUAL "static")
        consumer("${prefix}" static-optional-shared STATIC_LIBRARY
                 -DWTCONV_OPTIONAL_COMPONENT=shared)
        refused("${prefix}" static-asked-shared "no shared libwtconv is installed"
                -DWTCONV_COMPONENT=shared)
        math(EXPR passed "${passed} + 2")
      else()
        consumer("${prefix}" shared-optional-static SHARED_LIBRARY
                 -DWTCONV_OPTIONAL_COMPONENT=static)
        math(EXPR passed "${passed} + 1")
      endif()
    endif()
  endforeach()

elseif(MODE STREQUAL "subproject")
  file(REMOVE_RECURSE "${WORK_DIR}")
  message(STATUS "[subproject] add_subdirectory(libwtconv) consumer")
  run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/consumer" -B "${WORK_DIR}/consumer-subproject"
      -DCMAKE_BUILD_TYPE=${LIBRARY_BUILD_TYPE} -DCMAKE_C_COMPILER=${C_COMPILER}
      -DWTCONV_SOURCE_DIR=${SOURCE_DIR})
  run(${CMAKE_COMMAND} --build "${WORK_DIR}/consumer-subproject" -j 2)
  if(EXISTS "${WORK_DIR}/consumer-subproject/wtconv-build/tests")
    message(FATAL_ERROR "a subproject build must not build libwtconv's tests")
  endif()
  run("${WORK_DIR}/consumer-subproject/consumer" ${DEMO_ARGS})
  message(STATUS "  ${RUN_OUTPUT}")
  math(EXPR passed "${passed} + 1")
  # The parent's install carries the shared library its programs link to (nothing else).
  run(${CMAKE_COMMAND} --install "${WORK_DIR}/consumer-subproject"
      --prefix "${WORK_DIR}/subproject-prefix")
  file(GLOB_RECURSE installed RELATIVE "${WORK_DIR}/subproject-prefix"
       "${WORK_DIR}/subproject-prefix/*")
  if(NOT installed MATCHES "libwtconv[.]so" OR installed MATCHES "[.]h(;|$)|[.]pc|[.]cmake")
    message(FATAL_ERROR "a subproject's install should hold libwtconv.so alone: ${installed}")
  endif()
  message(STATUS "[subproject] the parent's install holds ${installed}")
  math(EXPR passed "${passed} + 1")
  # Configured with neither a build type nor BUILD_SHARED_LIBS: the consumer's CMakeLists fails
  # if libwtconv set either for the parent.
  message(STATUS "[subproject] the parent's build type and BUILD_SHARED_LIBS left alone")
  run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/consumer" -B "${WORK_DIR}/consumer-untyped"
      -DCMAKE_C_COMPILER=${C_COMPILER} -DWTCONV_SOURCE_DIR=${SOURCE_DIR})
  # ... and libwtconv itself still compiles optimised (an empty build type means no -O).
  file(READ "${WORK_DIR}/consumer-untyped/wtconv-build/CMakeFiles/wtconv_objects.dir/flags.make"
       flags)
  if(NOT flags MATCHES "-O2")
    message(FATAL_ERROR "libwtconv as an untyped subproject compiles without -O2:\n${flags}")
  endif()
  message(STATUS "[subproject] with no build type, libwtconv compiles with -O2")
  math(EXPR passed "${passed} + 1")

elseif(MODE STREQUAL "pkgconfig")
  find_program(PKG_CONFIG pkg-config REQUIRED)
  find_prefixes(prefixes)
  foreach(prefix IN LISTS prefixes)
    get_filename_component(kind "${prefix}" NAME)
    string(REGEX REPLACE "^prefix-" "" kind "${kind}")
    message(STATUS "[${kind}] pkg-config consumer")
    file(GLOB_RECURSE pc_files "${prefix}/*/wtconv.pc")
    if(NOT pc_files)
      message(FATAL_ERROR "no wtconv.pc under ${prefix}")
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
    run(${C_COMPILER} -std=c11 ${sanitize_flags} -o "${exe}"
        "${SOURCE_DIR}/tests/consumer/main.c" ${flags} "-Wl,-rpath,${libdir}" -lm)
    if(static_flag)
      # A static consumer must not need the shared library at all.
      run(sh -c "! ldd '${exe}' | grep -q libwtconv")
    endif()
    run("${exe}" ${DEMO_ARGS})
    message(STATUS "  ${RUN_OUTPUT}")
    math(EXPR passed "${passed} + 1")
  endforeach()
else()
  message(FATAL_ERROR "MODE must be install, rebuild, cmake or pkgconfig, not '${MODE}'")
endif()
message(STATUS "consumer ${MODE}: ${passed} passed, 0 failed")
