# For every golden case (tests/data/golden/cases.txt): describe the Core ML model the exporter
# would write for it (tools/export_wtconv_coreml.py --describe, no coremltools needed; all cases
# in one Python process, describe_cases.py), then check that description with the Apple
# backend's own checks (test_coreml_contract).
#   cmake -DPYTHON=... -DTOOL=... -DCHECKER=... -DGOLDEN=... -DWORK=... [-DEMULATOR=...]
#         -P run_contract_test.cmake
# EMULATOR: the cross build's CMAKE_CROSSCOMPILING_EMULATOR (e.g. qemu-aarch64), if any.
foreach(_var PYTHON TOOL CHECKER GOLDEN WORK)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "run_contract_test.cmake: pass -D${_var}=...")
  endif()
endforeach()
file(MAKE_DIRECTORY "${WORK}")
execute_process(COMMAND "${PYTHON}" "${CMAKE_CURRENT_LIST_DIR}/describe_cases.py" "${TOOL}"
  "${GOLDEN}" "${WORK}" OUTPUT_VARIABLE _described RESULT_VARIABLE _rc ERROR_VARIABLE _err)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "${_err}")
endif()
file(STRINGS "${GOLDEN}/cases.txt" _lines REGEX "^[^#]")
set(_count 0)
foreach(_line ${_lines})
  separate_arguments(_f UNIX_COMMAND "${_line}")
  list(GET _f 0 _name)
  list(GET _f 1 _model)
  list(GET _f 2 _layer)
  list(GET _f 3 _n)
  list(GET _f 4 _c)
  list(GET _f 5 _h)
  list(GET _f 6 _w)
  list(GET _f 7 _stride)
  if(NOT _described MATCHES "(^|\n)${_name}\n" OR NOT EXISTS "${WORK}/${_name}.json")
    message(FATAL_ERROR "the exporter did not describe ${_name}")
  endif()
  execute_process(COMMAND ${EMULATOR} "${CHECKER}" "${WORK}/${_name}.json" "${GOLDEN}/${_model}" ${_layer}
    ${_n} ${_c} ${_h} ${_w} ${_stride} RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "the Core ML contract does not hold for ${_name}")
  endif()
  math(EXPR _count "${_count} + 1")
endforeach()
if(_count EQUAL 0)
  message(FATAL_ERROR "the Core ML contract test found no cases to check")
endif()
message("the exporter and the Apple backend agree on ${_count} cases")
