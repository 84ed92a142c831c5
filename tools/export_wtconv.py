#!/usr/bin/env python3
"""Export trained WTConv2d weights (or a whole model's state_dict) to safetensors.

The output is what libwtconv loads: tensor names are kept as in the state_dict, so a
layer is found by its key prefix (P such that P + "base_conv.weight" exists; the
"fast" variant names base_weight / wt_weights.{i} are listed too).

Examples:
  /usr/bin/python3 tools/export_wtconv.py --checkpoint model.pth --output model.safetensors
  /usr/bin/python3 tools/export_wtconv.py --checkpoint model.pth --output blk.safetensors \\
      --prefix stages.0.blocks.0.dwconv. --dtype f16 --stride 2
  /usr/bin/python3 tools/export_wtconv.py --checkpoint state_dict.pth --output net.safetensors \\
      --layer-stride stages.1.blocks.0.dwconv.=2
  /usr/bin/python3 tools/export_wtconv.py --demo 32,5,2 --output demo.safetensors --stride 2

--checkpoint accepts anything torch.load reads: a state_dict, a dict holding it under
'state_dict' or 'model', or a pickled nn.Module (whose classes must then be importable:
set PYTHONPATH). Floating tensors are converted to
--dtype; non-floating tensors (e.g. BatchNorm's num_batches_tracked) are skipped.

Stride: a WTConv2d's stride is a constructor argument, not in its state_dict, and each
layer of a network may have its own. It is written per layer, as __metadata__
"<prefix>stride" (e.g. "stages.1.blocks.0.dwconv.stride": "2"; for a layer without a
prefix that is "stride"). Each layer's stride is the first of: --layer-stride PREFIX=S;
--stride S (only when the output holds one layer); the .stride of the layer's module in a
pickled nn.Module. A layer with none of these gets no key and
runs at stride 1 unless the caller's stride option says otherwise. A state_dict does not
know strides: give them with --layer-stride (or --stride for one layer).
"""
import argparse
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import save_file  # noqa: E402
from wtconv_reference import WTConv2d, find_layers, randomize_  # noqa: E402

DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}
MAX_STRIDE = 2**31 - 1  # the library reads a stride into a C int


def stride_of(module):
    """A module's stride as an int (an int, or a pair of equal ints), else None."""
    stride = getattr(module, "stride", None)
    if isinstance(stride, (tuple, list)) and len(stride) == 2 and stride[0] == stride[1]:
        stride = stride[0]
    return stride if isinstance(stride, int) and not isinstance(stride, bool) else None


def module_strides(module, layers):
    """{prefix: stride} of the submodules of a pickled module that are WTConv2d layers (their
    key prefix is one of `layers`), as each module records it; None where it does not."""
    strides = {}
    for name, sub in module.named_modules():
        prefix = name + "." if name else ""
        if prefix in layers:
            strides[prefix] = stride_of(sub)
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
    except OSError as err:
        raise SystemExit(f"{path}: cannot read it: {err.strerror or err}")
    except Exception as err:  # torch.load's errors for files it cannot parse vary by version
        raise SystemExit(f"{path}: not a file torch.load can read ({type(err).__name__}: {err})")
    if isinstance(obj, dict):
        for key in ("state_dict", "model"):
            if key in obj:
                obj = obj[key]
                break
    strides = {}
    if isinstance(obj, torch.nn.Module):
        module = obj
        obj = obj.state_dict()
        strides = module_strides(module, find_layers(obj))
    if not isinstance(obj, dict):
        raise SystemExit(f"{path}: no state_dict found (got {type(obj).__name__})")
    return {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}, strides


def parse_layer_stride(text):
    """'PREFIX=S' -> (prefix, S)."""
    prefix, sep, value = text.rpartition("=")
    if not sep or not value.isdigit() or not 1 <= int(value) <= MAX_STRIDE:
        raise argparse.ArgumentTypeError(f"expected PREFIX=S with 1 <= S <= {MAX_STRIDE} (e.g. "
                                         f"stages.1.blocks.0.dwconv.=2), got {text!r}")
    return prefix, int(value)


def layer_strides(layers, module, stride, per_layer):
    """{prefix: (stride, where it came from)} for the layers of the output whose stride is
    known; raises SystemExit for a request that could give a layer another's stride."""
    listing = ", ".join(repr(p) for p in layers) or "none"
    if stride is not None and len(layers) > 1:
        raise SystemExit(f"--stride {stride} gives one layer's stride, but the output holds "
                         f"{len(layers)} WTConv2d layers, and each may have its own: give "
                         "--layer-stride PREFIX=S for each layer whose stride is not 1, or "
                         f"export one layer with --prefix. Layer prefixes: {listing}")
    chosen = {}
    for prefix, value in module.items():
        if value is not None:
            chosen[prefix] = (value, "from the pickled module")
    if stride is not None:
        for prefix in layers:
            chosen[prefix] = (stride, "from --stride")
    for prefix, value in per_layer:
        if prefix not in layers:
            dot = f" (did you mean {prefix + '.'!r}? prefixes end with '.')" \
                if prefix + "." in layers else ""
            raise SystemExit(f"--layer-stride {prefix}={value}: no WTConv2d layer with prefix "
                             f"{prefix!r} in the output{dot}. Layer prefixes: {listing}")
        chosen[prefix] = (value, "from --layer-stride")
    for prefix, (value, where) in chosen.items():
        recorded = module.get(prefix)
        if recorded is not None and recorded != value:
            print(f"note: layer {prefix or '(no prefix)'}: stride {value} {where} replaces the "
                  f"module's stride {recorded}")
    return chosen


