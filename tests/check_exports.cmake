# Fails unless every symbol the shared library defines for dynamic linking is a wtconv_*
# function of the public API (plus the version node of the linker script). With SYMBOLS, the
# exports (name@@version) must also be exactly that committed list, so that adding or
# removing one is a deliberate change (see docs/hardening.md, "ABI checks").
#   cmake -DNM=nm -DLIBRARY=libwtconv.so -DHEADER=wtconv.h [-DSYMBOLS=wtconv.symbols]
#         -P check_exports.cmake
execute_process(COMMAND ${NM} -D --defined-only ${LIBRARY} OUTPUT_VARIABLE symbols
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${LIBRARY}")
endif()
file(READ ${HEADER} header)
string(REPLACE "\n" ";" lines "${symbols}")
set(count 0)
set(exported "")
foreach(line IN LISTS lines)
  if(line MATCHES "^[0-9a-fA-F]+ ([A-Za-z]) (([^@ ]+)[^ ]*)")
    set(kind ${CMAKE_MATCH_1})
    set(name ${CMAKE_MATCH_3})
    list(APPEND exported ${CMAKE_MATCH_2})
    if(kind STREQUAL "A" AND name STREQUAL "WTCONV_0")
      continue()
    endif()
    if(NOT name MATCHES "^wtconv_[a-z0-9_]+$" OR NOT header MATCHES "[ *\\(]${name}\\(")
      message(FATAL_ERROR "exported symbol '${name}' is not a function of the public header")
    endif()
    math(EXPR count "${count} + 1")
  endif()
endforeach()
if(count LESS 20)
  message(FATAL_ERROR "only ${count} exported functions found; is ${LIBRARY} the library?")
endif()
if(DEFINED SYMBOLS)
  file(STRINGS ${SYMBOLS} expected REGEX "^[^#]")
  list(REMOVE_ITEM exported WTCONV_0)
  set(extra ${exported})
  set(missing ${expected})
  list(REMOVE_ITEM extra ${expected})
  list(REMOVE_ITEM missing ${exported})
  if(extra OR missing)
    message(FATAL_ERROR "the exports differ from ${SYMBOLS}:\n  not in the list: ${extra}\n"
                        "  missing from the library: ${missing}\nIf the change is deliberate, "
                        "update the list (see docs/hardening.md, \"ABI checks\").")
  endif()
endif()
message(STATUS "exports: ${count} passed, 0 failed")
