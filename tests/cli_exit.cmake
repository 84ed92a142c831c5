# Runs a program and checks its exit status and, optionally, its output (stdout and stderr):
#   cmake -DPROGRAM=wtconv-cli "-DARGS=--model|x.safetensors" -DEXIT=2 [-DREGEX=...]
#         -P cli_exit.cmake
# ARGS separates the arguments with '|' (';' would split them in add_test).
string(REPLACE "|" ";" _args "${ARGS}")
execute_process(COMMAND "${PROGRAM}" ${_args} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out
                ERROR_VARIABLE _err)
if(NOT "${_rc}" STREQUAL "${EXIT}")
  message(FATAL_ERROR "exit status ${_rc}, expected ${EXIT}\n${_out}${_err}")
endif()
if(DEFINED REGEX AND NOT "${_out}${_err}" MATCHES "${REGEX}")
  message(FATAL_ERROR "the output does not match '${REGEX}':\n${_out}${_err}")
endif()
message(STATUS "exit status ${_rc}, as expected")
