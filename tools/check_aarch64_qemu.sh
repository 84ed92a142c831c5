#!/usr/bin/env bash
# Builds libwtconv and its tests for Linux AArch64 and runs ctest under qemu-user, so that the
# NEON kernels (and the portable ones) are checked against the golden and random tests on an
# x86-64 machine. Emulation checks results, not speed. Not part of CI.
# Needs (Debian): clang-14 lld-14 libc6-dev-arm64-cross qemu-user.
#   bash tools/check_aarch64_qemu.sh [BUILD_DIR]     (default: build-aarch64)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-aarch64}
for tool in clang-14 ld.lld qemu-aarch64; do
  command -v "$tool" >/dev/null || { echo "missing $tool (see the header of $0)"; exit 1; }
done
[[ -e /usr/aarch64-linux-gnu/lib/crt1.o ]] || { echo "missing libc6-dev-arm64-cross"; exit 1; }
cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE="$PWD/tools/aarch64-clang-toolchain.cmake" \
  -DBUILD_SHARED_LIBS=OFF -DWTCONV_WERROR=ON -DWTCONV_TEST_CONSUMER=OFF >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)"
ctest --test-dir "$build" --output-on-failure
