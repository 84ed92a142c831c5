#!/usr/bin/env python3
"""Write the Core ML golden packages: what coremltools makes of golden layers, through
tools/export_wtconv_coreml.py, for tests/coreml/test_coreml_writer.c to compare the library's own
Core ML writer against (src/coreml/).

Needs coremltools (on Linux: built from source, see tools/README.md, "Checking Core ML packages
on Linux"); CI cannot run this, so its output is committed: tests/data/coreml/<name>.mlpackage
and tests/data/coreml/cases.txt. The cases reuse the golden layers of tests/data/golden/.

    /usr/bin/python3 tools/make_coreml_golden.py [--out tests/data/coreml]

coremltools' Manifest.json holds random item identifiers and its metadata the conversion date,
so a rerun changes those bytes and nothing the test compares.
"""
import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GOLDEN = os.path.join(ROOT, "tests", "data", "golden")

# name, golden model file, layer ('-' none), batch, C, H, W, stride option (0: the file's),
# precision, what it covers.
CASES = [
    ("l1_k5_fp32", "l1_k5_c4.safetensors", "-", 1, 4, 16, 16, 0, "fp32",
     "L=1 k=5 C=4 16x16, bias, reference names"),
    ("l2_k3_odd_fp16", "l2_k3_c3.safetensors", "-", 1, 3, 17, 23, 0, "fp16",
     "L=2 k=3 C=3 17x23: odd sizes at every level; fp16"),
    ("l3_k4_fp32", "l3_k4_c5.safetensors", "-", 1, 5, 15, 9, 0, "fp32",
     "L=3 even k=4 (pad op before a valid conv) C=5 15x9"),
    ("l3_k4_fp16", "l3_k4_c5.safetensors", "-", 1, 5, 15, 9, 0, "fp16",
     "L=3 even k=4, fp16"),
    ("l4_k7_fp32", "l4_k7_c2.safetensors", "-", 1, 2, 33, 31, 0, "fp32",
     "L=4 k=7 C=2 33x31"),
    ("l5_k3_fp16", "l5_k3_c2.safetensors", "-", 1, 2, 37, 29, 0, "fp16",
     "L=5 k=3 C=2 37x29, fp16"),
    ("stride2_fp32", "stride2_meta.safetensors", "-", 1, 4, 19, 20, 0, "fp32",
     "stride 2 from the file's metadata, C=4 19x20 k=5 L=2"),
    ("nobias_fp16", "nobias.safetensors", "-", 1, 6, 12, 14, 0, "fp16",
     "no base bias, C=6 12x14 k=5 L=2, fp16"),
    ("nobias_fp32", "nobias.safetensors", "-", 1, 6, 12, 14, 0, "fp32",
     "no base bias, fp32"),
    ("batch2_fp32", "batch2.safetensors", "-", 2, 3, 13, 11, 1, "fp32",
     "batch N=2, stride option 1, C=3 13x11 k=5 L=2"),
    ("multi_stage1_fp16", "multilayer.safetensors", "stages.1.blocks.0.dwconv.", 1, 8, 10, 9,
     0, "fp16", "a prefixed layer of a multi-layer file, C=8 k=3 L=3 10x9, fp16"),
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "coreml"))
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    lines = [
        "# libwtconv Core ML golden packages, written by tools/make_coreml_golden.py (do not edit).",
        "# name model_file layer batch channels height width stride_option precision",
        "# model files are in tests/data/golden; layer '-' = no prefix; stride_option 0 = the "
        "file's.",
    ]
    for name, model, layer, n, c, h, w, stride, precision, what in CASES:
        package = os.path.join(args.out, name + ".mlpackage")
        if os.path.exists(package):
            shutil.rmtree(package)
        command = [sys.executable, os.path.join(HERE, "export_wtconv_coreml.py"),
                   "--model", os.path.join(GOLDEN, model), "--batch", str(n),
                   "--channels", str(c), "--height", str(h), "--width", str(w),
                   "--precision", precision, "--output", package]
        if layer != "-":
            command += ["--layer", layer]
        if stride:
            command += ["--stride", str(stride)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            print(f"make_coreml_golden: {name}: the exporter failed", file=sys.stderr)
            return 1
        lines.append(f"# {what}")
        lines.append(f"{name} {model} {layer} {n} {c} {h} {w} {stride} {precision}")
        print(f"{name}: {package}")
    with open(os.path.join(args.out, "cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
