#!/usr/bin/env bash
# On a machine with an NVIDIA GPU and the CUDA toolkit: builds libwtconv with the CUDA backend,
# runs the GPU tests, the CUDA benchmark and the side-by-side comparison with fast_wtconv, and
# records the GPU's clocks. Logs go to OUT_DIR.
#   bash tools/cuda_device_check.sh WTCONV_REPO OUT_DIR [ncu]
set -uo pipefail
repo=$1
out=$2
mkdir -p "$out"
export PATH=/usr/local/cuda/bin:$PATH CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
build=${BUILD_DIR:-build-gpu}
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,clocks.max.sm,power.draw \
  --format=csv | tee "$out/gpu.txt"
cmake -S . -B "$build" -DWTCONV_WERROR=ON >/dev/null &&
  cmake --build "$build" -j "$(nproc)" 2>&1 | grep -E 'error|warning' | tee "$out/build.txt"
ctest --test-dir "$build" -j 8 --output-on-failure -E '^(tool_.*|fuzz.*|consumer.*)$' \
  >"$out/ctest.txt" 2>&1
tail -n 12 "$out/ctest.txt"
"$build/tests/test_cuda" >"$out/test_cuda.txt" 2>&1
echo "test_cuda: $(tail -n 1 "$out/test_cuda.txt")"
nvidia-smi -q -d CLOCK >"$out/clocks.txt"
"$build/tests/bench/wtconv-cuda-bench" | tee "$out/bench.txt"
PYTHONUNBUFFERED=1 HAAR_MAX_K=5 MAX_JOBS=16 TORCH_CUDA_ARCH_LIST=9.0 python3 \
  tools/bench_cuda_compare.py --wtconv-repo "$repo" --lib "$build/libwtconv.so" 2>&1 |
  grep -v '^Compiling\|^Done' | tee "$out/compare.txt"
nvidia-smi -q -d CLOCK >>"$out/clocks.txt"
if [[ ${3:-} == ncu ]]; then # kernel by kernel, one run of two shapes (after warm-up runs)
  for shape in 64/96/56/5/5:20:1 8/64/255/5/3:20:4; do
    IFS=: read -r dims skip count <<<"$shape"
    ncu --clock-control none --launch-skip "$skip" --launch-count "$count" \
      --section SpeedOfLight --section MemoryWorkloadAnalysis --section Occupancy \
      --section LaunchStats "$build/tests/bench/wtconv-cuda-bench" "$dims" >>"$out/ncu.txt" 2>&1
  done
  grep -E '^  [a-z<].*(kernel)|Duration|DRAM Throughput|Compute \(SM\) Throughput|Achieved Occupancy' \
    "$out/ncu.txt" | sed 's/(<unnamed>::[a-z_]*) //' | cut -c1-110
fi
