#!/usr/bin/env python3
"""Tests of tools/export_wtconv_coreml.py that need no coremltools (and no Mac).

The truth is independent of the code under test: the test runs its own float64 Haar cascade
around the exporter's DepthwiseStage (as libwtconv's Apple backend runs Metal around the Core ML
model) and compares the sum with the PyTorch reference module of tools/wtconv_reference.py in
float64. It also measures what float16 compute would cost (emulated by rounding).

Run:  /usr/bin/python3 tools/test_export_wtconv_coreml.py     (exit status 0 = all passed)
"""
import copy
import enum
import importlib.util
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import types
import unittest
import unittest.mock
import warnings

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import export_wtconv_coreml as ex  # noqa: E402
from safetensors_io import save_file  # noqa: E402
from wtconv_reference import WTConv2d, layer_state_dict, randomize_  # noqa: E402

SCRIPT = os.path.join(HERE, "export_wtconv_coreml.py")


# ---- Independent float64 Haar cascade (the Metal side of the Apple backend) -------------------

def haar_analysis(x):
    """[N,C,h,w] -> [N,4C,ceil(h/2),ceil(w/2)], odd sizes zero-padded at the bottom/right."""
    n, c, h, w = x.shape
    padded = np.zeros((n, c, h + h % 2, w + w % 2))
    padded[:, :, :h, :w] = x
    a, b = padded[:, :, 0::2, 0::2], padded[:, :, 0::2, 1::2]
    cc, d = padded[:, :, 1::2, 0::2], padded[:, :, 1::2, 1::2]
    out = np.empty((n, 4 * c) + a.shape[2:])
    out[:, 0::4] = (a + b + cc + d) / 2
    out[:, 1::4] = (a + b - cc - d) / 2
    out[:, 2::4] = (a - b + cc - d) / 2
    out[:, 3::4] = (a - b - cc + d) / 2
    return out


def haar_synthesis(s):
    """[N,4C,h,w] -> [N,C,2h,2w]."""
    s0, s1, s2, s3 = s[:, 0::4], s[:, 1::4], s[:, 2::4], s[:, 3::4]
    n, c, h, w = s0.shape
    out = np.empty((n, c, 2 * h, 2 * w))
    out[:, :, 0::2, 0::2] = (s0 + s1 + s2 + s3) / 2
    out[:, :, 0::2, 1::2] = (s0 + s1 - s2 - s3) / 2
    out[:, :, 1::2, 0::2] = (s0 - s1 + s2 - s3) / 2
    out[:, :, 1::2, 1::2] = (s0 - s1 - s2 + s3) / 2
    return out


def forward_cascade(x, levels):
    coeffs, cur = [], x
    for _ in range(levels):
        coeffs.append(haar_analysis(cur))
        cur = coeffs[-1][:, 0::4]          # the raw LL band feeds the next level
    return coeffs


def inverse_and_sum(x_shape, base, filtered):
    sizes, h, w = [], x_shape[2], x_shape[3]
    for _ in filtered:
        sizes.append((h, w))
        h, w = (h + 1) // 2, (w + 1) // 2
    nxt = 0.0
    for i in reversed(range(len(filtered))):
        f = filtered[i].copy()
        f[:, 0::4] += nxt
        h, w = sizes[i]
        nxt = haar_synthesis(f)[:, :, :h, :w]
    return base + nxt


def run_split(stage, x, levels):
    """The Apple backend's data flow: cascade (float64) -> stage -> inverse cascade (float64)."""
    coeffs = forward_cascade(x, levels)
    with torch.no_grad():
        outs = stage(torch.from_numpy(x).float(), *[torch.from_numpy(c).float() for c in coeffs])
    outs = [o.double().numpy() for o in outs]
    return inverse_and_sum(x.shape, outs[0], outs[1:]), outs


def relative_error(got, want):
    return float(np.max(np.abs(got - want)) / np.max(np.abs(want)))


# ---- Model files ----------------------------------------------------------------------------

def random_module(c, k, levels, bias, seed):
    gen = torch.Generator().manual_seed(seed)
    return randomize_(WTConv2d(c, c, k, wt_levels=levels, bias=bias), gen)


def write_model(path, module, naming="reference", prefix="", metadata=None, dtype=torch.float32,
                extra=None):
    tensors = {prefix + name: t.detach().to(dtype).contiguous()
               for name, t in layer_state_dict(module, naming).items()}
    tensors.update(extra or {})
    save_file(tensors, path, metadata)
    return path


def write_raw(path, entries, metadata=None):
    """A safetensors file from name -> (dtype tag, shape, raw bytes): for dtypes and headers
    that safetensors_io does not write."""
    header, data = {}, b""
    for name, (dtype, shape, raw) in entries.items():
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self._dir = tempfile.TemporaryDirectory()
        self.dir = self._dir.name

    def tearDown(self):
        self._dir.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def assertExportError(self, fn, *needles):
        with self.assertRaises(ex.ExportError) as cm:
            fn()
        for needle in needles:
            self.assertIn(needle, str(cm.exception))
        return str(cm.exception)


