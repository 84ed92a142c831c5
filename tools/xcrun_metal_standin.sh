#!/bin/sh
# STAND-IN for `xcrun -sdk SDK metal|metallib`, for cross-build checks on Linux only
# (tools/check_macos_sdk.sh passes it as -DWTCONV_XCRUN). Apple's Metal compiler exists only
# on macOS, so this does NOT compile the kernels: it writes a placeholder instead of the .air and
# the .metallib, which cmake/WtconvApple.cmake then embeds as usual. A library built with it
# links like the real one, but its Apple backend cannot load its kernels: never ship or run it.
set -eu
[ "${1:-}" = -sdk ] && shift 2
tool=${1:-}
shift || true
case "$tool" in
metal | metallib) ;;
*)
  echo "xcrun_metal_standin.sh: only 'metal' and 'metallib' are stood in for, not '$tool'" >&2
  exit 1
  ;;
esac
if [ "${1:-}" = --version ]; then
  echo "wtconv Metal compiler STAND-IN (tools/xcrun_metal_standin.sh): writes placeholders"
  exit 0
fi
out=""
inputs=""
while [ $# -gt 0 ]; do
  case "$1" in
  -o) out=$2; shift 2 ;;
  -I | -sdk) shift 2 ;;
  -*) shift ;;
  *) inputs="$inputs $1"; shift ;;
  esac
done
[ -n "$out" ] || { echo "xcrun_metal_standin.sh $tool: no -o OUTPUT" >&2; exit 1; }
for input in $inputs; do
  [ -f "$input" ] || { echo "xcrun_metal_standin.sh $tool: no such input: $input" >&2; exit 1; }
done
printf 'WTCONV STAND-IN %s: not a Metal library; written by tools/xcrun_metal_standin.sh for a link check only\n' "$tool" >"$out"
