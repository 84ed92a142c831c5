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

Each shape is measured --repeat times, in rounds over all the shapes (so that a slow spell of
the host, which can last half a minute, falls on one measurement of several shapes rather
than on every measurement of one), and the medians are reported, or with --best the fastest
(a machine shared with other work slows either side at random moments).
The C benchmark times 1 and 2 threads in alternating batches, so the two in one run see the
same spell of the machine; the 2-thread speedup is the median over the runs of each run's
ratio (of its batches' medians, and of its fastest batches), with or without --best. (The
fastest 2-thread run needs both cores quiet at once, the fastest 1-thread run only one, so a
ratio of the fastest runs would understate it.)

It ends with the targets of issue 4: geometric mean of the 1-thread ratio >= 8, >= 50% of
the peak for k = 5 and 7 on the shapes with H >= 56 (1 thread), 2 threads >= 1.8x 1 thread;
then issue 14's single-layer targets (1 thread): >= 60% of the peak for k = 5 and 7 with
H >= 56, >= 45% on every shape.

Usage:  /usr/bin/python3 tools/bench_compare.py [--bench build/tests/bench/wtconv-bench]
            [--shape C/H/W/k/L ...] [--time 0.2] [--batches 5] [--repeat 3] [--best]
            [--markdown]
        /usr/bin/python3 tools/bench_compare.py --network [--time 0.2] [--batches 5]
            [--ort-dir /work/ort]