# ---- Numerical tests --------------------------------------------------------------------------

class StageMatchesReference(TempDirTest):
    # (k, levels, bias, H, W, naming): even k, odd sizes at every level, down to 1x1
    CASES = [
        (1, 1, True, 7, 9, "reference"),
        (2, 2, False, 13, 11, "fast"),
        (3, 3, True, 13, 6, "fast_alt"),
        (4, 4, True, 13, 11, "reference"),
        (5, 2, False, 9, 15, "reference"),
        (6, 3, True, 5, 7, "fast"),
        (7, 4, True, 17, 13, "fast_alt"),
        (3, 1, True, 1, 3, "reference"),
    ]

    def test_split_pipeline_equals_reference(self):
        # the reference module's padding='same' with an even k warns that it copies: harmless
        quiet = warnings.catch_warnings()
        quiet.__enter__()
        self.addCleanup(quiet.__exit__, None, None, None)
        warnings.filterwarnings("ignore", message="Using padding='same' with even kernel")
        n, c = 2, 3
        worst = 0.0
        for seed, (k, levels, bias, h, w, naming) in enumerate(self.CASES):
            with self.subTest(k=k, levels=levels, bias=bias, h=h, w=w, naming=naming):
                module = random_module(c, k, levels, bias, seed)
                path = write_model(self.path(f"m{seed}.safetensors"), module, naming)
                layer = ex.load_layer(path)
                self.assertEqual((layer.channels, layer.kernel, layer.levels, layer.has_bias),
                                 (c, k, levels, bias))
                stage = ex.DepthwiseStage(layer)
                x = np.random.default_rng(seed).standard_normal((n, c, h, w))
                got, outs = run_split(stage, x, levels)
                with torch.no_grad():
                    want = copy.deepcopy(module).double()(torch.from_numpy(x)).numpy()
                err = relative_error(got, want)
                worst = max(worst, err)
                self.assertLess(err, 1e-5, f"relative error {err:.2e}")
                # the stage's outputs have the shapes describe() promises
                spec = ex.describe(layer, n, c, h, w)
                self.assertEqual([list(o.shape) for o in outs],
                                 [s["shape"] for s in spec["outputs"]])
        print(f"\n  float32 stage in the float64 cascade, max relative error vs. reference: "
              f"{worst:.2e}", file=sys.stderr)

    def test_base_is_scale_times_conv_plus_bias(self):
        # Closed form: a 1x1 kernel, so base = scale * (w * x + b) elementwise.
        c = 2
        module = random_module(c, 1, 1, True, 7)
        layer = ex.load_layer(write_model(self.path("k1.safetensors"), module))
        x = np.random.default_rng(1).standard_normal((1, c, 4, 5))
        coeffs = forward_cascade(x, 1)
        with torch.no_grad():
            base = ex.DepthwiseStage(layer)(torch.from_numpy(x).float(),
                                            torch.from_numpy(coeffs[0]).float())[0]
        p = {k: v.detach().double().numpy() for k, v in module.state_dict().items()}
        want = (p["base_scale.weight"].reshape(1, c, 1, 1)
                * (p["base_conv.weight"].reshape(1, c, 1, 1) * x
                   + p["base_conv.bias"].reshape(1, c, 1, 1)))
        self.assertLess(relative_error(base.double().numpy(), want), 1e-6)

    def test_traced_module_equals_eager(self):
        module = random_module(3, 4, 3, True, 11)
        layer = ex.load_layer(write_model(self.path("t.safetensors"), module))
        stage = ex.DepthwiseStage(layer)
        spec = ex.describe(layer, 2, 3, 13, 9)
        traced, inputs = ex.trace(stage, spec)
        with torch.no_grad():
            eager, again = stage(*inputs), traced(*inputs)
        self.assertEqual(len(again), 1 + layer.levels)
        for a, b in zip(eager, again):
            self.assertTrue(torch.equal(a, b))

    def test_naming_schemes_and_storage_dtypes_load_the_same_layer(self):
        module = random_module(3, 5, 2, True, 3)
        loaded = {}
        for naming in ("reference", "fast", "fast_alt"):
            loaded[naming] = ex.load_layer(write_model(self.path(f"{naming}.safetensors"),
                                                       module, naming))
        for layer in loaded.values():
            ref = loaded["reference"]
            np.testing.assert_array_equal(layer.base_weight, ref.base_weight)
            np.testing.assert_array_equal(layer.base_bias, ref.base_bias)
            np.testing.assert_array_equal(layer.base_scale, ref.base_scale)
            for i in range(2):
                np.testing.assert_array_equal(layer.wavelet_weight[i], ref.wavelet_weight[i])
                np.testing.assert_array_equal(layer.wavelet_scale[i], ref.wavelet_scale[i])
        # F16 / BF16 files (Haar filters rounded too) load to the rounded values
        for dtype in (torch.float16, torch.bfloat16):
            layer = ex.load_layer(write_model(self.path("low.safetensors"), module,
                                              dtype=dtype))
            want = module.base_conv.weight.detach().to(dtype).float().numpy()[:, 0]
            np.testing.assert_array_equal(layer.base_weight, want)

    def test_fp16_compute_estimate(self):
        """Emulates a float16 Core ML model by rounding; prints the cost, checks the claim."""
        worst_storage = worst_arith = 0.0
        for seed, (c, k, levels, h, w) in enumerate([(4, 5, 2, 31, 29), (3, 7, 3, 24, 20)]):
            module = random_module(c, k, levels, True, 100 + seed)
            layer = ex.load_layer(write_model(self.path(f"h{seed}.safetensors"), module))
            stage = ex.DepthwiseStage(layer)
            x = np.random.default_rng(seed).standard_normal((2, c, h, w))
            coeffs = forward_cascade(x, levels)
            with torch.no_grad():
                want = copy.deepcopy(module).double()(torch.from_numpy(x)).numpy()
            weights = [stage.base_weight] + [getattr(stage, f"wavelet_weight_{i}")
                                             for i in range(levels)]
            biases = [stage.base_bias] + [None] * levels
            ins = [x] + coeffs
            # (a) fp16 weights, inputs and outputs, float32 accumulation
            outs = [fp16_storage_conv(i, wt, b) for i, wt, b in zip(ins, weights, biases)]
            err = relative_error(inverse_and_sum(x.shape, outs[0], outs[1:]), want)
            worst_storage = max(worst_storage, err)
            # (b) everything in fp16, rounding after every multiply and add
            outs = [fp16_arith_conv(i, wt, b) for i, wt, b in zip(ins, weights, biases)]
            err = relative_error(inverse_and_sum(x.shape, outs[0], outs[1:]), want)
            worst_arith = max(worst_arith, err)
        print(f"\n  fp16 emulation, max relative error vs. float64 reference: fp16 storage with "
              f"fp32 accumulation {worst_storage:.2e}; fp16 arithmetic throughout "
              f"{worst_arith:.2e}", file=sys.stderr)
        self.assertLess(worst_storage, 2e-3)
        self.assertLess(worst_arith, 1e-2)


