#!/usr/bin/env python3
"""Export trained WTConv2d weights (or a whole model's state_dict) to safetensors.

The output is what libwtconv loads: tensor names are kept as in the state_dict, so a
layer is found by its key prefix (P such that P + "base_conv.weight" exists; the
"fast" variant names base_weight / wt_weights.{i} are listed too).

Examples:
  /usr/bin/python3 tools/export_wtconv.py --checkpoint model.pth --output model.safetensors
  /usr/bin/python3 tools/export_wtconv.py --checkpoint model.pth --output blk.safetensors \\
      --prefix stages.0.blocks.0.dwconv. --dtype f16
  /usr/bin/python3 tools/export_wtconv.py --demo 32,5,2 --output demo.safetensors --stride 2

--checkpoint accepts anything torch.load reads: a state_dict, a dict holding it under
'state_dict' or 'model', or a pickled nn.Module (whose classes must then be importable:
set PYTHONPATH). Floating tensors are converted to
--dtype; non-floating tensors (e.g. BatchNorm's num_batches_tracked) are skipped.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import save_file  # noqa: E402
from wtconv_reference import WTConv2d, find_layers, randomize_  # noqa: E402

DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


def module_strides(module):
    """{prefix: stride} of the WTConv2d-like submodules of a pickled module (stride > 1 only)."""
    strides = {}
    for name, sub in module.named_modules():
        stride = getattr(sub, "stride", None)
        if hasattr(sub, "wavelet_convs") and isinstance(stride, int) and stride > 1:
            strides[name + "." if name else ""] = stride
    return strides


def read_checkpoint(path):
    """Return the flat name -> tensor dict held by a torch.load-able file, and the strides of
    its WTConv2d layers where a pickled module records them."""
    try:
        obj = torch.load(path, map_location="cpu")
    except (AttributeError, ModuleNotFoundError) as err:
        raise SystemExit(f"{path}: cannot unpickle the model ({err}); put the module that "
                         "defines its classes on PYTHONPATH, or save model.state_dict() "
                         "instead of the model")
    if isinstance(obj, dict):
        for key in ("state_dict", "model"):
            if key in obj:
                obj = obj[key]
                break
    strides = {}
    if isinstance(obj, torch.nn.Module):
        strides = module_strides(obj)
        obj = obj.state_dict()
    if not isinstance(obj, dict):
        raise SystemExit(f"{path}: no state_dict found (got {type(obj).__name__})")
    return {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}, strides


def demo_state_dict(spec, stride, seed):
    """State dict of a random WTConv2d described by 'C,K,L'."""
    try:
        c, k, levels = (int(v) for v in spec.split(","))
    except ValueError:
        raise SystemExit(f"--demo expects C,K,L (e.g. 32,5,2), got {spec!r}")
    gen = torch.Generator().manual_seed(seed)
    module = randomize_(WTConv2d(c, c, k, stride=stride, wt_levels=levels), gen)
    return dict(module.state_dict())


def convert(tensors, prefix, dtype):
    """Keep tensors under `prefix`, cast floating ones to `dtype`; return (kept, skipped)."""
    kept, skipped = {}, []
    for name, t in tensors.items():
        if prefix and not name.startswith(prefix):
            continue
        if not t.is_floating_point():
            skipped.append(name)
            continue
        kept[name] = t.detach().to(dtype).contiguous()
    return kept, skipped


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", help="torch.load-able file (state_dict, dict or module)")
    source.add_argument("--demo", metavar="C,K,L",
                        help="export a random WTConv2d with C channels, kernel K, L levels")
    parser.add_argument("--output", required=True, help="output .safetensors path")
    parser.add_argument("--dtype", choices=DTYPES, default="f32",
                        help="storage type of floating tensors (default f32)")
    parser.add_argument("--prefix", default="",
                        help="keep only tensors whose names start with this (default: all)")
    parser.add_argument("--stride", type=int, default=None,
                        help="write __metadata__ {'stride': S} (the stride is not in a state_dict)")
    parser.add_argument("--seed", type=int, default=0, help="random seed for --demo (default 0)")
    args = parser.parse_args()

    if args.stride is not None and args.stride < 1:
        parser.error("--stride must be >= 1")
    strides = {}
    if args.checkpoint:
        tensors, strides = read_checkpoint(args.checkpoint)
    else:
        tensors = demo_state_dict(args.demo, args.stride or 1, args.seed)
    if args.prefix and not args.prefix.endswith("."):
        print(f"note: --prefix {args.prefix!r} does not end with '.'; layer prefixes do "
              f"(e.g. {args.prefix + '.'!r}), and this one also matches longer names")

    kept, skipped = convert(tensors, args.prefix, DTYPES[args.dtype])
    if not kept:
        found = ", ".join(repr(p) for p in find_layers(tensors)) or "none"
        raise SystemExit(f"nothing to write: no floating tensor starts with {args.prefix!r}; "
                         f"WTConv2d layer prefixes in the checkpoint: {found}")
    stride = args.stride
    if stride is None:
        # A pickled module knows its layers' strides; a state_dict does not.
        wanted = {s for p, s in strides.items() if p.startswith(args.prefix)}
        if len(wanted) == 1:
            stride = wanted.pop()
            print(f"stride {stride} taken from the pickled module")
        elif len(wanted) > 1:
            print(f"warning: the module's layers have different strides {sorted(wanted)}; "
                  "export them one at a time with --prefix and --stride")
    metadata = {"stride": str(stride)} if stride is not None else None
    save_file(kept, args.output, metadata)

    layers = find_layers(kept)
    size = os.path.getsize(args.output)
    print(f"wrote {args.output}: {len(kept)} tensors, {args.dtype}, {size} bytes"
          + (f", metadata {metadata}" if metadata else ""))
    if skipped:
        print(f"skipped {len(skipped)} non-floating tensors: {', '.join(skipped)}")
    if not layers:
        print("warning: no WTConv2d layer found (no '<prefix>base_conv.weight')")
    for prefix, info in layers.items():
        print(f"  layer {prefix or '(no prefix)'!s}: C={info['channels']} k={info['k']} "
              f"L={info['levels']} bias={'yes' if info['bias'] else 'no'} "
              f"names={info['naming']}")
    if layers and metadata is None:
        print("note: no stride stored (a state_dict does not record it): the layer runs with "
              "stride 1 unless --stride is given here or the stride option at run time")


if __name__ == "__main__":
    main()
