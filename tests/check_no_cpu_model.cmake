# Fails if an object of the library refers to the compiler runtime's CPU model
# (__builtin_cpu_supports/__builtin_cpu_init: __cpu_model, __cpu_indicator_init,
# __cpu_features2), which libgcc and compiler-rt provide but macOS's libSystem does not: the
# x86_64 macOS dylib failed to link on them. src/cpu/isa.c probes the CPU itself.
#   cmake -DNM=nm "-DOBJECTS=a.o|b.o|..." -P check_no_cpu_model.cmake
string(REPLACE "|" ";" objects "${OBJECTS}")
list(LENGTH objects count)
if(count EQUAL 0)
  message(FATAL_ERROR "no objects given")
endif()
foreach(object IN LISTS objects)
  execute_process(COMMAND ${NM} --undefined-only ${object} OUTPUT_VARIABLE undefined
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} failed on ${object}")
  endif()
  if(undefined MATCHES "(__cpu_model|__cpu_indicator_init|__cpu_features2)")
    message(FATAL_ERROR "${object} refers to ${CMAKE_MATCH_1} (from __builtin_cpu_supports or "
                        "__builtin_cpu_init), which macOS does not provide")
  endif()
endforeach()
message(STATUS "no_cpu_model: ${count} objects, none refers to the compiler's CPU model")