def _padded(x, k):
    before, after = (k - 1) // 2, k // 2
    return np.pad(x, ((0, 0), (0, 0), (before, after), (before, after)))


def fp16_storage_conv(x, weight, bias):
    """dwconv_same with fp16-rounded operands and result, exact products, fp32 sums."""
    w = weight.numpy()[:, 0].astype(np.float16).astype(np.float32)
    xp = _padded(x.astype(np.float16).astype(np.float32), w.shape[-1])
    n, c, h, wd = x.shape
    out = np.zeros((n, c, h, wd), np.float32)
    for dy in range(w.shape[-1]):
        for dx in range(w.shape[-1]):
            out += w[None, :, dy, dx, None, None] * xp[:, :, dy:dy + h, dx:dx + wd]
    if bias is not None:
        out += bias.numpy().astype(np.float16).astype(np.float32)[None, :, None, None]
    return out.astype(np.float16).astype(np.float64)


def fp16_arith_conv(x, weight, bias):
    """dwconv_same in float16 arithmetic: every product and partial sum rounded to fp16."""
    w = weight.numpy()[:, 0].astype(np.float16)
    xp = _padded(x.astype(np.float16), w.shape[-1])
    n, c, h, wd = x.shape
    out = np.zeros((n, c, h, wd), np.float16)
    for dy in range(w.shape[-1]):
        for dx in range(w.shape[-1]):
            out = out + w[None, :, dy, dx, None, None] * xp[:, :, dy:dy + h, dx:dx + wd]
    if bias is not None:
        out = out + bias.numpy().astype(np.float16)[None, :, None, None]
    return out.astype(np.float64)


# ---- The contract: names, shapes, metadata ----------------------------------------------------

