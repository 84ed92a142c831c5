# Runs a program and checks its exit status and, optionally, its output (stdout and stderr):
#   cmake -DPROGRAM=wtconv-cli "-DARGS=--model|x.safetensors" -DEXIT=2 [-DREGEX=...]
#         -P cli_exit.cmake
# ARGS separates the arguments with '|' (';' would split them in add_test).
# The environment variable WTCONV_TEST_LAUNCHER, where set, runs the program under that command
# (.ci/run: Valgrind with --error-exitcode=99, so that its errors cannot pass for the exit
# status expected; ctest's memcheck mode would wrap cmake, not the program).
string(REPLACE "|" ";" _args "${ARGS}")
set(_launcher "")
if(NOT "$ENV{WTCONV_TEST_LAUNCHER}" STREQUAL "")
  separate_arguments(_launcher UNIX_COMMAND "$ENV{WTCONV_TEST_LAUNCHER}")
endif()
execute_process(COMMAND ${_launcher} "${PROGRAM}" ${_args} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out
                ERROR_VARIABLE _err)
if(NOT "${_rc}" STREQUAL "${EXIT}")
  message(FATAL_ERROR "exit status ${_rc}, expected ${EXIT}\n${_out}${_err}")
endif()
if(DEFINED REGEX AND NOT "${_out}${_err}" MATCHES "${REGEX}")
  message(FATAL_ERROR "the output does not match '${REGEX}':\n${_out}${_err}")
endif()
message(STATUS "exit status ${_rc}, as expected")
