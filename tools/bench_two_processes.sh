#!/usr/bin/env bash
# What two cores give this machine, beside what libwtconv's two threads get from them.
#
# On a shared host (a VM whose vCPUs are threads of a busy machine) one thread's speed moves
# by tens of percent within seconds, and "2 threads vs 1" moves with it. This runs, per shape,
# in turn: one thread alone on CPU 0; two independent 1-thread processes at once, on CPUs 0
# and 1 (their combined throughput is what the machine offers two workers that share nothing);
# one context with 2 threads; and one thread alone again. It prints the 2-thread speedup, the
# two processes' combined speedup, and their quotient: the share of the machine's two-core
# throughput the 2-thread context turns into speed (1.0: no loss to sharing out the work).
# First, the same two-process measure for a loop of FMAs alone (wtconv-bench --fma-sustained),
# which touches no memory: what the host gives two cores at all, over a second at a time.
#
# Usage: tools/bench_two_processes.sh [BENCH] [ROUNDS] [SHAPE ...]
#   BENCH   default build/tests/bench/wtconv-bench; ROUNDS default 3 (medians are printed)
#   SHAPE   C/H/W/k/L, default the standard set. Needs taskset (util-linux) and 2 CPUs.
set -euo pipefail
bench=${1:-build/tests/bench/wtconv-bench}
rounds=${2:-3}
shift $(($# > 2 ? 2 : $#))
shapes=("$@")
if [[ ${#shapes[@]} -eq 0 ]]; then
  shapes=(32/128/128/5/1 64/112/112/5/2 96/56/56/5/3 128/56/56/7/2 256/28/28/5/1
    64/224/224/5/3 768/14/14/5/2)
fi
[[ -x $bench ]] || { echo "no benchmark at $bench (build the tests first)"; exit 1; }
command -v taskset >/dev/null || { echo "missing taskset (util-linux)"; exit 1; }

# Median ms per run of one measurement: CPU list, thread count, shape.
measure() {
  taskset -c "$1" "$bench" --peak-seconds 0 --threads "$2" --shape "$3" --batches 9 \
    --time 0.05 --csv | grep -v '^#' | tail -1 | cut -d, -f9
}

# Runs "$@" with CPU 1 prepended in the background and with CPU 0 in front at once; prints
# both outputs, CPU 0's first.
at_once() {
  local other first
  other=$(mktemp)
  "$1" 1 "${@:2}" >"$other" &
  first=$("$1" 0 "${@:2}")
  wait
  echo "$first $(cat "$other")"
  rm -f "$other"
}

# An awk function: the median of a[1..n] (sorts a).
awk_median='
  function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }'

# The same for a loop of FMAs that touches no memory: what the host gives two cores at all.
fma() { taskset -c "$1" "$bench" --fma-sustained 1; }
fma_rows=()
for ((r = 0; r < rounds; r++)); do
  fma_rows+=("$(fma 0) $(at_once fma)")
done
printf '%s\n' "${fma_rows[@]}" | awk "$awk_median"'
  { n++; r[n] = ($2 + $3) / $1 }
  END { m = median(r, n)
        printf "%-16s two processes x%.2f (median of %d; range %.2f-%.2f)\n", "FMA loop, 1 s", m, n, r[1], r[n] }'

for shape in "${shapes[@]}"; do
  rows=()
  for ((r = 0; r < rounds; r++)); do
    alone=$(measure 0 1 "$shape")
    pair=$(at_once measure 1 "$shape")
    two=$(measure 0,1 2 "$shape")
    again=$(measure 0 1 "$shape")
    rows+=("$alone $again $pair $two")
  done
  printf '%s\n' "${rows[@]}" | awk -v shape="$shape" "$awk_median"'
    { one = ($1 + $2) / 2; n++
      ctx[n] = one / $5; procs[n] = one * (1 / $3 + 1 / $4); eff[n] = ctx[n] / procs[n] }
    END { printf "%-16s 2 threads x%.2f | two processes x%.2f | share of the two cores used %.2f\n",
                 shape, median(ctx, n), median(procs, n), median(eff, n) }'
done