--network times WTConvNeXt-T's 18 WTConv layers (k = 5; C = 96/192/384/768 at 56/28/14/7
with L = 5/4/3/2; 3+3+9+3 layers) run in order, batch 1 and 8, 1 and 2 threads: libwtconv
(`wtconv-bench --network`: ms per pass and the sum of the layers' times alone), PyTorch's
same 18 modules (torch.set_num_threads), and ONNX Runtime where its Node.js package is
installed (`npm install --ignore-scripts onnxruntime-node` in --ort-dir, default tools/ or
/work/ort; tools/ort_network_bench.mjs runs it on the 18 layers exported with
torch.onnx.export, explicit padding k//2). It ends with the issue's targets: with 2 threads a
pass <= 1.1x the sum of the layers alone and >= 1.7x faster than 1 thread; with 1 thread
<= 1.15x the sum; batch 8 per image at least as fast as batch 1.
"""
import argparse
import json
import datetime
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings

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
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:  # its own message says what was wrong (a malformed --shape, say)
        sys.exit(f"bench_compare: {' '.join(cmd)} failed (exit {r.returncode}):\n"
                 f"{r.stderr.strip()}")
    out = r.stdout
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


# ---- --network: WTConvNeXt-T's 18 WTConv layers -------------------------------------------
NETWORK_STAGES = [(96, 56, 5, 3), (192, 28, 4, 3), (384, 14, 3, 9), (768, 7, 2, 3)]  # C, H, L, n
NETWORK_BATCHES = [1, 8]
NETWORK_THREADS = [1, 2]


def network_layers():
    """[(stage, C, H, L)] for the 18 layers in order."""
    return [(i, c, h, levels) for i, (c, h, levels, n) in enumerate(NETWORK_STAGES)
            for _ in range(n)]


def make_network(batch, export=False):
    """The 18 reference modules (random weights) and one input per stage."""
    import torch
    from wtconv_reference import WTConv2d, randomize_
    gen = torch.Generator().manual_seed(2024)
    modules = []
    for _, c, h, levels in network_layers():
        m = randomize_(WTConv2d(c, c, 5, wt_levels=levels), gen).float().eval()
        if export:  # torch 1.13 cannot export padding='same'; k//2 is the same for odd k
            for conv in [m.base_conv, *m.wavelet_convs]:
                conv.padding = (2, 2)
        modules.append(m)
    xs = [torch.randn(batch, c, h, h, generator=gen) for c, h, _, _ in NETWORK_STAGES]
    return modules, xs


def time_torch_network(batch, threads, batch_time, batches):
    """Median ms per pass of the 18 modules in order."""
    import torch
    torch.set_num_threads(threads)
    modules, xs = make_network(batch)
    stages = [s for s, _, _, _ in network_layers()]

    def one_pass():
        for m, s in zip(modules, stages):
            m(xs[s])
    per_pass = []
    with torch.inference_mode():
        start = time.perf_counter()
        while time.perf_counter() - start < 0.2:  # warm up
            one_pass()
        for _ in range(batches):
            runs, start = 0, time.perf_counter()
            while True:
                one_pass()
                runs += 1
                elapsed = time.perf_counter() - start
                if elapsed >= batch_time and runs >= 3:
                    break
            per_pass.append(1e3 * elapsed / runs)
    return statistics.median(per_pass)


def export_network_onnx(batch, path):
    """The 18 layers as one ONNX graph: 4 stage inputs, 18 outputs (each layer reads its
    stage's input, as in the C benchmark)."""
    import torch
    import torch.nn.functional as F
    modules, xs = make_network(batch, export=True)
    stages = [s for s, _, _, _ in network_layers()]

    def layer_forward(m, x):
        c = m.in_channels
        sizes, filtered, cur = [], [], x
        for i in range(m.wt_levels):
            h, w = cur.shape[2], cur.shape[3]
            sizes.append((h, w))
            if h % 2 or w % 2:
                cur = F.pad(cur, (0, w % 2, 0, h % 2))
            coeffs = F.conv2d(cur, m.wt_filter, stride=2, groups=c)
            cur = coeffs.reshape(coeffs.shape[0], c, 4, coeffs.shape[2], coeffs.shape[3])[:, :, 0]
            filtered.append(m.wavelet_scale[i](m.wavelet_convs[i](coeffs)))
        nxt = None
        for i in reversed(range(m.wt_levels)):
            f = filtered[i]
            if nxt is not None:
                n, _, hh, ww = f.shape
                f5 = f.reshape(n, c, 4, hh, ww)
                f = torch.cat([(f5[:, :, 0] + nxt).unsqueeze(2), f5[:, :, 1:]], 2).reshape(
                    n, 4 * c, hh, ww)
            h, w = sizes[i]
            nxt = F.conv_transpose2d(f, m.iwt_filter, stride=2, groups=c)[:, :, :h, :w]
        y = m.base_scale(m.base_conv(x))
        return y + nxt if nxt is not None else y

    class Network(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = torch.nn.ModuleList(modules)

        def forward(self, x0, x1, x2, x3):
            inputs = [x0, x1, x2, x3]
            return tuple(layer_forward(m, inputs[s]) for m, s in zip(self.layers, stages))

    net = Network().eval()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on shape inference
        # the export-friendly forward must be the reference's
        for m, s in zip(modules[:1], stages[:1]):
            ref = m(xs[s][:1])
            got = layer_forward(m, xs[s][:1])
            assert torch.allclose(ref, got, rtol=1e-4, atol=1e-5), "export forward differs"
        torch.onnx.export(net, tuple(xs), path, opset_version=13,
                          input_names=[f"x{i}" for i in range(4)],
                          output_names=[f"y{i}" for i in range(len(modules))])
    return [list(x.shape) for x in xs]


def run_ort_network(ort_dir, model, shapes, threads, batch_time, batches):
    """Median ms per run of the ONNX graph of the 18 layers with ONNX Runtime (node)."""
    here = os.path.dirname(os.path.abspath(__file__))
    cmd = ["node", os.path.join(here, "ort_network_bench.mjs"), ort_dir, model,
           json.dumps(shapes), str(threads), str(batch_time), str(batches)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def find_ort(arg):
    here = os.path.dirname(os.path.abspath(__file__))
    for d in ([arg] if arg else [here, "/work/ort"]):
        if d and os.path.isdir(os.path.join(d, "node_modules", "onnxruntime-node")):
            return d
    return None


def run_c_network(bench, batch_time, batches):
    """{(batch, threads): (ms_pass, ms_sum_alone)} from wtconv-bench --network --csv."""
    cmd = [bench, "--network", "--csv", "--time", str(batch_time), "--batches", str(batches),
           "--threads", ",".join(map(str, NETWORK_THREADS))]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rows = {}
    for line in out.splitlines():
        f = line.split(",")
        if f[0] == "network" and f[1] != "batch":
            rows[(int(f[1]), int(f[2]))] = (float(f[3]), float(f[5]))
    return rows


def network_main(args):
    import tempfile
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import torch
    print(f"{datetime.datetime.now():%Y-%m-%d %H:%M}, {cpu_model()}, {os.cpu_count()} CPUs, "
          f"PyTorch {torch.__version__}, load average before: {load_average()}")
    print("WTConvNeXt-T's 18 WTConv layers run in order; ms per pass (median of "
          f"{args.batches} batches of >= {args.time} s)")
    c_rows = run_c_network(args.bench, args.time, args.batches)
    torch_ms = {(b, t): time_torch_network(b, t, args.time, args.batches)
                for b in NETWORK_BATCHES for t in NETWORK_THREADS}
    ort_dir, ort_ms, ort_note = find_ort(args.ort_dir), {}, ""
    if not ort_dir:
        ort_note = "ONNX Runtime: not installed (npm install --ignore-scripts onnxruntime-node)"
    else:
        try:
            with tempfile.TemporaryDirectory() as tmp:
                for b in NETWORK_BATCHES:
                    model = os.path.join(tmp, f"network_b{b}.onnx")
                    shapes = export_network_onnx(b, model)
                    for t in NETWORK_THREADS:
                        ort_ms[(b, t)] = run_ort_network(ort_dir, model, shapes, t, args.time,
                                                         args.batches)
        except (subprocess.CalledProcessError, RuntimeError, AssertionError, OSError) as e:
            ort_note = f"ONNX Runtime: failed ({str(e).strip()[:300]})"
    print(f"load average after: {load_average()}")
    print()
    print(f"{'batch':>5}{'threads':>8}{'wtconv ms':>11}{'sum alone':>11}{'pass/sum':>9}"
          f"{'2t vs 1t':>9}{'ms/image':>10}{'torch ms':>10}{'torch/wt':>9}{'ort ms':>9}"
          f"{'ort/wt':>8}")
    for b in NETWORK_BATCHES:
        for t in NETWORK_THREADS:
            ms, total = c_rows[(b, t)]
            speed = f"x{c_rows[(b, 1)][0] / ms:.2f}" if t > 1 else ""
            tm = torch_ms[(b, t)]
            om = ort_ms.get((b, t))
            print(f"{b:>5}{t:>8}{ms:>11.3f}{total:>11.3f}{ms / total:>9.2f}{speed:>9}"
                  f"{ms / b:>10.3f}{tm:>10.2f}{tm / ms:>8.1f}x"
                  + (f"{om:>9.2f}{om / ms:>7.1f}x" if om else f"{'-':>9}{'-':>8}"))
    if ort_note:
        print(ort_note)
    print()
    for b in NETWORK_BATCHES:
        two, one = c_rows[(b, 2)], c_rows[(b, 1)]
        print(f"batch {b}: 2 threads pass/sum {two[0] / two[1]:.2f} (target <= 1.1: "
              f"{'MET' if two[0] <= 1.1 * two[1] else 'NOT MET'}); 2 vs 1 thread "
              f"x{one[0] / two[0]:.2f} (target >= 1.7: "
              f"{'MET' if one[0] >= 1.7 * two[0] else 'NOT MET'}); 1 thread pass/sum "
              f"{one[0] / one[1]:.2f} (target <= 1.15: "
              f"{'MET' if one[0] <= 1.15 * one[1] else 'NOT MET'})")
    for t in NETWORK_THREADS:
        per1, per8 = c_rows[(1, t)][0], c_rows[(8, t)][0] / 8
        print(f"{t} thread(s): ms per image batch 8 {per8:.3f} vs batch 1 {per1:.3f} "
              f"({'MET' if per8 <= per1 else 'NOT MET'}: batch 8 at least as fast per image)")


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
    parser.add_argument("--network", action="store_true", help="WTConvNeXt-T's 18 layers in "
                        "order, beside PyTorch and ONNX Runtime (see above)")
    parser.add_argument("--ort-dir", help="folder whose node_modules has onnxruntime-node")
    parser.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.time <= 0 or args.batches < 1 or args.repeat < 1:
        parser.error("--time must be > 0, --batches and --repeat >= 1")
    if args.network and (args.shape or args.best or args.markdown):
        parser.error("--network times its own 18 layers and prints its own tables: "
                     "--shape, --best and --markdown do not apply")
    if args.torch_worker:
        torch_worker()
        return
    if args.network:
        if not os.access(args.bench, os.X_OK):
            sys.exit(f"bench_compare: {args.bench} is not an executable; build the tests first")
        network_main(args)
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
    runs = {shape: {"ones": [], "twos": [], "torches": [], "keeps": [], "peaks": [],
                    "ratios": [], "best_ratios": []} for shape in shapes}
    for _ in range(args.repeat):
        for shape in shapes:
            m = runs[shape]
            rows, peak = run_c_bench(args.bench, shape, [1, 2], args.time, args.batches)
            m["ones"].append(float(rows[1]["ms_median"]))
            m["twos"].append(float(rows[2]["ms_median"]))
            m["ratios"].append(m["ones"][-1] / m["twos"][-1])
            m["best_ratios"].append(float(rows[1]["ms_best"]) / float(rows[2]["ms_best"]))
            m["peaks"].append(peak)
            m["torches"].append(plain.time(shape, args.time, args.batches))
            m["keeps"].append(keeping.time(shape, args.time, args.batches))
    for shape in shapes:
        c, h, w, k, levels = parse_shape(shape)
        flops = layer_flops(c, h, w, k, levels)
        m = runs[shape]
        ones, twos, torches, keeps = m["ones"], m["twos"], m["torches"], m["keeps"]
        peaks, ratios, best_ratios = m["peaks"], m["ratios"], m["best_ratios"]
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

    def verdict(failing):
        """'MET', or 'NOT MET (the failing shapes)'."""
        return "MET" if not failing else "NOT MET (" + ", ".join(r["shape"] for r in failing) + ")"

    def peak_floor(rows, floor, what):
        """A target of at least `floor` of the one-thread peak on `rows`."""
        if rows:
            worst = min(rows, key=lambda r: r["fraction1"])
            print(f"target: >= {floor:.0%} of the peak {what}: lowest {worst['fraction1']:.0%} "
                  f"({worst['shape']}) {verdict([r for r in rows if r['fraction1'] < floor])}")

    print()
    print("issue 4:")
    print(f"target: geometric mean of the 1-thread ratio to PyTorch >= 8: as installed "
          f"x{geomean:.1f} {'MET' if geomean >= 8 else 'NOT MET'}; keeping memory "
          f"x{geomean_keep:.1f} {'MET' if geomean_keep >= 8 else 'NOT MET'}")
    peak_floor(big, 0.5, "for k = 5, 7 and H >= 56 (1 thread)")
    print(f"target: 2 threads >= 1.8x 1 thread: lowest x{min(r['speedup2'] for r in results):.2f}"
          f" {verdict([r for r in results if r['speedup2'] < 1.8])}")
    print(f"        the same from each run's fastest batches: lowest "
          f"x{min(r['speedup2_best'] for r in results):.2f} "
          f"{verdict([r for r in results if r['speedup2_best'] < 1.8])}")
    print("issue 14 (1 thread):")
    peak_floor(big, 0.6, "for k = 5, 7 and H >= 56")
    peak_floor(results, 0.45, "on every shape")


if __name__ == "__main__":
    main()