class Describe(TempDirTest):
    def test_names_shapes_metadata_at_odd_sizes(self):
        module = random_module(3, 4, 4, False, 1)
        layer = ex.load_layer(write_model(self.path("net.safetensors"), module))
        spec = ex.describe(layer, 2, 3, 13, 11, precision="fp16")
        # 13x11 -> 7x6 -> 4x3 -> 2x2 -> 1x1 (each level rounds up)
        halves = [(7, 6), (4, 3), (2, 2), (1, 1)]
        self.assertEqual(spec["inputs"],
                         [{"name": "x", "shape": [2, 3, 13, 11], "dtype": "float32"}]
                         + [{"name": f"coeffs_{i}", "shape": [2, 12, hh, hw], "dtype": "float32"}
                            for i, (hh, hw) in enumerate(halves)])
        self.assertEqual(spec["outputs"],
                         [{"name": "base", "shape": [2, 3, 13, 11], "dtype": "float32"}]
                         + [{"name": f"filtered_{i}", "shape": [2, 12, hh, hw],
                             "dtype": "float32"} for i, (hh, hw) in enumerate(halves)])
        self.assertEqual(spec["metadata"], {
            "wtconv.format": "1", "wtconv.batch": "2", "wtconv.channels": "3",
            "wtconv.height": "13", "wtconv.width": "11", "wtconv.kernel": "4",
            "wtconv.levels": "4", "wtconv.stride": "1", "wtconv.bias": "0",
            "wtconv.precision": "fp16", "wtconv.layer": "", "wtconv.source": "net.safetensors"})
        self.assertTrue(all(isinstance(v, str) for v in spec["metadata"].values()))

    def test_single_pixel_stays_one_by_one(self):
        layer = ex.load_layer(write_model(self.path("p.safetensors"), random_module(1, 3, 3,
                                                                                    True, 2)))
        spec = ex.describe(layer, 1, 1, 1, 1)
        self.assertEqual([s["shape"] for s in spec["inputs"]], [[1, 1, 1, 1]] + [[1, 4, 1, 1]] * 3)

    def test_stride_precedence(self):
        module = random_module(2, 3, 1, True, 4)
        with_meta = ex.load_layer(write_model(self.path("s.safetensors"), module,
                                              metadata={"stride": "2"}))
        without = ex.load_layer(write_model(self.path("n.safetensors"), module))

        def stride(layer, option):
            return ex.describe(layer, 1, 2, 8, 8, option)["metadata"]["wtconv.stride"]
        self.assertEqual(stride(with_meta, None), "2")    # the file's
        self.assertEqual(stride(with_meta, 3), "3")       # the option wins
        self.assertEqual(stride(without, None), "1")      # default
        self.assertEqual(stride(without, 4), "4")
        self.assertExportError(lambda: stride(without, 0), "--stride is 0")
        for bad in ("2x", "0", "", "-1", "99999999999"):
            with self.subTest(metadata=bad):
                path = write_model(self.path("b.safetensors"), module, metadata={"stride": bad})
                self.assertExportError(lambda: ex.load_layer(path), 'metadata "stride"')

    def test_bad_shapes_and_precision(self):
        layer = ex.load_layer(write_model(self.path("c.safetensors"), random_module(3, 3, 1,
                                                                                    True, 5)))
        self.assertExportError(lambda: ex.describe(layer, 1, 5, 8, 8),
                               "--channels is 5 but the model's layer has C=3")
        self.assertExportError(lambda: ex.describe(layer, 0, 3, 8, 8), "--batch is 0")
        self.assertExportError(lambda: ex.describe(layer, 1, 3, 0, 8), "--height is 0")
        self.assertExportError(lambda: ex.describe(layer, 1, 3, 8, 2**30 + 1), "width",
                               "too large")
        self.assertExportError(lambda: ex.describe(layer, 1, 3, 8, 8, precision="int8"),
                               "precision 'int8'")
        self.assertExportError(lambda: ex.describe(layer, 2**31, 3, 8, 8), "--batch is 2147483648")
        self.assertExportError(lambda: ex.describe(layer, 1, 3, 8, 8, 2**31), "--stride is")

    def test_layer_prefix_fits_the_backends_metadata_limit(self):
        module = random_module(2, 3, 1, True, 5)
        for length, ok in ((255, True), (256, False)):
            prefix = "m" * (length - 1) + "."
            layer = ex.load_layer(write_model(self.path("long.safetensors"), module,
                                              prefix=prefix))
            if ok:
                self.assertEqual(ex.describe(layer, 1, 2, 4, 4)["metadata"]["wtconv.layer"],
                                 prefix)
            else:
                self.assertExportError(lambda: ex.describe(layer, 1, 2, 4, 4), "256 bytes",
                                       "at most 255")


def fake_spec(inputs, outputs):
    """A stand-in for a Core ML Model protobuf: description.input/output features."""
    def feature(name, shape, data_type=65568):
        array = types.SimpleNamespace(shape=shape, dataType=data_type)
        return types.SimpleNamespace(name=name, type=types.SimpleNamespace(multiArrayType=array))
    return types.SimpleNamespace(description=types.SimpleNamespace(
        input=[feature(*f) for f in inputs], output=[feature(*f) for f in outputs]))


class InterfaceCheck(TempDirTest):
    def test_converted_interface_must_match_the_contract(self):
        layer = ex.load_layer(write_model(self.path("m.safetensors"),
                                          random_module(2, 3, 1, True, 1)))
        spec = ex.describe(layer, 1, 2, 5, 3)
        good_in = [("x", [1, 2, 5, 3]), ("coeffs_0", [1, 8, 3, 2])]
        good_out = [("base", [1, 2, 5, 3]), ("filtered_0", [])]   # a shape may be unrecorded
        ex.check_interface(fake_spec(good_in, good_out), spec)
        for bad_in, bad_out, needle in [
                (good_in[::-1], good_out, "inputs are ['coeffs_0', 'x']"),
                (good_in, [("base", [1, 2, 5, 3]), ("var_12", [])], "outputs are"),
                (good_in, [("base", [1, 2, 5, 3], 65552), ("filtered_0", [])], "not FLOAT32"),
                ([("x", [1, 2, 3, 5]), ("coeffs_0", [1, 8, 3, 2])], good_out, "has shape")]:
            with self.subTest(needle=needle), self.assertRaises(ex.ConversionError) as cm:
                ex.check_interface(fake_spec(bad_in, bad_out), spec)
            self.assertIn(needle, str(cm.exception))


