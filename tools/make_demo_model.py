#!/usr/bin/env python3
"""Write the demo model and a matching input/output pair into examples/ (deterministic).

  examples/demo_wtconv.safetensors    WTConv2d C=32 k=5 L=2 with bias, trained-looking
                                      weights, reference state_dict names, F32
  examples/demo_input_32x64x64.f32    input N=1 C=32 H=64 W=64, raw little-endian float32
  examples/demo_output_32x64x64.f32   float64 reference output for it, rounded to float32

The output lets the CLI's result be checked with its compare option.

Usage:  /usr/bin/python3 tools/make_demo_model.py [--out examples]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_golden import expected_output, write_f32  # noqa: E402
from safetensors_io import load_file, save_file  # noqa: E402
from wtconv_reference import WTConv2d, randomize_  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHANNELS, KERNEL, LEVELS, SIZE = 32, 5, 2, 64


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(ROOT, "examples"),
                        help="output folder (default examples)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    gen = torch.Generator().manual_seed(32052)
    module = randomize_(WTConv2d(CHANNELS, CHANNELS, KERNEL, wt_levels=LEVELS), gen)
    model_path = os.path.join(args.out, "demo_wtconv.safetensors")
    save_file(dict(module.state_dict()), model_path)

    x = torch.randn(1, CHANNELS, SIZE, SIZE, generator=gen, dtype=torch.float32)
    y, err = expected_output(load_file(model_path)[0], "", 1, x)
    tag = f"{CHANNELS}x{SIZE}x{SIZE}"
    write_f32(os.path.join(args.out, f"demo_input_{tag}.f32"), x)
    write_f32(os.path.join(args.out, f"demo_output_{tag}.f32"), y)
    print(f"wrote {model_path} (C={CHANNELS} k={KERNEL} L={LEVELS}, bias, F32) and "
          f"demo_input/output_{tag}.f32; numpy cross-check relative error {err:.1e}")


if __name__ == "__main__":
    main()
