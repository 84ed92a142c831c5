#!/usr/bin/env python3
"""Write libwtconv's golden test vectors (deterministic; fixed seeds).

For every case this writes a safetensors model file (some are shared by several
cases), <name>.input.f32 and <name>.output.f32 (raw little-endian float32, NCHW),
and one line in cases.txt:

    name model_file layer batch channels height width stride_option

model_file is relative to the manifest's folder, layer is the key prefix ('-' for
none) and stride_option is what the C test passes (0 = the layer's stride in the file's
__metadata__: "<prefix>stride", or "stride" for a file of one layer; default 1).
Expected outputs come from tools/wtconv_reference.WTConv2d in float64, built from the weights as read back from the written file (so F16/BF16
cases use the rounded weights), and are cross-checked against the independent numpy
implementation (relative error < 1e-9) before being written.

Usage:  /usr/bin/python3 tools/make_golden.py [--out tests/data/golden]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import load_file, save_file  # noqa: E402
from wtconv_reference import (WTConv2d, layer_state_dict, load_layer,  # noqa: E402
                              numpy_forward, numpy_params, randomize_, relative_error)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


def layer(c, k, levels, bias=True, stride=1, naming="reference"):
    """Description of one WTConv2d layer of a model file."""
    return {"c": c, "k": k, "levels": levels, "bias": bias, "stride": stride,
            "naming": naming}


# Model files: name -> (dtype, metadata, {prefix: layer or raw tensor shape}).
MODELS = {
    "l1_k5_c4": ("f32", None, {"": layer(4, 5, 1)}),
    "l2_k3_c3": ("f32", None, {"": layer(3, 3, 2)}),
    "l3_k4_c5": ("f32", None, {"": layer(5, 4, 3)}),
    "l4_k7_c2": ("f32", None, {"": layer(2, 7, 4)}),
    "l5_k3_c2": ("f32", None, {"": layer(2, 3, 5)}),
    "stride2_meta": ("f32", {"stride": "2"}, {"": layer(4, 5, 2, stride=2)}),
    "stride3_option": ("f32", None, {"": layer(3, 3, 1)}),
    "nobias": ("f32", None, {"": layer(6, 5, 2, bias=False)}),
    "batch2": ("f32", None, {"": layer(3, 5, 2)}),
    "f16_weights": ("f16", None, {"": layer(4, 5, 2)}),
    "bf16_weights": ("bf16", None, {"": layer(3, 3, 3)}),
    "multilayer": ("f32", None, {
        "stem.weight": (4, 3, 3, 3),
        "stem.bias": (4,),
        "stages.0.norm.weight": (4,),
        "stages.0.norm.bias": (4,),
        "stages.0.blocks.0.dwconv.": layer(4, 5, 2),
        "stages.0.downsample.weight": (8, 4, 2, 2),
        "stages.1.blocks.0.dwconv.": layer(8, 3, 3),
        "stages.1.blocks.0.pwconv.weight": (8, 8, 1, 1),
        "stages.1.blocks.0.pwconv.bias": (8,),
    }),
    "fast_names": ("f32", None, {"": layer(4, 5, 2, naming="fast")}),
    "fast_alt_names": ("f32", None, {"": layer(2, 3, 2, naming="fast_alt")}),
    "tiny_1x1": ("f32", None, {"": layer(2, 3, 3)}),
    "tiny_2x3": ("f32", None, {"": layer(3, 5, 4)}),
    "kernel_gt_image": ("f32", None, {"": layer(2, 9, 2)}),
    "stride2_odd_l3": ("f32", None, {"": layer(3, 5, 3)}),
    # A network whose layers have different strides, each recorded as "<prefix>stride".
    "multistride": ("f32", {"stages.0.blocks.0.dwconv.stride": "1",
                            "stages.1.blocks.0.dwconv.stride": "2"}, {
        "stages.0.blocks.0.dwconv.": layer(4, 5, 2),
        "stages.0.downsample.weight": (8, 4, 2, 2),
        "stages.1.blocks.0.dwconv.": layer(8, 3, 2, stride=2),
    }),
}

# Cases: (name, model, layer prefix, N, H, W, stride option, effective stride, comment).
CASES = [
    ("l1_k5_c4", "l1_k5_c4", "", 1, 16, 16, 0, 1,
     "L=1 k=5 C=4 16x16, reference names incl. wt_filter/iwt_filter, bias"),
    ("l2_k3_c3", "l2_k3_c3", "", 1, 17, 23, 0, 1, "L=2 k=3 C=3 17x23, odd sizes"),
    ("l3_k4_c5", "l3_k4_c5", "", 1, 15, 9, 0, 1,
     "L=3 even k=4 (asymmetric 'same' padding) C=5 15x9"),
    ("l4_k7_c2", "l4_k7_c2", "", 1, 33, 31, 0, 1, "L=4 k=7 C=2 33x31"),
    ("l5_k3_c2", "l5_k3_c2", "", 1, 37, 29, 0, 1, "L=5 k=3 C=2 37x29"),
    ("stride2_meta", "stride2_meta", "", 1, 19, 20, 0, 2,
     "stride 2 from __metadata__ (file also carries stride_filter), C=4 19x20 k=5 L=2"),
    ("stride3_option", "stride3_option", "", 1, 14, 17, 3, 3,
     "stride 3 given as the option (no metadata), C=3 14x17 k=3 L=1"),
    ("nobias", "nobias", "", 1, 12, 14, 0, 1, "no base_conv.bias, C=6 12x14 k=5 L=2"),
    ("batch2", "batch2", "", 2, 13, 11, 1, 1,
     "batch N=2, explicit stride option 1, C=3 13x11 k=5 L=2"),
    ("f16_weights", "f16_weights", "", 1, 18, 21, 0, 1, "F16 weights, C=4 18x21 k=5 L=2"),
    ("bf16_weights", "bf16_weights", "", 1, 11, 16, 0, 1, "BF16 weights, C=3 11x16 k=3 L=3"),
    ("multi_stage0", "multilayer", "stages.0.blocks.0.dwconv.", 1, 20, 20, 0, 1,
     "multi-layer network file, first WTConv layer, C=4 k=5 L=2 20x20"),
    ("multi_stage1", "multilayer", "stages.1.blocks.0.dwconv.", 1, 10, 9, 0, 1,
     "multi-layer network file, second WTConv layer, C=8 k=3 L=3 10x9"),
    ("fast_names", "fast_names", "", 1, 10, 10, 0, 1,
     "fast-variant names base_weight/base_bias/base_scale/wt_weights.i/wt_scales.i, "
     "C=4 10x10 k=5 L=2"),
    ("fast_alt_names", "fast_alt_names", "", 1, 9, 7, 0, 1,
     "fast-variant names wavelet_convs.i.weight/wavelet_scales.i, C=2 9x7 k=3 L=2"),
    ("tiny_1x1", "tiny_1x1", "", 1, 1, 1, 0, 1, "1x1 image with L=3, C=2 k=3"),
    ("tiny_2x3", "tiny_2x3", "", 1, 2, 3, 0, 1, "2x3 image with L=4, C=3 k=5"),
    ("kernel_gt_image", "kernel_gt_image", "", 1, 6, 7, 0, 1,
     "kernel k=9 larger than the 6x7 image, C=2 L=2"),
    ("stride2_odd_l3", "stride2_odd_l3", "", 1, 21, 15, 2, 2,
     "stride 2 as the option with odd sizes and L=3, C=3 21x15 k=5"),
    ("multistride_s1", "multistride", "stages.0.blocks.0.dwconv.", 1, 12, 13, 0, 1,
     "network file with per-layer strides: this layer's \"<prefix>stride\" is 1, C=4 k=5 L=2"),
    ("multistride_s2", "multistride", "stages.1.blocks.0.dwconv.", 1, 11, 10, 0, 2,
     "network file with per-layer strides: this layer's \"<prefix>stride\" is 2, C=8 k=3 L=2"),
]


def build_model(name, gen):
    """State dict and metadata of model file `name`, floats cast to its dtype."""
    dtype, metadata, parts = MODELS[name]
    tensors = {}
    for prefix, part in parts.items():
        if isinstance(part, tuple):   # some other layer of a network: plain random tensor
            tensors[prefix] = torch.randn(part, generator=gen) * 0.2
            continue
        m = WTConv2d(part["c"], part["c"], part["k"], stride=part["stride"],
                     bias=part["bias"], wt_levels=part["levels"])
        randomize_(m, gen)
        for key, t in layer_state_dict(m, part["naming"]).items():
            tensors[prefix + key] = t
    return {k: v.detach().to(DTYPES[dtype]).contiguous() for k, v in tensors.items()}, metadata


def expected_output(tensors, prefix, stride, x):
    """float64 reference output, cross-checked against the numpy implementation."""
    module = load_layer(tensors, prefix, stride).double()
    with torch.no_grad():
        y = module(x.double())
    check = numpy_forward(x.double().numpy(), numpy_params(module))
    err = relative_error(y.numpy(), check)
    if not err < 1e-9:
        raise SystemExit(f"cross-check failed for layer {prefix!r}: relative error {err:.3e}")
    return y, err


def write_f32(path, t):
    """Raw little-endian float32."""
    t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tofile(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "golden"),
                        help="output folder (default tests/data/golden)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    files = {}
    for i, name in enumerate(MODELS):
        tensors, metadata = build_model(name, torch.Generator().manual_seed(1000 + i))
        path = os.path.join(args.out, name + ".safetensors")
        save_file(tensors, path, metadata)
        files[name] = load_file(path)[0]   # expected outputs use what was stored

    lines = ["# libwtconv golden cases, written by tools/make_golden.py (do not edit).",
             "# name model_file layer batch channels height width stride_option",
             "# layer '-' = no prefix; stride_option 0 = the layer's stride in __metadata__",
             "# ('<prefix>stride', or 'stride' for a file of one layer; default 1).",
             "# Files: <name>.input.f32 [N,C,H,W] and <name>.output.f32 "
             "[N,C,ceil(H/s),ceil(W/s)], raw little-endian float32."]
    print(f"{'case':16s} {'N':>2s} {'C':>2s} {'H':>3s} {'W':>3s} {'k':>2s} {'L':>2s} "
          f"{'s':>2s} {'dtype':5s} {'naming':9s} rel.err vs numpy")
    for i, (name, model, prefix, n, h, w, option, stride, comment) in enumerate(CASES):
        dtype, _, parts = MODELS[model]
        part = parts[prefix]
        gen = torch.Generator().manual_seed(2000 + i)
        x = torch.randn(n, part["c"], h, w, generator=gen, dtype=torch.float32)
        y, err = expected_output(files[model], prefix, stride, x)
        assert y.shape == (n, part["c"], -(-h // stride), -(-w // stride))
        write_f32(os.path.join(args.out, name + ".input.f32"), x)
        write_f32(os.path.join(args.out, name + ".output.f32"), y)
        lines += [f"# {comment}",
                  f"{name} {model}.safetensors {prefix or '-'} {n} {part['c']} {h} {w} {option}"]
        print(f"{name:16s} {n:2d} {part['c']:2d} {h:3d} {w:3d} {part['k']:2d} "
              f"{part['levels']:2d} {stride:2d} {dtype:5s} {part['naming']:9s} {err:.1e}")
    with open(os.path.join(args.out, "cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(CASES)} cases and {len(MODELS)} model files to {args.out}")


if __name__ == "__main__":
    main()
