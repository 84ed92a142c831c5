# The CPU backend's SIMD kernels, in src/cpu/kernels/<architecture>/. Each instruction set's
# kernels live in their own files, compiled with that set's flags, so that the rest of the
# library stays at the target's baseline; src/cpu/isa.c picks one at run time from what the CPU
# reports. (The portable kernels, src/cpu/kernels/scalar.c, are in WTCONV_SOURCES.)
# In: WTCONV_SOURCES. Out: WTCONV_SOURCES with the kernel files appended, and
# WTCONV_CPU_KERNEL_DEFINITIONS, the compile definitions that tell isa.c which exist.
set(WTCONV_CPU_KERNEL_DEFINITIONS "")

# The x86 kernel files' instruction-set flags. Source file properties belong to the directory
# that sets them, so a directory that compiles these files into another target (the fuzzers'
# instrumented objects) calls this again.
function(wtconv_cpu_kernel_flags)
  set(x86 "${PROJECT_SOURCE_DIR}/src/cpu/kernels/x86")
  set(avx2 "${x86}/avx2.c" "${x86}/avx2_channel_block.c")
  set(avx512 "${x86}/avx512.c" "${x86}/avx512_subbands.c" "${x86}/avx512_channel_block.c")
  if(MSVC)
    # MSVC accepts the intrinsics without flags; /arch only widens its own code generation.
    set_source_files_properties(${avx2} PROPERTIES COMPILE_OPTIONS "/arch:AVX2")
    set_source_files_properties(${avx512} PROPERTIES COMPILE_OPTIONS "/arch:AVX512")
  else()
    set_source_files_properties(${avx2} PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma")
    # Tuned for an AVX-512 server core, the only kind that runs these files: with the generic
    # tuning gcc 12 parks integer registers in vector ones (vmovq) inside the FMA loops and
    # schedules for older cores; on the Zen 5 machine of docs/cpu-kernel-bounds.md this was
    # 4-8% faster on 56 x 56, 28 x 28 and 14 x 14 layers and the same elsewhere. No new
    # instructions: -mtune only orders and chooses among those already enabled.
    include(CheckCCompilerFlag)
    check_c_compiler_flag(-mtune=icelake-server WTCONV_HAVE_TUNE_ICELAKE_SERVER)
    set(tune "")
    if(WTCONV_HAVE_TUNE_ICELAKE_SERVER)
      set(tune "-mtune=icelake-server")
    endif()
    set_source_files_properties(${avx512} PROPERTIES
      COMPILE_OPTIONS "-mavx512f;-mavx512vl;-mavx2;-mfma;${tune}")
  endif()
endfunction()
string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" _wtconv_cpu)
if(_wtconv_cpu MATCHES "^(x86_64|amd64|x64)$" AND CMAKE_SIZEOF_VOID_P EQUAL 8)
  list(APPEND WTCONV_SOURCES src/cpu/kernels/x86/avx2.c src/cpu/kernels/x86/avx512.c
    src/cpu/kernels/x86/avx512_subbands.c src/cpu/kernels/x86/avx2_channel_block.c
    src/cpu/kernels/x86/avx512_channel_block.c)
  list(APPEND WTCONV_CPU_KERNEL_DEFINITIONS WTCONV_CPU_X86_KERNELS)
  wtconv_cpu_kernel_flags()
elseif(_wtconv_cpu MATCHES "^(aarch64|arm64)$")
  # NEON (Advanced SIMD) is part of every AArch64 CPU: no flags, no run-time check.
  list(APPEND WTCONV_SOURCES src/cpu/kernels/arm/neon.c)
  list(APPEND WTCONV_CPU_KERNEL_DEFINITIONS WTCONV_CPU_NEON_KERNELS)
endif()
