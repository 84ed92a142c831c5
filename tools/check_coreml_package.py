#!/usr/bin/env python3
"""Check the Core ML packages libwtconv writes itself (wtconv_write_coreml, wtconv-cli
--write-coreml) with Apple's coremltools, on any machine: no Apple hardware involved.

For every case of tests/data/coreml/cases.txt (the golden layers of tests/data/golden):
  1. the CLI writes the library's package for the case;
  2. coremltools loads it: coremltools.models.MLModel(path, skip_model_load=True), which parses
     the protobuf and the package; the inputs, outputs and wtconv.* metadata are checked;
  3. coremltools' ML program frontend (converters.mil.frontend.milproto.load) rebuilds the
     program op by op, with its own type inference, and fails if any declared output type
     differs from what it infers;
  4. the rebuilt program is evaluated here in float64 with numpy (cast to fp16 rounds to
     float16, so an fp16 program's weights and inputs carry their float16 rounding; the
     arithmetic itself is float64), and so is coremltools' own package of the case
     (tests/data/coreml), each inside the float64 Haar cascade, on the golden input; the errors
     against the float64 reference (tools/wtconv_reference.py numpy_forward) and the golden
     output (PyTorch) are printed, relative to max|y_ref|.
Exit status 0 when everything loads and the fp32 packages keep the library's accuracy contract
(1e-5 relative), 1 otherwise; 77 (skipped) when coremltools cannot be imported.

    source /work/fetched/ct-env.sh     # or however coremltools is importable (tools/README.md)
    /usr/bin/python3 tools/check_coreml_package.py --cli build/examples/wtconv-cli
"""
import argparse
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import safetensors_io  # noqa: E402
import wtconv_reference as ref  # noqa: E402

SKIPPED = 77
CONTRACT = 1e-5  # README's accuracy contract, relative to max|y_ref|
# fp16 programs: the float16 rounding of weights and inputs alone (2.4e-4 .. 8e-4 relative on the
# cases here; the README estimates about 1e-3 of max|y| on a device that also sums in float16).
FP16_BOUND = 2e-3


def import_coremltools():
    """coremltools and its ML program frontend, or None; its import-time chatter is hidden."""
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            import coremltools as ct
            from coremltools.converters.mil.frontend.milproto.load import load as milproto_load
    except ImportError:
        return None, None
    return ct, milproto_load


def read_cases(path):
    cases = []
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, model, layer, n, c, h, w, stride, precision = line.split()
                cases.append(dict(name=name, model=model, layer=None if layer == "-" else layer,
                                  n=int(n), c=int(c), h=int(h), w=int(w), stride=int(stride),
                                  precision=precision))
    return cases


# ---- Evaluating an ML program in float64 -----------------------------------------------------

def _depthwise(x, weight, bias, pads):
    """Depthwise cross-correlation in float64; pads = (top, bottom, left, right)."""
    n, c, h, w = x.shape
    k = weight.shape[-1]
    top, bottom, left, right = pads
    xp = np.zeros((n, c, h + top + bottom, w + left + right))
    xp[:, :, top:top + h, left:left + w] = x
    oh, ow = xp.shape[2] - k + 1, xp.shape[3] - k + 1
    out = np.zeros((n, c, oh, ow))
    wd = weight.astype(np.float64)[:, 0]
    for dy in range(k):
        for dx in range(k):
            out += wd[None, :, dy, dx, None, None] * xp[:, :, dy:dy + oh, dx:dx + ow]
    if bias is not None:
        out += bias.astype(np.float64)[None, :, None, None]
    return out


