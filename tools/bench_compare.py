#!/usr/bin/env python3
"""libwtconv's CPU backend beside PyTorch's WTConv2d, shape by shape, in one run.

For each shape (C/H/W/k/L, batch 1, NCHW, stride 1) this runs the C benchmark
(tests/bench/wtconv-bench, built with the tests) for 1 and 2 threads, then times the
reference module `WTConv2d` of tools/wtconv_reference.py on the same shape with
torch.set_num_threads(1), one right after the other, and prints both with their ratio.
GFLOP/s count 2*k^2 flops per output of every depthwise convolution for both; the peak is
the single-core FMA peak the C benchmark measures on this machine.

PyTorch is timed twice, in two worker processes: as installed, and with glibc's malloc told
to keep freed memory (MALLOC_MMAP_THRESHOLD_ / _TRIM_THRESHOLD_ / _TOP_PAD_). As installed,
each forward pass returns its large temporaries to the system and pages them in again, and
spends a varying, often large share of its time in page faults; the second column is the
faster, steadier PyTorch (what a deployment with a caching allocator gets).

Each shape's measurements are taken --repeat times in turn and the medians reported, or with
--best the fastest (a machine shared with other work slows either side at random moments).
The C benchmark times 1 and 2 threads in alternating batches, so the two in one run see the
same spell of the machine; the 2-thread speedup is the median over the runs of each run's
ratio (of its batches' medians, and of its fastest batches), with or without --best. (The
fastest 2-thread run needs both cores quiet at once, the fastest 1-thread run only one, so a
ratio of the fastest runs would understate it.)

It ends with the targets of issue 4: geometric mean of the 1-thread ratio >= 8, >= 50% of
the peak for k = 5 and 7 on the shapes with H >= 56 (1 thread), 2 threads >= 1.8x 1 thread.

Usage:  /usr/bin/python3 tools/bench_compare.py [--bench build/tests/bench/wtconv-bench]
            [--shape C/H/W/k/L ...] [--time 0.2] [--batches 5] [--repeat 3] [--best]
            [--markdown]
"""
import argparse
import datetime
import math
import os
import platform
import statistics
import subprocess
import sys
import time

# glibc malloc settings for the second PyTorch worker: keep freed memory for reuse.
KEEP_MEMORY = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(1 << 30),
               "MALLOC_TOP_PAD_": str(64 << 20)}

STANDARD_SHAPES = ["32/128/128/5/1", "64/112/112/5/2", "96/56/56/5/3", "128/56/56/7/2",
                   "256/28/28/5/1", "64/224/224/5/3", "768/14/14/5/2"]


def parse_shape(text):
    c, h, w, k, levels = (int(v) for v in text.split("/"))
    return c, h, w, k, levels


def layer_flops(c, h, w, k, levels):
    """2*k^2 flops per output of the base conv (H x W) and of the 4 subbands per level."""
    outputs = h * w
    for _ in range(levels):
        h, w = (h + 1) // 2, (w + 1) // 2
        outputs += 4 * h * w
    return 2.0 * k * k * outputs * c


