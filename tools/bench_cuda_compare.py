#!/usr/bin/env python3
"""libwtconv's CUDA backend beside fast_wtconv and the reference module: one process, one GPU.

Times, with CUDA events (median of --reps after --warmup runs), fp32 forward under no_grad:
  ours  libwtconv through ctypes: wtconv_run_device on torch's current stream, on the same
        device tensors (no copies)
  fast  fast_wtconv.wtconv_cuda.WTConv2d of the WTConv repository (its fused CUDA kernels,
        compiled by PyTorch's extension loader at first use; needs nvcc on PATH)
  ref   the reference module: wtconv/wtconv2d.py of that repository when it imports (it needs
        pywt), else tools/wtconv_reference.py (the same operations, PyTorch only)
all with the same weights, and checks both fast and ours against the reference run in float64.
Prints the roofline time of each shape: the input read once and the output written once at
--bandwidth bytes/s (4.8e12: the H200's datasheet figure). Extra device memory: for ours,
what cudaMemGetInfo loses across wtconv_create (weights, scratch and host-run staging); for the
PyTorch modules, the peak allocated during a forward beyond the input, the output and the
weights.

The WTConv repository is never part of libwtconv: fetch it yourself and pass its path.

  python3 tools/bench_cuda_compare.py --wtconv-repo /path/to/WTConv --lib build/libwtconv.so
"""
import argparse
import ctypes
import math
import os
import statistics
import sys
import tempfile
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import safetensors_io  # noqa: E402
import wtconv_reference  # noqa: E402

# B, C, H (= W), k, L: WTConvNeXt-T's four stages at batch 64, then two others.
SHAPES = [(64, 96, 56, 5, 5), (64, 192, 28, 5, 4), (64, 384, 14, 5, 3), (64, 768, 7, 5, 2),
          (1, 32, 128, 5, 1), (8, 64, 255, 5, 3)]
BACKEND_CUDA = 3


class Options(ctypes.Structure):  # wtconv_options, first version
    _fields_ = [("struct_size", ctypes.c_size_t), ("backend", ctypes.c_int),
                ("batch", ctypes.c_int), ("num_threads", ctypes.c_int),
                ("stride", ctypes.c_int), ("layer", ctypes.c_char_p)]


def load_lib(path):
    lib = ctypes.CDLL(path)
    lib.wtconv_options_init_sized.argtypes = [ctypes.POINTER(Options), ctypes.c_size_t]
    lib.wtconv_create_with_options.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int,
                                               ctypes.c_int, ctypes.POINTER(Options),
                                               ctypes.POINTER(ctypes.c_void_p)]
    lib.wtconv_run_device.argtypes = [ctypes.c_void_p] * 4
    lib.wtconv_destroy.argtypes = [ctypes.c_void_p]
    lib.wtconv_last_error.restype = ctypes.c_char_p
    lib.wtconv_workspace_size.argtypes = [ctypes.c_void_p]
    lib.wtconv_workspace_size.restype = ctypes.c_size_t
    return lib


def time_ms(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    events = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
              for _ in range(reps)]
    for start, end in events:
        start.record()
        fn()
        end.record()
    torch.cuda.synchronize()
    return statistics.median(s.elapsed_time(e) for s, e in events)


def peak_extra_mib(fn, x, y_bytes, module):
    """Peak allocation during fn() beyond what is live before it (x, weights) and the output."""
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    out = fn()
    torch.cuda.synchronize()
    extra = torch.cuda.max_memory_allocated() - before - y_bytes
    del out
    return extra / 2**20