class FakeCoreMLTools:
    """A stand-in for the coremltools module, to run convert()'s own code here. It checks only
    how convert() calls the API (whose real behaviour the tool cites from coremltools' docs);
    what the Core ML model computes can only be checked on a Mac."""

    def __init__(self):
        self.calls = []
        self.target = enum.IntEnum("target", {"iOS14": 5, "macOS11": 5, "iOS15": 6,
                                              "macOS12": 6, "iOS16": 7, "macOS13": 7,
                                              "iOS17": 8, "macOS14": 8})
        self.precision = enum.Enum("precision", {"FLOAT16": "float16", "FLOAT32": "float32"})
        self.ComputeUnit = enum.Enum("ComputeUnit", "ALL CPU_AND_GPU CPU_ONLY CPU_AND_NE")

    @staticmethod
    def TensorType(name=None, shape=None, dtype=None):
        return types.SimpleNamespace(name=name, shape=shape, dtype=dtype)

    def convert(self, model, **kwargs):
        self.calls.append((model, kwargs))
        inputs = [torch.zeros(t.shape) for t in kwargs["inputs"]]
        with torch.no_grad():
            shapes = [list(o.shape) for o in model(*inputs)]
        features_in = [(t.name, list(t.shape)) for t in kwargs["inputs"]]
        features_out = [(t.name, shape) for t, shape in zip(kwargs["outputs"], shapes)]
        return FakeMLModel(fake_spec(features_in, features_out))


class FakeMLModel:
    def __init__(self, spec):
        self.spec = spec
        self.user_defined_metadata = {"com.github.apple.coremltools.version": "fake"}
        self.short_description = self.author = ""
        self.input_description = self._descriptions(spec.description.input)
        self.output_description = self._descriptions(spec.description.output)
        self.saved = None

    @staticmethod
    def _descriptions(features):
        class Descriptions(dict):
            def __setitem__(self, key, value):     # as coremltools: unknown names refused
                if key not in [f.name for f in features]:
                    raise AttributeError(f"No feature with name {key}.")
                super().__setitem__(key, value)
        return Descriptions()

    def get_spec(self):
        return self.spec

    def save(self, path):
        os.makedirs(path, exist_ok=True)     # coremltools replaces an existing one
        self.saved = path


class ConvertWithStandIn(TempDirTest):
    def convert(self, fake, layer, spec, **kwargs):
        with unittest.mock.patch.dict(sys.modules, {"coremltools": fake}):
            return ex.convert(layer, spec, self.path("out.mlpackage"), verify=False, **kwargs)

    def test_convert_calls(self):
        module = random_module(2, 4, 2, True, 5)
        layer = ex.load_layer(write_model(self.path("m.safetensors"), module))
        spec = ex.describe(layer, 2, 2, 7, 5, precision="fp16")
        fake = FakeCoreMLTools()
        self.assertIsNone(self.convert(fake, layer, spec, compute_units="CPU_AND_NE"))
        self.assertTrue(os.path.isdir(self.path("out.mlpackage")))
        (traced, kw), = fake.calls
        self.assertEqual(kw["convert_to"], "mlprogram")
        self.assertIs(kw["compute_precision"], fake.precision.FLOAT16)
        self.assertIs(kw["minimum_deployment_target"], fake.target.macOS13)
        self.assertIs(kw["compute_units"], fake.ComputeUnit.CPU_AND_NE)
        self.assertEqual([(t.name, list(t.shape), t.dtype) for t in kw["inputs"]],
                         [("x", [2, 2, 7, 5], np.float32), ("coeffs_0", [2, 8, 4, 3], np.float32),
                          ("coeffs_1", [2, 8, 2, 2], np.float32)])
        self.assertEqual([(t.name, t.dtype) for t in kw["outputs"]],
                         [("base", np.float32), ("filtered_0", np.float32),
                          ("filtered_1", np.float32)])
        # what was traced computes the stage
        inputs = ex.example_inputs(spec, seed=3)
        with torch.no_grad():
            for a, b in zip(traced(*inputs), ex.DepthwiseStage(layer)(*inputs)):
                self.assertTrue(torch.equal(a, b))

    def test_metadata_and_descriptions_are_set(self):
        layer = ex.load_layer(write_model(self.path("m.safetensors"),
                                          random_module(2, 3, 1, False, 5)))
        spec = ex.describe(layer, 1, 2, 4, 4)
        fake = FakeCoreMLTools()
        made = []
        real_convert = fake.convert
        fake.convert = lambda model, **kw: made.append(real_convert(model, **kw)) or made[-1]
        self.convert(fake, layer, spec)
        model = made[0]
        self.assertEqual(model.saved, self.path("out.mlpackage"))
        # ours, next to coremltools' own keys
        self.assertEqual({k: v for k, v in model.user_defined_metadata.items()
                          if k.startswith("wtconv.")}, spec["metadata"])
        self.assertIn("com.github.apple.coremltools.version", model.user_defined_metadata)
        self.assertEqual(sorted(model.input_description), ["coeffs_0", "x"])
        self.assertEqual(sorted(model.output_description), ["base", "filtered_0"])
        self.assertIn("libwtconv", model.short_description)
        self.assertTrue(model.author)

    def test_deployment_targets(self):
        layer = ex.load_layer(write_model(self.path("m.safetensors"),
                                          random_module(2, 3, 1, True, 5)))
        spec = ex.describe(layer, 1, 2, 4, 4)
        self.assertExportError(lambda: self.convert(FakeCoreMLTools(), layer, spec,
                                                    deployment_target="iOS14"), "too old")
        self.assertExportError(lambda: self.convert(FakeCoreMLTools(), layer, spec,
                                                    deployment_target="macOS99"),
                               "not a coremltools target", "macOS13")
        with unittest.mock.patch("sys.stderr", new_callable=io.StringIO) as err:
            self.convert(FakeCoreMLTools(), layer, spec, deployment_target="macOS12")
        self.assertIn("outputBackings", err.getvalue())
        fake = FakeCoreMLTools()
        self.convert(fake, layer, spec, deployment_target="iOS17")
        self.assertIs(fake.calls[0][1]["minimum_deployment_target"], fake.target.iOS17)