def demo_state_dict(spec, stride, seed):
    """State dict of a random WTConv2d described by 'C,K,L'."""
    try:
        c, k, levels = (int(v) for v in spec.split(","))
    except ValueError:
        raise SystemExit(f"--demo expects C,K,L (e.g. 32,5,2), got {spec!r}")
    # The library's limits (src/model/model.h), so that what is written also loads.
    if c < 1 or not 1 <= k <= 255 or not 1 <= levels <= 32:
        raise SystemExit(f"--demo {spec}: C must be >= 1, K 1..255 and L 1..32")
    gen = torch.Generator().manual_seed(seed)
    module = randomize_(WTConv2d(c, c, k, stride=stride, wt_levels=levels), gen)
    return dict(module.state_dict())


def convert(tensors, prefix, dtype_name):
    """Keep tensors under `prefix`, cast floating ones to DTYPES[dtype_name]; return (kept,
    skipped)."""
    dtype = DTYPES[dtype_name]
    kept, skipped = {}, []
    for name, t in tensors.items():
        if prefix and not name.startswith(prefix):
            continue
        if not t.is_floating_point():
            skipped.append(name)
            continue
        kept[name] = t.detach().to(dtype).contiguous()
        if not torch.isfinite(kept[name]).all():  # the loader refuses NaN and Inf
            bad = int((~torch.isfinite(kept[name])).flatten().nonzero()[0])
            value = float(t.detach().flatten()[bad])
            raise SystemExit(f"{name}: element {bad} ({value:g}) is not finite"
                             + (f" in {dtype_name}" if math.isfinite(value) else "")
                             + "; libwtconv refuses such weights"
                             + (" (try --dtype f32)" if math.isfinite(value) else ""))
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
                        help="the stride of the one layer being exported, written as "
                             "__metadata__ '<prefix>stride' (refused when the output holds "
                             "several layers: use --layer-stride)")
    parser.add_argument("--layer-stride", action="append", default=[], metavar="PREFIX=S",
                        type=parse_layer_stride,
                        help="the stride of the layer at key prefix PREFIX, written as "
                             "__metadata__ 'PREFIXstride'; repeat for each layer (overrides "
                             "a pickled module's own stride)")
    parser.add_argument("--seed", type=int, default=0, help="random seed for --demo (default 0)")
    args = parser.parse_args()

    if args.stride is not None and not 1 <= args.stride <= MAX_STRIDE:
        parser.error(f"--stride must be 1..{MAX_STRIDE}")
    strides = {}
    if args.checkpoint:
        tensors, strides = read_checkpoint(args.checkpoint)
    else:
        tensors = demo_state_dict(args.demo, args.stride or 1, args.seed)
    if args.prefix and not args.prefix.endswith("."):
        print(f"note: --prefix {args.prefix!r} does not end with '.'; layer prefixes do "
              f"(e.g. {args.prefix + '.'!r}), and this one also matches longer names")

    kept, skipped = convert(tensors, args.prefix, args.dtype)
    if not kept:
        found = ", ".join(repr(p) for p in find_layers(tensors)) or "none"
        raise SystemExit(f"nothing to write: no floating tensor starts with {args.prefix!r}; "
                         f"WTConv2d layer prefixes in the checkpoint: {found}")
    layers = find_layers(kept)
    chosen = layer_strides(layers, {p: s for p, s in strides.items() if p in layers},
                           args.stride, args.layer_stride)
    # A stride belongs to one layer: "<prefix>stride" ("stride" for the unprefixed layer).
    metadata = {prefix + "stride": str(value) for prefix, (value, _) in sorted(chosen.items())}
    try:
        save_file(kept, args.output, metadata or None)
    except OSError as err:
        raise SystemExit(f"{args.output}: cannot write it: {err.strerror or err}")

    size = os.path.getsize(args.output)
    print(f"wrote {args.output}: {len(kept)} tensors, {args.dtype}, {size} bytes"
          + (f", metadata {metadata}" if metadata else ""))
    if skipped:
        print(f"skipped {len(skipped)} non-floating tensors: {', '.join(skipped)}")
    if not layers:
        print("warning: no WTConv2d layer found (no '<prefix>base_conv.weight')")
    for prefix, info in layers.items():
        value, where = chosen.get(prefix, (None, ""))
        stride = (f"stride={value} ({where})" if value is not None else
                  "stride not recorded (runs at 1 unless the stride option says otherwise)")
        print(f"  layer {prefix or '(no prefix)'!s}: C={info['channels']} k={info['k']} "
              f"L={info['levels']} bias={'yes' if info['bias'] else 'no'} "
              f"names={info['naming']} {stride}")
    missing = [p for p in layers if p not in chosen]
    if missing:
        print(f"note: no stride recorded for {len(missing)} of {len(layers)} layers (a "
              "state_dict does not record it): give it with --layer-stride PREFIX=S (or --stride "
              "for a single layer), or export the pickled model")

if __name__ == "__main__":
    main()