def evaluate(program, inputs):
    """Runs the program's main function on float64 `inputs`; returns its outputs by name."""
    function = program.functions["main"]
    values = {name: np.asarray(inputs[name], np.float64) for name in function.inputs}

    def val(var):
        if var.name in values:
            return values[var.name]
        if var.val is None:
            raise ValueError(f"no value for {var.name}")
        return var.val

    for op in function.operations:
        kind = op.op_type
        if kind == "const":
            continue
        ins = op.inputs
        if kind == "cast":
            x = val(ins["x"])
            dtype = ins["dtype"].val
            out = x.astype(np.float16).astype(np.float64) if dtype == "fp16" else x
        elif kind == "pad":
            pad = [int(v) for v in ins["pad"].val]
            if ins["mode"].val != "constant" or any(pad[:4]):
                raise ValueError(f"pad op {op.name}: unexpected mode or batch/channel padding")
            out = np.pad(val(ins["x"]), ((0, 0), (0, 0), (pad[4], pad[5]), (pad[6], pad[7])),
                         constant_values=float(ins["constant_val"].val))
        elif kind == "conv":
            x = val(ins["x"])
            weight = ins["weight"].val
            if list(ins["strides"].val) != [1, 1] or list(ins["dilations"].val) != [1, 1]:
                raise ValueError(f"conv op {op.name}: strides or dilations are not 1")
            if int(ins["groups"].val) != x.shape[1] or weight.shape[1] != 1:
                raise ValueError(f"conv op {op.name}: not depthwise")
            pad_type = ins["pad_type"].val
            pads = [int(v) for v in ins["pad"].val] if pad_type == "custom" else [0, 0, 0, 0]
            if pad_type not in ("custom", "valid"):
                raise ValueError(f"conv op {op.name}: pad_type {pad_type}")
            bias = ins["bias"].val if "bias" in ins else None
            out = _depthwise(x, weight, bias, pads)
        else:
            raise ValueError(f"unexpected op type {kind}")
        values[op.outputs[0].name] = out
    return {var.name: values[var.name] for var in function.outputs}


# ---- One case -------------------------------------------------------------------------------

def layer_reference(case, golden):
    tensors, metadata = safetensors_io.load_file(os.path.join(golden, case["model"]))
    prefix = case["layer"] or ""
    stride = case["stride"] or int(metadata.get(prefix + "stride", metadata.get("stride", "1")))
    module = ref.load_layer(tensors, prefix=prefix, stride=stride)
    return ref.numpy_params(module), stride


def run_layer(x, levels, stride, stage):
    """The Haar cascade in float64 around `stage` (the Core ML program), as the Apple backend
    runs it: forward levels, one prediction, inverse levels, base added, stride applied."""
    n, c = x.shape[:2]
    out = {}

    def predict(coeffs):
        inputs = {"x": x}
        for i, co in enumerate(coeffs):
            inputs[f"coeffs_{i}"] = co.reshape(n, 4 * c, *co.shape[3:])
        out.update(stage(inputs))
        return [out[f"filtered_{i}"].reshape(co.shape) for i, co in enumerate(coeffs)]

    nxt = ref.wavelet_branch(x, levels, predict)
    y = out["base"] + nxt
    return y[:, :, ::stride, ::stride]


def check_spec(spec, case):
    """The interface the Apple backend relies on; returns a list of problems."""
    problems = []
    levels = sum(1 for f in spec.description.input if f.name.startswith("coeffs_"))
    want_in = ["x"] + [f"coeffs_{i}" for i in range(levels)]
    want_out = ["base"] + [f"filtered_{i}" for i in range(levels)]
    if [f.name for f in spec.description.input] != want_in:
        problems.append(f"inputs {[f.name for f in spec.description.input]}")
    if [f.name for f in spec.description.output] != want_out:
        problems.append(f"outputs {[f.name for f in spec.description.output]}")
    for f in list(spec.description.input) + list(spec.description.output):
        if f.type.multiArrayType.dataType != 65568:
            problems.append(f"{f.name} is not FLOAT32")
    meta = dict(spec.description.metadata.userDefined)
    want = {"wtconv.format": "1", "wtconv.batch": str(case["n"]),
            "wtconv.channels": str(case["c"]), "wtconv.height": str(case["h"]),
            "wtconv.width": str(case["w"]), "wtconv.precision": case["precision"],
            "wtconv.layer": case["layer"] or ""}
    for key, value in want.items():
        if meta.get(key) != value:
            problems.append(f"metadata {key} = {meta.get(key)!r}, expected {value!r}")
    if spec.specificationVersion != 7:
        problems.append(f"specification version {spec.specificationVersion}")
    return problems, levels, int(meta.get("wtconv.stride", "0"))


def load_program(ct, milproto_load, path):
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        model = ct.models.MLModel(path, skip_model_load=True)
        spec = model.get_spec()
        program = milproto_load(spec, spec.specificationVersion,
                                file_weights_dir=model.weights_dir)
    return spec, program