def run_c_bench(bench, shape, threads, batch_time, batches):
    """{threads: row dict} and the measured peak (GFLOP/s) from wtconv-bench --csv."""
    cmd = [bench, "--csv", "--shape", shape, "--threads", ",".join(map(str, threads)),
           "--time", str(batch_time), "--batches", str(batches)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    peak, header, rows = None, None, {}
    for line in out.splitlines():
        if line.startswith("# peak_gflops="):
            peak = float(line.split("=")[1].split()[0])
        elif line.startswith("#") or not line.strip():
            continue
        elif header is None:
            header = line.split(",")
        else:
            row = dict(zip(header, line.split(",")))
            rows[int(row["threads"])] = row
    return rows, peak


def time_torch(shape, batch_time, batches, threads=1):
    """Median ms per forward of the reference WTConv2d (float32, no grad) on `threads`."""
    import torch
    from wtconv_reference import WTConv2d, randomize_
    c, h, w, k, levels = parse_shape(shape)
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(2024)
    module = randomize_(WTConv2d(c, c, k, wt_levels=levels), gen).float().eval()
    x = torch.randn(1, c, h, w, generator=gen)
    per_run = []
    with torch.inference_mode():
        start = time.perf_counter()
        while time.perf_counter() - start < 0.1:  # warm up
            module(x)
        for _ in range(batches):
            runs, start = 0, time.perf_counter()
            while True:
                module(x)
                runs += 1
                elapsed = time.perf_counter() - start
                if elapsed >= batch_time and runs >= 3:
                    break
            per_run.append(1e3 * elapsed / runs)
    return statistics.median(per_run)


def torch_worker():
    """Answers "shape batch_time batches" lines on stdin with ms per forward on stdout."""
    import torch
    print(torch.__version__, flush=True)
    for line in sys.stdin:
        shape, batch_time, batches = line.split()
        print(f"{time_torch(shape, float(batch_time), int(batches)):.6f}", flush=True)


class TorchWorker:
    """A long-lived worker process timing PyTorch, with extra environment variables."""

    def __init__(self, extra_env):
        env = dict(os.environ, **extra_env)
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--torch-worker"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=env)
        self.version = self.proc.stdout.readline().strip()

    def time(self, shape, batch_time, batches):
        self.proc.stdin.write(f"{shape} {batch_time} {batches}\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load_average():
    try:
        return "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "n/a"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", default=os.path.join(here, "..", "build", "tests", "bench",
                                                        "wtconv-bench"))
    parser.add_argument("--shape", action="append", help="C/H/W/k/L (repeatable); default: "
                        "the standard set")
    parser.add_argument("--time", type=float, default=0.2, help="seconds per batch of runs")
    parser.add_argument("--batches", type=int, default=5, help="batches per measurement "
                        "(the median is reported)")
    parser.add_argument("--repeat", type=int, default=3, help="measurements of each shape, "
                        "taken in turn; the median is reported")
    parser.add_argument("--best", action="store_true", help="report the fastest of the "
                        "repeats instead of their median")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.torch_worker:
        torch_worker()
        return
    shapes = args.shape or STANDARD_SHAPES
    if not os.access(args.bench, os.X_OK):
        sys.exit(f"bench_compare: {args.bench} is not an executable; build the tests first "
                 "(cmake -S . -B build && cmake --build build -j 2)")

    sys.path.insert(0, here)
    plain, keeping = TorchWorker({}), TorchWorker(KEEP_MEMORY)
    print(f"{datetime.datetime.now():%Y-%m-%d %H:%M}, {cpu_model()}, {os.cpu_count()} CPUs, "
          f"PyTorch {plain.version}, load average before: {load_average()}; "
          f"{'fastest' if args.best else 'median'} of {args.repeat} measurements per shape")
    results = []
    for shape in shapes:
        c, h, w, k, levels = parse_shape(shape)
        flops = layer_flops(c, h, w, k, levels)
        ones, twos, torches, keeps, peaks, ratios, best_ratios = [], [], [], [], [], [], []
        for _ in range(args.repeat):
            rows, peak = run_c_bench(args.bench, shape, [1, 2], args.time, args.batches)
            ones.append(float(rows[1]["ms_median"]))
            twos.append(float(rows[2]["ms_median"]))
            ratios.append(ones[-1] / twos[-1])
            best_ratios.append(float(rows[1]["ms_best"]) / float(rows[2]["ms_best"]))
            peaks.append(peak)
            torches.append(plain.time(shape, args.time, args.batches))
            keeps.append(keeping.time(shape, args.time, args.batches))
        pick = min if args.best else statistics.median
        one, two, torch_ms, keep_ms = pick(ones), pick(twos), pick(torches), pick(keeps)
        peak = max(peaks) if args.best else statistics.median(peaks)
        results.append({
            "shape": shape, "h": h, "k": k, "peak": peak,
            "ms1": one, "gflops1": flops / one / 1e6, "fraction1": flops / one / 1e6 / peak,
            "ms2": two, "speedup2": statistics.median(ratios),
            "speedup2_best": statistics.median(best_ratios),
            "torch_ms": torch_ms, "torch_gflops": flops / torch_ms / 1e6,
            "ratio": torch_ms / one,
            "keep_ms": keep_ms, "keep_gflops": flops / keep_ms / 1e6, "keep_ratio": keep_ms / one,
        })
        r = results[-1]
        print(f"  {shape}: {one:.3f} ms ({r['fraction1']:.0%} of {peak:.0f} GFLOP/s), "
              f"torch {torch_ms:.3f} ms (x{r['ratio']:.1f}), keeping memory {keep_ms:.3f} ms "
              f"(x{r['keep_ratio']:.1f}); 2 threads {two:.3f} ms (x{r['speedup2']:.2f}; best "
              f"batches x{r['speedup2_best']:.2f})",
              flush=True)
        if args.repeat > 1:
            print("    each run: 1 thread " + " ".join(f"{v:.3f}" for v in ones) +
                  " ms; 2 threads " + " ".join(f"{v:.3f}" for v in twos) +
                  " ms; torch " + " ".join(f"{v:.2f}" for v in torches) +
                  " ms; keeping memory " + " ".join(f"{v:.2f}" for v in keeps) + " ms",
                  flush=True)
    plain.close()
    keeping.close()
    print(f"load average after: {load_average()}")

    print()
    if args.markdown:
        print("| C/H/W/k/L | libwtconv 1 thread ms | GFLOP/s | % of peak | PyTorch ms "
              "(GFLOP/s) | ratio | PyTorch keeping memory ms (GFLOP/s) | ratio "
              "| libwtconv 2 threads ms | 2 vs 1 thread | 2 vs 1, best batches |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in results:
            print(f"| {r['shape']} | {r['ms1']:.3f} | {r['gflops1']:.1f} | {r['fraction1']:.0%} "
                  f"| {r['torch_ms']:.2f} ({r['torch_gflops']:.1f}) | {r['ratio']:.1f}x "
                  f"| {r['keep_ms']:.2f} ({r['keep_gflops']:.1f}) | {r['keep_ratio']:.1f}x "
                  f"| {r['ms2']:.3f} | {r['speedup2']:.2f}x | {r['speedup2_best']:.2f}x |")
    else:
        print(f"{'C/H/W/k/L':<16}{'ms 1t':>8}{'GFLOP/s':>9}{'%peak':>7}{'torch ms':>10}"
              f"{'ratio':>7}{'keep ms':>9}{'ratio':>7}{'ms 2t':>8}{'2t/1t':>7}{'best':>7}")
        for r in results:
            print(f"{r['shape']:<16}{r['ms1']:>8.3f}{r['gflops1']:>9.1f}{r['fraction1']:>7.0%}"
                  f"{r['torch_ms']:>10.2f}{r['ratio']:>6.1f}x{r['keep_ms']:>9.2f}"
                  f"{r['keep_ratio']:>6.1f}x{r['ms2']:>8.3f}{r['speedup2']:>6.2f}x"
                  f"{r['speedup2_best']:>6.2f}x")
    peaks = [r["peak"] for r in results]
    print(f"single-core FMA peak measured by wtconv-bench: {min(peaks):.1f} .. {max(peaks):.1f} "
          "GFLOP/s")

    geomean = math.exp(sum(math.log(r["ratio"]) for r in results) / len(results))
    geomean_keep = math.exp(sum(math.log(r["keep_ratio"]) for r in results) / len(results))
    big = [r for r in results if r["k"] in (5, 7) and r["h"] >= 56]
    slow2 = [r for r in results if r["speedup2"] < 1.8]
    print()
    print(f"target: geometric mean of the 1-thread ratio to PyTorch >= 8: as installed "
          f"x{geomean:.1f} {'MET' if geomean >= 8 else 'NOT MET'}; keeping memory "
          f"x{geomean_keep:.1f} {'MET' if geomean_keep >= 8 else 'NOT MET'}")
    if big:
        worst = min(big, key=lambda r: r["fraction1"])
        print(f"target: >= 50% of the peak for k = 5, 7 and H >= 56 (1 thread): lowest "
              f"{worst['fraction1']:.0%} ({worst['shape']}) "
              f"{'MET' if worst['fraction1'] >= 0.5 else 'NOT MET'}")
    print(f"target: 2 threads >= 1.8x 1 thread: lowest x{min(r['speedup2'] for r in results):.2f}"
          f" {'MET' if not slow2 else 'NOT MET (' + ', '.join(r['shape'] for r in slow2) + ')'}")
    slow2_best = [r for r in results if r["speedup2_best"] < 1.8]
    print(f"        the same from each run's fastest batches: lowest "
          f"x{min(r['speedup2_best'] for r in results):.2f} "
          f"{'MET' if not slow2_best else 'NOT MET (' + ', '.join(r['shape'] for r in slow2_best) + ')'}")


if __name__ == "__main__":
    main()