# ---- Finding the layer -----------------------------------------------------------------------

class LayerPrefix(TempDirTest):
    def multi_layer_file(self):
        tensors = {}
        for prefix, c, seed in (("", 2, 1), ("a.", 3, 2), ("b.blk.", 5, 3)):
            for name, t in layer_state_dict(random_module(c, 3, 2, True, seed)).items():
                tensors[prefix + name] = t.detach().float().contiguous()
        tensors["head.weight"] = torch.ones(4, 4)
        return save_file(tensors, self.path("net.safetensors")) or self.path("net.safetensors")

    def test_several_layers_need_a_prefix(self):
        path = self.multi_layer_file()
        msg = self.assertExportError(lambda: ex.load_layer(path),
                                     "the file holds 3 WTConv2d layers", "--layer")
        self.assertIn("Layer prefixes found: '', 'a.', 'b.blk.'", msg)
        self.assertEqual(ex.load_layer(path, "b.blk.").channels, 5)
        self.assertEqual(ex.load_layer(path, "a.").channels, 3)
        self.assertEqual(ex.load_layer(path, "").channels, 2)       # the top-level layer
        self.assertExportError(lambda: ex.load_layer(path, "a"),
                               "did you mean 'a.'? Layer prefixes end with '.'. Layer prefixes")
        self.assertExportError(lambda: ex.load_layer(path, "c."), "no WTConv2d layer with prefix "
                               "'c.'", "'a.'")
        spec = ex.describe(ex.load_layer(path, "b.blk."), 1, 5, 6, 6)
        self.assertEqual(spec["metadata"]["wtconv.layer"], "b.blk.")

    def test_stride_belongs_to_one_layer(self):
        tensors = {}
        for prefix, seed in (("a.", 2), ("b.", 3)):
            for name, t in layer_state_dict(random_module(2, 3, 1, True, seed)).items():
                tensors[prefix + name] = t.detach().float().contiguous()

        def stride(metadata, layer, option=None):
            path = self.path("strides.safetensors")
            save_file(tensors, path, metadata)
            return ex.describe(ex.load_layer(path, layer, option), 1, 2, 8, 8,
                               option)["metadata"]["wtconv.stride"]
        per_layer = {"a.stride": "2", "b.stride": "1"}
        self.assertEqual(stride(per_layer, "a."), "2")
        self.assertEqual(stride(per_layer, "b."), "1")
        self.assertEqual(stride(per_layer, "a.", 3), "3")
        self.assertExportError(lambda: stride({"stride": "2"}, "b."),
                               "metadata \"stride\" (2) is one stride for the whole file, but "
                               "the file holds 2 WTConv2d layers", "'b.', which has no "
                               "\"b.stride\" of its own")
        self.assertEqual(stride({"stride": "2"}, "b.", 1), "1")
        self.assertEqual(stride({"stride": "2", "b.stride": "1"}, "b."), "1")
        self.assertEqual(stride({"stride": "x", "a.stride": "2"}, "a."), "2")  # never read
        self.assertEqual(stride({}, "b."), "1")
        self.assertExportError(lambda: stride({"a.stride": "2x"}, "a."),
                               'metadata "a.stride" is "2x"')
        one = write_model(self.path("one.safetensors"), random_module(2, 3, 1, True, 4),
                          prefix="blk.", metadata={"stride": "2"})
        self.assertEqual(ex.load_layer(one).file_stride, 2)     # a file of one layer
        one = write_model(self.path("one.safetensors"), random_module(2, 3, 1, True, 4),
                          prefix="blk.", metadata={"stride": "2", "blk.stride": "3"})
        self.assertExportError(lambda: ex.load_layer(one),
                               'metadata "stride" (2) and "blk.stride" (3) disagree')

    def test_a_prefix_for_a_file_of_one_unprefixed_layer(self):
        path = write_model(self.path("one.safetensors"), random_module(2, 3, 1, True, 5))
        self.assertExportError(lambda: ex.load_layer(path, "x."),
                               "the file holds a single layer, with no prefix", "give no --layer")

    def test_only_layer_is_found_under_its_prefix(self):
        path = write_model(self.path("one.safetensors"), random_module(2, 3, 1, True, 6),
                           naming="fast", prefix="model.stages.0.")
        layer = ex.load_layer(path)
        self.assertEqual(layer.prefix, "model.stages.0.")
        self.assertEqual(ex.describe(layer, 1, 2, 5, 5)["metadata"]["wtconv.layer"],
                         "model.stages.0.")

    def test_anchor_needs_a_dot_before_it(self):
        # 'xbase_weight' is no layer: prefixes end with '.'
        path = write_model(self.path("x.safetensors"), random_module(2, 3, 1, True, 6),
                           naming="fast", prefix="x")
        self.assertExportError(lambda: ex.load_layer(path), "no WTConv2d layer found")

    def test_other_dtypes_outside_the_layer_are_ignored(self):
        entries = {name: ("F32", list(t.shape), t.float().numpy().astype("<f4").tobytes())
                   for name, t in layer_state_dict(random_module(2, 3, 1, True, 8)).items()}
        entries["bn.num_batches_tracked"] = ("I64", [], struct.pack("<q", 7))
        write_raw(self.path("i.safetensors"), entries)
        self.assertEqual(ex.load_layer(self.path("i.safetensors")).channels, 2)
        entries["base_conv.bias"] = ("I32", [2], struct.pack("<2i", 1, 2))
        write_raw(self.path("j.safetensors"), entries)
        self.assertExportError(lambda: ex.load_layer(self.path("j.safetensors")),
                               "tensor 'base_conv.bias' has dtype I32")


