# Fails unless every global symbol a static libwtconv archive defines starts with wtconv_.
# A static library has no version script or visibility to hide its internals: any other
# global name (a `json_parse`, a `sha256_init`) could clash with a consumer's own symbols or
# another library's. Weak (W, V), common (C), read-only, data, BSS and indirect-function
# symbols all count; undefined ones (libc, libm, pthreads, a sanitizer runtime) do not.
# AddressSanitizer adds a global beside each instrumented global variable, named after it
# (gcc: __odr_asan.<name>, clang: __odr_asan_gen_<name>); <name> must be a wtconv_ one too.
#   cmake -DNM=nm -DARCHIVE=libwtconv.a -P check_static_symbols.cmake
foreach(var NM ARCHIVE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_static_symbols.cmake needs -D${var}=...")
  endif()
endforeach()
execute_process(COMMAND ${NM} -g --defined-only ${ARCHIVE} OUTPUT_VARIABLE symbols
                ERROR_VARIABLE errors RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${ARCHIVE}: ${errors}")
endif()
string(REPLACE "\n" ";" lines "${symbols}")
set(count 0)
set(bad "")
set(member "?")
foreach(line IN LISTS lines)
  if(line MATCHES "^(.+):$")
    set(member "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^[0-9a-fA-F]* *([A-Za-z]) ([^ ]+)$")
    set(kind "${CMAKE_MATCH_1}")
    set(name "${CMAKE_MATCH_2}")
    string(REGEX REPLACE "^__odr_asan(\\.|_gen_)" "" base "${name}")
    if(base MATCHES "^wtconv_")
      math(EXPR count "${count} + 1")
    else()
      string(APPEND bad "\n  ${member}: ${kind} ${name}")
    endif()
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "${ARCHIVE} defines global symbols without the wtconv_ prefix (make them "
                      "static, or prefix them):${bad}")
endif()
if(count LESS 20)
  message(FATAL_ERROR "only ${count} global wtconv_ symbols found; is ${ARCHIVE} the library?")
endif()
message(STATUS "static symbols: ${count} global symbols, all wtconv_*: passed")
