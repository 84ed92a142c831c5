#!/usr/bin/env bash
# The ABI check: libabigail's abidiff compares a fresh build of libwtconv.so with the committed
# baseline tests/abi/libwtconv.abi, and fails on any change but added functions.
#   bash tests/abi/abi.sh check  [BUILD_DIR]   # what CI runs
#   bash tests/abi/abi.sh update [BUILD_DIR]   # rewrites the baseline after a deliberate change
# Both build the same way (gcc, Debug: abidw needs the DWARF types, and an unoptimised build takes
# 4 s where -O2 takes half a minute; the baseline written from a RelWithDebInfo build is
# byte-identical), so the baseline compares like with like; a clang build gives the same ABI.
# Needs Debian's abigail-tools.
set -euo pipefail
mode=${1:-}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${2:-$root/build-abi}
baseline=$root/tests/abi/libwtconv.abi
[[ $mode == check || $mode == update ]] || { echo "usage: $0 check|update [BUILD_DIR]" >&2; exit 2; }

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=gcc \
  -DBUILD_SHARED_LIBS=ON -DWTCONV_SANITIZE= -DWTCONV_BUILD_TESTS=OFF \
  -DWTCONV_BUILD_EXAMPLES=OFF -DWTCONV_INSTALL=OFF -DWTCONV_WITH_CUDA=OFF >/dev/null
# (The exports are the same with or without the CUDA backend: wtconv_run_device is always there.)
cmake --build "$build" -j 2 --target wtconv >/dev/null
library=$build/libwtconv.so

if [[ $mode == update ]]; then
  # Only what the public header declares, without source locations or paths, so that the
  # baseline changes only when the ABI does.
  abidw --headers-dir "$root/include/wtconv" --drop-private-types --exported-interfaces-only \
    --no-corpus-path --no-comp-dir-path --no-show-locs --short-locs --type-id-style hash \
    --out-file "$baseline" "$library"
  echo "wrote $baseline from $library"
  exit 0
fi

set +e
abidiff --no-added-syms "$baseline" "$library"
rc=$?
set -e
# abidiff's exit status is a bit set: 1 error, 2 usage error, 4 ABI change, 8 incompatible
# change (a removed function). --no-added-syms leaves added functions out of the verdict.
if ((rc != 0)); then
  echo "ABI check failed (abidiff exit status $rc:$( ((rc & 1)) && echo ' error')$( \
    ((rc & 2)) && echo ' usage error')$( ((rc & 4)) && echo ' ABI change')$( \
    ((rc & 8)) && echo ' incompatible change'))."
  echo "If the change is deliberate, see docs/hardening.md, \"ABI checks\", to update the baseline."
  exit 1
fi
echo "ABI check: libwtconv.so matches tests/abi/libwtconv.abi (added functions allowed)"
