# Compiler warnings and sanitizers shared by the library, tests and examples.

function(wtconv_set_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4 $<$<BOOL:${WTCONV_WERROR}>:/WX>)
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wvla
      $<$<COMPILE_LANGUAGE:C>:-Wstrict-prototypes -Wmissing-prototypes>
      $<$<BOOL:${WTCONV_WERROR}>:-Werror>)
  endif()
endfunction()

# No-op unless WTCONV_SANITIZE names sanitizers.
function(wtconv_enable_sanitizers target)
  if(NOT WTCONV_SANITIZE)
    return()
  endif()
  target_compile_options(${target} PRIVATE -fsanitize=${WTCONV_SANITIZE}
    -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(${target} PRIVATE -fsanitize=${WTCONV_SANITIZE})
endfunction()
