# Compiler warnings and sanitizers shared by the library, tests and examples.

function(wtconv_set_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4 $<$<BOOL:${WTCONV_WERROR}>:/WX>)
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
      -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
      $<$<BOOL:${WTCONV_WERROR}>:-Werror>)
  endif()
endfunction()

function(wtconv_set_warnings_cxx target)
  if(NOT MSVC)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
      $<$<BOOL:${WTCONV_WERROR}>:-Werror>)
  endif()
endfunction()

function(wtconv_enable_sanitizers target)
  target_compile_options(${target} PRIVATE -fsanitize=${WTCONV_SANITIZE}
    -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(${target} PRIVATE -fsanitize=${WTCONV_SANITIZE})
endfunction()
