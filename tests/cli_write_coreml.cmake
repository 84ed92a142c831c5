# wtconv-cli --write-coreml: writes the package (Manifest.json, model.mlmodel, weight.bin) into a
# fresh folder, and refuses to write over it a second time (exit 1, nothing changed):
#   cmake -DPROGRAM=wtconv-cli -DMODEL=x.safetensors -DOUT=dir/x.mlpackage -P cli_write_coreml.cmake
file(REMOVE_RECURSE "${OUT}")
set(_args --model "${MODEL}" --channels 32 --height 64 --width 64 --precision fp16
    --write-coreml "${OUT}")
execute_process(COMMAND "${PROGRAM}" ${_args} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out
                ERROR_VARIABLE _err)
if(NOT _rc EQUAL 0 OR NOT _out MATCHES "wrote ")
  message(FATAL_ERROR "exit status ${_rc}\n${_out}${_err}")
endif()
foreach(_file Manifest.json Data/com.apple.CoreML/model.mlmodel
              Data/com.apple.CoreML/weights/weight.bin)
  if(NOT EXISTS "${OUT}/${_file}")
    message(FATAL_ERROR "no ${_file} in ${OUT}")
  endif()
endforeach()
file(SHA256 "${OUT}/Data/com.apple.CoreML/model.mlmodel" _before)
execute_process(COMMAND "${PROGRAM}" ${_args} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out
                ERROR_VARIABLE _err)
file(SHA256 "${OUT}/Data/com.apple.CoreML/model.mlmodel" _after)
if(NOT _rc EQUAL 1 OR NOT _err MATCHES "exists there already" OR NOT _before STREQUAL _after)
  message(FATAL_ERROR "a second write: exit status ${_rc}, expected 1 and nothing changed\n"
                      "${_out}${_err}")
endif()
file(REMOVE_RECURSE "${OUT}")
message(STATUS "wrote the package; a second write was refused")