# ---- Refusing bad models -----------------------------------------------------------------------

class BadModels(TempDirTest):
    def state(self, levels=2, bias=True):
        return {k: v.detach().float().clone()
                for k, v in layer_state_dict(random_module(3, 3, levels, bias, 9)).items()}

    def refused(self, tensors, *needles, metadata=None):
        path = self.path("bad.safetensors")
        save_file(tensors, path, metadata)
        return self.assertExportError(lambda: ex.load_layer(path), *needles)

    def test_non_haar_filters(self):
        for key in ("wt_filter", "iwt_filter"):
            t = self.state()
            t[key][1, 0, 0, 1] = 0.3
            self.refused(t, f"tensor '{key}' is not the Haar filter bank (channel 1, tap (0,1) "
                            "is 0.3)", "Haar/db1")
        t = self.state()
        t["wt_filter"] = t["wt_filter"][:, :, :1]
        self.refused(t, "tensor 'wt_filter' has shape [12,1,1,2]; expected [12,1,2,2]")

    def test_non_finite_weights(self):
        t = self.state()
        t["wavelet_convs.1.weight"].view(-1)[7] = float("nan")
        self.refused(t, "tensor 'wavelet_convs.1.weight' holds a non-finite value (NaN) at "
                        "element 7")
        t = self.state()
        t["base_scale.weight"].view(-1)[2] = float("inf")
        self.refused(t, "tensor 'base_scale.weight' holds a non-finite value (Inf) at element 2")

    def test_missing_tensors(self):
        t = self.state()
        del t["wavelet_scale.1.weight"]
        self.refused(t, "missing tensor 'wavelet_scale.1.weight' (level 1 of 2)")
        t = self.state()
        del t["wavelet_convs.0.weight"]
        self.refused(t, "missing tensor 'wavelet_convs.0.weight' (level 0 of 2)")
        t = self.state()
        del t["base_scale.weight"]
        self.refused(t, "missing tensor 'base_scale.weight'")
        t = {k: v for k, v in self.state().items() if not k.startswith("wavelet")}
        self.refused(t, "the layer has no wavelet levels")

    def test_bad_shapes_duplicates_and_depth(self):
        t = self.state()
        t["base_conv.bias"] = torch.zeros(4)
        self.refused(t, "tensor 'base_conv.bias' has shape [4]; expected [3]")
        t = self.state()
        t["wavelet_convs.1.weight"] = torch.zeros(12, 1, 5, 5)
        self.refused(t, "tensor 'wavelet_convs.1.weight' has shape [12,1,5,5]; expected "
                        "[12,1,3,3]")
        t = self.state()
        t["base_conv.weight"] = torch.zeros(3, 1, 3, 2)
        self.refused(t, "a depthwise kernel must be [C,1,k,k]")
        t = self.state()
        t["base_weight"] = t["base_conv.weight"].clone()
        self.refused(t, "tensors 'base_conv.weight' and 'base_weight' both give the base kernel")
        t = self.state()
        t["wt_scales.1"] = t["wavelet_scale.1.weight"].clone()
        self.refused(t, "both give the wavelet scale of one level")
        t = self.state()
        t["wavelet_convs.40.weight"] = t["wavelet_convs.0.weight"].clone()
        self.refused(t, "tensor 'wavelet_convs.40.weight': level index too large")
        t = self.state()    # a non-canonical index names nothing: level 1 is then missing
        t["wavelet_convs.01.weight"] = t.pop("wavelet_convs.1.weight")
        self.refused(t, "missing tensor 'wavelet_convs.1.weight'")

    def test_broken_files(self):
        path = write_model(self.path("ok.safetensors"), random_module(2, 3, 1, True, 1))
        with open(path, "rb") as f:
            blob = f.read()
        with open(self.path("cut.safetensors"), "wb") as f:
            f.write(blob[:-8])
        self.assertExportError(lambda: ex.load_layer(self.path("cut.safetensors")),
                               "file truncated?")
        with open(self.path("tiny.safetensors"), "wb") as f:
            f.write(b"abc")
        self.assertExportError(lambda: ex.load_layer(self.path("tiny.safetensors")),
                               "8-byte header length")
        self.assertExportError(lambda: ex.load_layer(self.path("absent.safetensors")),
                               "cannot read")