def max_rel_err(got, want):
    return ((got.double() - want).abs().max() / want.abs().max()).item()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wtconv-repo", required=True, help="a checkout of BGU-CS-VIL/WTConv")
    ap.add_argument("--lib", required=True, help="libwtconv.so built with WTCONV_WITH_CUDA")
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--bandwidth", type=float, default=4.8e12)
    ap.add_argument("--shapes", help="B/C/H/k/L,... (default: the six of the issue)")
    args = ap.parse_args()
    shapes = SHAPES
    if args.shapes:
        shapes = [tuple(int(v) for v in s.split("/")) for s in args.shapes.split(",")]

    os.environ.setdefault("HAAR_MAX_K", str(max(s[3] for s in shapes)))
    sys.path.insert(0, str(Path(args.wtconv_repo).resolve()))
    from fast_wtconv.wtconv_cuda import WTConv2d as FastWTConv2d
    try:
        from wtconv.wtconv2d import WTConv2d as RefWTConv2d
        ref_name = "wtconv/wtconv2d.py"
    except Exception as e:  # pywt missing: the same module from this repository
        RefWTConv2d = wtconv_reference.WTConv2d
        ref_name = f"tools/wtconv_reference.py (wtconv/wtconv2d.py: {type(e).__name__}: {e})"
    lib = load_lib(args.lib)
    dev = torch.device("cuda")
    print(f"GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}, "
          f"CUDA {torch.version.cuda}; reference module: {ref_name}", flush=True)

    rows = []
    gen = torch.Generator().manual_seed(2024)
    tmp = tempfile.mkdtemp()
    for (B, C, H, k, L) in shapes:
        W = H
        ref = wtconv_reference.WTConv2d(C, C, k, wt_levels=L)
        wtconv_reference.randomize_(ref, gen)
        sd = {n: t.detach().float().contiguous() for n, t in ref.state_dict().items()}
        path = os.path.join(tmp, f"layer_{C}_{k}_{L}.safetensors")
        safetensors_io.save_file(sd, path)
        orig = RefWTConv2d(C, C, k, wt_levels=L)
        orig.load_state_dict(sd, strict=False)
        orig = orig.to(dev).eval()
        fast = FastWTConv2d(C, C, k, wt_levels=L)
        with torch.no_grad():
            fast.base_weight.copy_(sd["base_conv.weight"])
            fast.base_bias.copy_(sd["base_conv.bias"])
            fast.base_scale.copy_(sd["base_scale.weight"])
            for i in range(L):
                fast.wt_weights[i].copy_(sd[f"wavelet_convs.{i}.weight"])
                fast.wt_scales[i].copy_(sd[f"wavelet_scale.{i}.weight"])
        fast = fast.to(dev).eval()
        ref64 = ref.double().to(dev).eval()

        x = torch.randn(B, C, H, W, device=dev)
        y = torch.empty(B, C, H, W, device=dev)

        opts = Options()
        lib.wtconv_options_init_sized(ctypes.byref(opts), ctypes.sizeof(opts))
        opts.backend = BACKEND_CUDA
        opts.batch = B
        ctx = ctypes.c_void_p()
        torch.cuda.synchronize()
        free0 = torch.cuda.mem_get_info()[0]
        st = lib.wtconv_create_with_options(path.encode(), C, H, W, ctypes.byref(opts),
                                            ctypes.byref(ctx))
        if st != 0:
            sys.exit(f"wtconv_create: {lib.wtconv_last_error().decode()}")
        ours_mib = (free0 - torch.cuda.mem_get_info()[0]) / 2**20
        ours_ws = lib.wtconv_workspace_size(ctx) / 2**20

        def run_ours():
            st = lib.wtconv_run_device(ctx, ctypes.c_void_p(x.data_ptr()),
                                       ctypes.c_void_p(y.data_ptr()),
                                       ctypes.c_void_p(torch.cuda.current_stream().cuda_stream))
            if st != 0:
                raise RuntimeError(lib.wtconv_last_error().decode())
            return y

        with torch.no_grad():
            want = ref64(x.double())
            run_ours()
            torch.cuda.synchronize()
            err_ours = max_rel_err(y, want)
            err_fast = max_rel_err(fast(x), want)
            err_orig = max_rel_err(orig(x), want)
            del want
            t_ours = time_ms(run_ours, args.warmup, args.reps)
            t_fast = time_ms(lambda: fast(x), args.warmup, args.reps)
            t_orig = time_ms(lambda: orig(x), args.warmup, args.reps)
            fast_mib = peak_extra_mib(lambda: fast(x), x, y.nbytes, fast)
            orig_mib = peak_extra_mib(lambda: orig(x), x, y.nbytes, orig)
        lib.wtconv_destroy(ctx)
        roof = (x.nbytes + y.nbytes) / args.bandwidth * 1e3
        rows.append(dict(shape=f"{B}/{C}/{H}/{k}/{L}", ours=t_ours, fast=t_fast, orig=t_orig,
                         roof=roof, ours_mib=ours_mib, ours_ws=ours_ws, fast_mib=fast_mib,
                         orig_mib=orig_mib, in_mib=x.nbytes / 2**20, err_ours=err_ours,
                         err_fast=err_fast, err_orig=err_orig))
        r = rows[-1]
        print(f"{r['shape']}: ours {t_ours:.3f} ms, fast_wtconv {t_fast:.3f}, reference "
              f"{t_orig:.3f}, roofline {roof:.3f}; errors {err_ours:.1e} / {err_fast:.1e} / "
              f"{err_orig:.1e}", flush=True)
        del ref64, fast, orig, x, y
        torch.cuda.empty_cache()

    print()
    print("| B/C/H/k/L | ours ms | fast_wtconv ms | reference ms | fast/ours | roofline ms "
          "| ours/roofline | ours extra MiB (scratch) | fast extra MiB | input MiB "
          "| max rel err ours / fast |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['shape']} | {r['ours']:.3f} | {r['fast']:.3f} | {r['orig']:.3f} | "
              f"{r['fast'] / r['ours']:.2f}x | {r['roof']:.3f} | {r['ours'] / r['roof']:.2f}x | "
              f"{r['ours_mib']:.1f} ({r['ours_ws']:.1f}) | {r['fast_mib']:.1f} | "
              f"{r['in_mib']:.1f} | {r['err_ours']:.1e} / {r['err_fast']:.1e} |")
    gm = math.exp(sum(math.log(r["fast"] / r["ours"]) for r in rows) / len(rows))
    gm_ref = math.exp(sum(math.log(r["orig"] / r["ours"]) for r in rows) / len(rows))
    print(f"\ngeometric mean speed-up over fast_wtconv: {gm:.2f}x; over the reference: "
          f"{gm_ref:.2f}x")


if __name__ == "__main__":
    main()
