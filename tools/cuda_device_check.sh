#!/usr/bin/env bash
# On a machine with an NVIDIA GPU and the CUDA toolkit: builds libwtconv with the CUDA backend
# (warnings as errors), runs the GPU tests (ctest, then test_cuda on whole planes, on both tiled
# kernels and on tiles without the cone), compute-sanitizer's memcheck, racecheck and synccheck
# on test_cuda, the CUDA benchmark and the side-by-side comparison with fast_wtconv, and records
# the GPU's clocks.
# Logs go to OUT_DIR; summary.txt there has one line per check. Exits 1 if any check failed.
#   bash tools/cuda_device_check.sh WTCONV_REPO OUT_DIR [ncu] [quick]
#     ncu:   also Nsight Compute, kernel by kernel, on 64/96/56/5/5 and 8/64/255/5/3
#     quick: without the sanitizers (they take a few minutes)
set -uo pipefail
repo=$1
out=$2
shift 2
ncu=0 sanitizers=1
for arg in "$@"; do
  case $arg in
  ncu) ncu=1 ;;
  quick) sanitizers=0 ;;
  *) echo "unknown option: $arg (ncu, quick)" >&2 && exit 2 ;;
  esac
done
mkdir -p "$out"
: >"$out/summary.txt"
failed=0
# report NAME OK DETAIL: one line of summary.txt (and of the output)
report() {
  local verdict=passed
  [[ $2 == 1 ]] || verdict=FAILED failed=1
  echo "$1: $verdict ($3)" | tee -a "$out/summary.txt"
}

export PATH=/usr/local/cuda/bin:$PATH CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
build=${BUILD_DIR:-build-gpu}
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,clocks.max.sm,power.draw \
  --format=csv | tee "$out/gpu.txt"
if ! cmake -S . -B "$build" -DWTCONV_WERROR=ON >"$out/configure.txt" 2>&1 ||
  ! cmake --build "$build" -j "$(nproc)" >"$out/build.txt" 2>&1; then
  report build 0 "see build.txt"
  grep -E 'error|warning' "$out/build.txt" | head -n 20
  exit 1
fi
report build 1 "-DWTCONV_WERROR=ON"

ctest --test-dir "$build" -j 8 --output-on-failure -E '^(tool_.*|fuzz.*|consumer.*)$' \
  >"$out/ctest.txt" 2>&1
ok=$?
report ctest $((ok == 0)) "$(grep -E 'tests passed' "$out/ctest.txt")"

# run_test_cuda MODE LOG [COMMAND...]: test_cuda, under COMMAND if given, with whole planes
# (MODE planes), WTCONV_CUDA_TILES=MODE, or tiles without the cone (MODE nocone); succeeds if
# it exited 0 and its log has its "cuda: N passed, 0 failed" line.
run_test_cuda() {
  local mode=$1 log=$2 tiles=()
  shift 2
  case $mode in
  planes) ;;
  nocone) tiles=(WTCONV_CUDA_TILES=1 WTCONV_CUDA_CONE=0) ;;
  *) tiles=(WTCONV_CUDA_TILES="$mode") ;;
  esac
  env "${tiles[@]}" "$@" "$build/tests/test_cuda" >"$log" 2>&1 && grep -q ' 0 failed$' "$log"
}

for mode in planes 1 shared nocone; do
  log=$out/test_cuda-$mode.txt
  run_test_cuda "$mode" "$log"
  ok=$?
  report "test_cuda ($mode)" $((ok == 0)) "$(tail -n 1 "$log")"
done

if ((sanitizers)); then
  # memcheck and synccheck: "ERROR SUMMARY: 0 errors"; racecheck: "0 hazards displayed (0 errors,
  # 0 warnings)". Racecheck also on the tiled path, whose kernels share tiles between warps.
  for run in memcheck:planes racecheck:planes synccheck:planes racecheck:1; do
    tool=${run%:*} mode=${run#*:}
    log=$out/sanitizer-$tool-$mode.txt
    run_test_cuda "$mode" "$log" timeout 300 \
      compute-sanitizer --tool "$tool"
    ok=$?
    summary=$(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$log" | tail -n 1 | sed 's/^=* *//')
    case $tool in
    racecheck) [[ $summary == *"0 hazards displayed (0 errors, 0 warnings)"* ]] || ok=1 ;;
    *) [[ $summary == "ERROR SUMMARY: 0 errors" ]] || ok=1 ;;
    esac
    report "compute-sanitizer $tool ($mode)" $((ok == 0)) "${summary:-no summary, see $log}"
  done
fi

nvidia-smi -q -d CLOCK >"$out/clocks.txt"
"$build/tests/bench/wtconv-cuda-bench" | tee "$out/bench.txt"
PYTHONUNBUFFERED=1 HAAR_MAX_K=5 MAX_JOBS=16 TORCH_CUDA_ARCH_LIST=9.0 python3 \
  tools/bench_cuda_compare.py --wtconv-repo "$repo" --lib "$build/libwtconv.so" 2>&1 |
  grep -v '^Compiling\|^Done' | tee "$out/compare.txt"
nvidia-smi -q -d CLOCK >>"$out/clocks.txt"
if ((ncu)); then # kernel by kernel, one run of two shapes (after warm-up runs)
  for shape in 64/96/56/5/5:20:1 8/64/255/5/3:20:4; do
    IFS=: read -r dims skip count <<<"$shape"
    ncu --clock-control none --launch-skip "$skip" --launch-count "$count" \
      --section SpeedOfLight --section MemoryWorkloadAnalysis --section Occupancy \
      --section LaunchStats "$build/tests/bench/wtconv-cuda-bench" "$dims" >>"$out/ncu.txt" 2>&1
  done
  grep -E '^  [a-z<].*(kernel)|Duration|DRAM Throughput|Compute \(SM\) Throughput|Achieved Occupancy' \
    "$out/ncu.txt" | sed 's/(<unnamed>::[a-z_]*) //' | cut -c1-110
fi
echo "--- summary"
cat "$out/summary.txt"
exit $failed
