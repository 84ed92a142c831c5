# Cross build for Linux AArch64 with clang and lld against Debian's libc6-dev-arm64-cross
# (sysroot /usr/aarch64-linux-gnu), without a cross GCC: the C runtime's start files are named
# here and glibc is linked dynamically. ctest runs the programs under qemu-user.
# Used by tools/check_aarch64_qemu.sh.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(_sysroot /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH ${_sysroot})
set(CMAKE_C_COMPILER clang-14)
set(CMAKE_C_COMPILER_TARGET aarch64-linux-gnu)
execute_process(COMMAND clang-14 -print-resource-dir OUTPUT_VARIABLE _resource_dir
                OUTPUT_STRIP_TRAILING_WHITESPACE)
# Only the compiler's own headers and the cross glibc's, not the host's /usr/include.
set(CMAKE_C_FLAGS_INIT
    "-mno-outline-atomics -nostdlibinc -isystem ${_resource_dir}/include -isystem ${_sysroot}/include")
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "-fuse-ld=lld -nostartfiles ${_sysroot}/lib/crt1.o ${_sysroot}/lib/crti.o ${_sysroot}/lib/crtn.o -nodefaultlibs -L${_sysroot}/lib -lc -lm -Wl,--dynamic-linker=/lib/ld-linux-aarch64.so.1")
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;${_sysroot})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