# ---- Command line --------------------------------------------------------------------------------

class CommandLine(TempDirTest):
    def cli(self, *args):
        return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                              timeout=120)

    def test_describe(self):
        path = write_model(self.path("demo.safetensors"), random_module(4, 5, 2, True, 3),
                           metadata={"stride": "2"})
        r = self.cli("--model", path, "--channels", "4", "--height", "9", "--width", "7",
                     "--batch", "2", "--precision", "fp16", "--describe")
        self.assertEqual(r.returncode, 0, r.stderr)
        report = json.loads(r.stdout)
        self.assertEqual([s["name"] for s in report["inputs"]], ["x", "coeffs_0", "coeffs_1"])
        self.assertEqual([s["shape"] for s in report["outputs"]],
                         [[2, 4, 9, 7], [2, 16, 5, 4], [2, 16, 3, 2]])
        self.assertEqual(report["metadata"]["wtconv.stride"], "2")
        self.assertEqual(report["metadata"]["wtconv.precision"], "fp16")
        self.assertEqual(report["conversion"], {
            "output": os.path.join(self.dir, "demo_2x4x9x7_fp16.mlpackage"),
            "compute_precision": "FLOAT16", "minimum_deployment_target": "macOS13",
            "compute_units": "ALL"})

    def test_errors_exit_2_naming_the_problem(self):
        path = write_model(self.path("m.safetensors"), random_module(4, 3, 1, True, 3))
        r = self.cli("--model", path, "--channels", "3", "--height", "9", "--width", "7",
                     "--describe")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--channels is 3 but the model's layer has C=4", r.stderr)
        r = self.cli("--model", path, "--channels", "4", "--height", "9", "--width", "7",
                     "--output", self.path("m.mlmodel"), "--describe")
        self.assertEqual(r.returncode, 2)
        self.assertIn("must end with .mlpackage", r.stderr)
        tensors = {}
        for prefix in ("p.", "q."):
            tensors.update({prefix + k: v.detach().float().contiguous() for k, v in
                            layer_state_dict(random_module(4, 3, 1, True, 3)).items()})
        save_file(tensors, self.path("two.safetensors"))
        r = self.cli("--model", self.path("two.safetensors"), "--channels", "4", "--height",
                     "9", "--width", "7", "--describe")
        self.assertEqual(r.returncode, 2)
        self.assertIn("Layer prefixes found: 'p.', 'q.'", r.stderr)
        r = self.cli("--model", self.path("two.safetensors"), "--layer", "q.", "--channels",
                     "4", "--height", "9", "--width", "7", "--describe")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["conversion"]["output"],
                         os.path.join(self.dir, "two_q_1x4x9x7_fp32.mlpackage"))

    @unittest.skipIf(importlib.util.find_spec("coremltools") is not None,
                     "coremltools is installed here")
    def test_conversion_without_coremltools_says_what_to_install(self):
        path = write_model(self.path("m.safetensors"), random_module(4, 3, 1, True, 3))
        r = self.cli("--model", path, "--channels", "4", "--height", "9", "--width", "7",
                     "--output", self.path("m.mlpackage"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("needs coremltools; run on a Mac: pip install coremltools torch", r.stderr)
        self.assertFalse(os.path.exists(self.path("m.mlpackage")))


if __name__ == "__main__":
    unittest.main()