def check_case(ct, milproto_load, case, args, work):
    name = case["name"]
    ours = os.path.join(work, name + ".mlpackage")
    command = [args.cli, "--model", os.path.join(args.golden, case["model"]),
               "--batch", str(case["n"]), "--channels", str(case["c"]),
               "--height", str(case["h"]), "--width", str(case["w"]),
               "--precision", case["precision"], "--write-coreml", ours]
    if case["layer"]:
        command += ["--layer", case["layer"]]
    if case["stride"]:
        command += ["--stride", str(case["stride"])]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        return f"{name}: wtconv-cli failed: {result.stderr.strip()}", None
    try:
        spec, program = load_program(ct, milproto_load, ours)
    except Exception as err:  # coremltools refusing the package is the finding
        return f"{name}: coremltools cannot load the library's package: {err}", None
    problems, levels, stride = check_spec(spec, case)
    if problems:
        return f"{name}: {'; '.join(problems)}", None
    params, ref_stride = layer_reference(case, args.golden)
    x = np.fromfile(os.path.join(args.golden, name_of_golden(case, args) + ".input.f32"),
                    dtype="<f4").reshape(case["n"], case["c"], case["h"], case["w"])
    y_ref = ref.numpy_forward(x, params)
    y_golden = np.fromfile(os.path.join(args.golden, name_of_golden(case, args) + ".output.f32"),
                           dtype="<f4").reshape(y_ref.shape)
    y_ours = run_layer(x.astype(np.float64), levels, stride, lambda i: evaluate(program, i))
    _, their_program = load_program(ct, milproto_load,
                                    os.path.join(args.data, name + ".mlpackage"))
    y_theirs = run_layer(x.astype(np.float64), levels, stride,
                         lambda i: evaluate(their_program, i))
    row = dict(name=name, precision=case["precision"], ops=len(program.functions["main"].operations),
               ours=ref.relative_error(y_ours, y_ref),
               theirs=ref.relative_error(y_theirs, y_ref),
               golden=ref.relative_error(y_ours, y_golden),
               same=bool(np.array_equal(y_ours, y_theirs)), stride=stride == ref_stride)
    return None, row


def name_of_golden(case, args):
    """The golden vector of the case's layer and shape (tests/data/golden/cases.txt)."""
    with open(os.path.join(args.golden, "cases.txt")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, model, layer, n, c, h, w, stride = line.split()
            if (model == case["model"] and (layer == "-" and case["layer"] is None
                                            or layer == case["layer"])
                    and (int(n), int(c), int(h), int(w)) == (case["n"], case["c"], case["h"],
                                                             case["w"])):
                return name
    raise ValueError(f"no golden vector for {case['name']}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", required=True, help="the built wtconv-cli")
    parser.add_argument("--data", default=os.path.join(ROOT, "tests", "data", "coreml"))
    parser.add_argument("--golden", default=os.path.join(ROOT, "tests", "data", "golden"))
    parser.add_argument("--keep", help="write the packages into this folder and keep them")
    args = parser.parse_args(argv)
    ct, milproto_load = import_coremltools()
    if ct is None:
        print("check_coreml_package: skipped: coremltools cannot be imported (tools/README.md "
              "says how to build it from source on Linux)")
        return SKIPPED
    print(f"coremltools {ct.__version__}, numpy {np.__version__}")
    work = args.keep or tempfile.mkdtemp(prefix="wtconv-coreml-check-")
    os.makedirs(work, exist_ok=True)
    failures = 0
    print("| case | precision | MIL ops (with consts) | ours vs float64 ref | coremltools' vs float64 ref | "
          "ours vs golden (PyTorch) | ours == coremltools' |")
    print("|---|---|---|---|---|---|---|")
    try:
        for case in read_cases(os.path.join(args.data, "cases.txt")):
            problem, row = check_case(ct, milproto_load, case, args, work)
            if problem:
                print(f"FAIL {problem}")
                failures += 1
                continue
            # A case fails on its accuracy (fp32: the contract; fp16: FP16_BOUND), a wrong
            # stride, or a program whose values differ from coremltools' own export's.
            bound = CONTRACT if row["precision"] == "fp32" else FP16_BOUND
            bad = row["ours"] > bound or not row["stride"] or not row["same"]
            failures += bad
            print(f"| {row['name']} | {row['precision']} | {row['ops']} | {row['ours']:.2e} | "
                  f"{row['theirs']:.2e} | {row['golden']:.2e} | "
                  f"{'yes' if row['same'] else 'NO'} |{' FAIL' if bad else ''}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{'FAILED' if failures else 'passed'}: {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
