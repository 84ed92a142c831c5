#!/usr/bin/env bash
# Cross-builds libwtconv.dylib for arm64 and x86_64 macOS on Linux, against a macOS SDK, with
# clang-14 and lld's Mach-O linker, the Apple backend (Objective-C++, WTCONV_WITH_METAL)
# included; then checks that each dylib exports exactly tests/abi/wtconv.symbols and that every
# symbol it imports is bound to a library of the SDK (libSystem, libc++, the frameworks): no
# undefined or dynamically looked-up symbol is left. Nothing is run: this checks that the
# library compiles and links for macOS, not that it works there.
#
# Apple's Metal compiler exists only on macOS: the kernels are "compiled" by a stand-in,
# tools/xcrun_metal_standin.sh, which embeds a placeholder instead of a metallib. The dylibs
# built here are for this check only, never to be shipped or run.
#
# Needs (Debian): cmake ninja-build (or make) clang-14 lld-14 llvm-14.
#   bash tools/check_macos_sdk.sh SDK_PATH [--reexports auto|add|no] [--arch arm64|x86_64]...
#   SDK_PATH    a macOS SDK (MacOSX13.3.sdk, or the root/ of github.com/hexops/sdk-macos-13.3)
#   --reexports whether to link CoreFoundation and libobjc by name (see below; default auto)
#   --arch      build only this architecture (repeatable; default both)
# Build folders: build-macos-ARCH in the repository (BUILD_ROOT=DIR to put them elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

usage() { sed -n '/^#   bash/,/^# Build/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
sdk=""
reexports=auto
archs=()
while (($#)); do
  case $1 in
  --reexports) reexports=${2:-}; shift 2 ;;
  --arch) archs+=("${2:-}"); shift 2 ;;
  -h | --help) usage ;;
  -*) echo "unknown option $1" >&2; usage ;;
  *) [[ -z $sdk ]] || usage; sdk=$1; shift ;;
  esac
done
[[ -n $sdk && $reexports =~ ^(auto|add|no)$ ]] || usage
((${#archs[@]})) || archs=(arm64 x86_64)
sdk=$(cd "$sdk" && pwd)
[[ -e $sdk/usr/lib/libSystem.tbd ]] || { echo "$sdk: not a macOS SDK (no usr/lib/libSystem.tbd)"; exit 1; }

for tool in cmake clang-14 clang++-14 ld64.lld-14 llvm-nm-14 llvm-objdump-14; do
  command -v "$tool" >/dev/null || { echo "missing $tool (see the header of $0)"; exit 1; }
done
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

# Apple's Foundation.tbd re-exports CoreFoundation and libobjc, so `-framework Foundation` alone
# resolves objc_msgSend, objc_release, CFRelease... Public SDK snapshots such as hexops'
# strip the reexported-libraries sections from the frameworks' .tbd stubs (their linker cannot
# follow them), which leaves those symbols undefined: then name the two libraries on the link
# line. `auto` does so when Foundation.tbd lists no re-exports.
foundation_tbd=$sdk/System/Library/Frameworks/Foundation.framework/Versions/C/Foundation.tbd
[[ -e $foundation_tbd ]] || { echo "missing $foundation_tbd"; exit 1; }
if [[ $reexports == auto ]]; then
  reexports=no
  grep -q '^reexported-libraries:' "$foundation_tbd" || reexports=add
fi
link_flags=""
if [[ $reexports == add ]]; then
  link_flags="-framework CoreFoundation -lobjc"
  echo "Foundation.tbd re-exports nothing (a stripped SDK): linking with $link_flags"
fi

# The exports, as Mach-O spells them: the list's names with a leading underscore.
expected=$(grep -v '^#' tests/abi/wtconv.symbols | sed -e 's/@.*//' -e 's/^/_/' | sort)

summary=()
failures=0
for arch in "${archs[@]}"; do
  [[ $arch =~ ^(arm64|x86_64)$ ]] || { echo "unknown architecture $arch"; exit 2; }
  build=${BUILD_ROOT:-$root}/build-macos-$arch
  printf '\n==== macOS %s: configure and build in %s ====\n' "$arch" "$build"
  rm -rf "$build"
  mkdir -p "$build"
  cmake -S . -B "$build" "${generator[@]}" \
    -DCMAKE_TOOLCHAIN_FILE="$root/tools/macos-clang-toolchain.cmake" \
    -DCMAKE_OSX_SYSROOT="$sdk" -DCMAKE_OSX_ARCHITECTURES="$arch" \
    -DCMAKE_OSX_DEPLOYMENT_TARGET=13.0 -DWTCONV_MACOS_LINK_FLAGS="$link_flags" \
    -DCMAKE_INSTALL_NAME_DIR=@rpath -DCMAKE_BUILD_WITH_INSTALL_NAME_DIR=ON \
    -DWTCONV_WITH_METAL=ON -DWTCONV_XCRUN="$root/tools/xcrun_metal_standin.sh" \
    -DWTCONV_WERROR=ON -DWTCONV_BUILD_TESTS=OFF -DWTCONV_BUILD_EXAMPLES=OFF \
    -DWTCONV_INSTALL=OFF >"$build/wtconv-configure.log" 2>&1 ||
    { cat "$build/wtconv-configure.log"; echo "macOS $arch: configure failed"; exit 1; }
  grep -A4 'CMake Warning' "$build/wtconv-configure.log" || true
  cmake --build "$build" -j "${JOBS:-2}"

  dylib=$(find "$build" -maxdepth 1 -name 'libwtconv.*.dylib' -type f | head -n 1)
  [[ -n $dylib ]] || { echo "macOS $arch: no libwtconv.*.dylib in $build"; exit 1; }
  echo "---- checks of $dylib"
  ok=1

  # It is a dylib for this architecture.
  header=$(llvm-objdump-14 --macho --private-header "$dylib")
  want_cpu=$([[ $arch == arm64 ]] && echo ARM64 || echo X86_64)
  if ! grep -q "$want_cpu .* DYLIB" <<<"$header"; then
    echo "FAIL: not an $arch dylib:"; echo "$header"; ok=0
  fi

  # Its id (install name) is what consumers record and dyld looks for: @rpath/libwtconv.N.dylib,
  # as CMake makes it on a Mac (MACOSX_RPATH), not a bare file name. (On Linux CMake cannot ask
  # sw_vers for the macOS version and leaves rpaths off; hence the INSTALL_NAME_DIR above.)
  id=$(llvm-objdump-14 --macho --dylib-id "$dylib" | tail -n 1)
  if [[ ! $id =~ ^@rpath/libwtconv\.[0-9]+\.dylib$ ]]; then
    echo "FAIL: install name '$id', not @rpath/libwtconv.N.dylib"; ok=0
  fi

  # Exports: exactly the committed list.
  exported=$(llvm-nm-14 --extern-only --defined-only --just-symbol-name "$dylib" | sort)
  extra=$(comm -13 <(echo "$expected") <(echo "$exported"))
  missing=$(comm -23 <(echo "$expected") <(echo "$exported"))
  if [[ -n $extra || -n $missing ]]; then
    echo "FAIL: the exports differ from tests/abi/wtconv.symbols"
    [[ -z $extra ]] || echo "  not in the list: $(tr "\n" " " <<<"$extra")"
    [[ -z $missing ]] || echo "  missing from the library: $(tr "\n" " " <<<"$missing")"
    ok=0
  fi
  n_exports=$(grep -c . <<<"$exported")

  # Imports: each bound (two-level namespace) to one of the libraries the dylib loads, each of
  # which is in the SDK. "(from X)" names the library; anything else (dynamically looked up,
  # flat namespace) would be resolved, or not, only at load time.
  dylibs=$(llvm-objdump-14 --macho --dylibs-used "$dylib" | tail -n +2 | sed -e 's/^[[:space:]]*//' -e 's/ (.*//')
  for lib in $dylibs; do
    [[ $lib == "$id" ]] && continue
    stub=$sdk${lib%.dylib}.tbd
    if [[ ! -e $stub ]]; then
      echo "FAIL: loads $lib, which is not in the SDK (no ${stub#"$sdk"/})"; ok=0
    fi
  done
  # CoreGraphics is loaded although nothing is imported from it: MTLCreateSystemDefaultDevice
  # needs it linked to return a device (Apple's documentation; cmake/WtconvApple.cmake).
  if ! grep -q '/CoreGraphics.framework/' <<<"$dylibs"; then
    echo "FAIL: does not load CoreGraphics (MTLCreateSystemDefaultDevice needs it)"; ok=0
  fi
  imports=$(llvm-nm-14 -m --undefined-only "$dylib")
  unbound=$(grep -v '(from [A-Za-z0-9_.+-]*)$' <<<"$imports" || true)
  if [[ -n $unbound ]]; then
    echo "FAIL: imports not bound to an SDK library:"; echo "$unbound"; ok=0
  fi
  n_imports=$(grep -c . <<<"$imports" || true)
  froms=$(sed -n 's/.*(from \(.*\))$/\1/p' <<<"$imports" | sort | uniq -c |
    awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1}')

  if ((ok)); then
    line="macOS $arch: OK: $(basename "$dylib") ($id): $n_exports exports as listed; $n_imports imports, all bound: $froms"
  else
    line="macOS $arch: FAILED ($(basename "$dylib"))"
    failures=$((failures + 1))
  fi
  echo "$line"
  summary+=("$line")
done

printf '\n==== summary (SDK %s; Metal kernels: stand-in placeholder) ====\n' "$sdk"
printf '%s\n' "${summary[@]}"
((failures == 0))
