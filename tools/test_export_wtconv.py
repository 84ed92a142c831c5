#!/usr/bin/env python3
"""Tests of tools/export_wtconv.py: each layer's stride is written as its own
__metadata__ "<prefix>stride", and no request can give one layer another's stride.

The truth is the strides the modules were built with (a small network of
wtconv_reference.WTConv2d layers), read back from the written file with safetensors_io.

Run:  /usr/bin/python3 tools/test_export_wtconv.py     (exit status 0 = all passed)
"""
import os
import subprocess
import sys
import tempfile
import unittest

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from safetensors_io import load_file  # noqa: E402

SCRIPT = os.path.join(HERE, "export_wtconv.py")

# A network of two WTConv2d layers with different strides, in a module of its own so that a
# pickled instance can be loaded by the exporter's process (through PYTHONPATH).
NET_MODULE = '''
import torch.nn as nn
from wtconv_reference import WTConv2d


class Block(nn.Module):
    def __init__(self, c, stride):
        super().__init__()
        self.dwconv = WTConv2d(c, c, 3, stride=stride, wt_levels=1)
        self.pwconv = nn.Conv2d(c, c, 1)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3)
        self.stages = nn.ModuleList([Block(4, 1), Block(4, 2)])
'''

S0, S1 = "stages.0.dwconv.", "stages.1.dwconv."


class ExportStrides(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        with open(os.path.join(self.dir, "tiny_net.py"), "w") as f:
            f.write(NET_MODULE)
        sys.path.insert(0, self.dir)
        import tiny_net
        torch.manual_seed(0)
        net = tiny_net.Net()
        self.pickled = os.path.join(self.dir, "net.pth")
        torch.save(net, self.pickled)
        self.state_dict = os.path.join(self.dir, "net_sd.pth")
        torch.save(net.state_dict(), self.state_dict)
        sys.path.remove(self.dir)

    def tearDown(self):
        self.tmp.cleanup()

    def export(self, *args, expect_ok=True):
        out = os.path.join(self.dir, "out.safetensors")
        if os.path.exists(out):
            os.remove(out)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([self.dir, HERE]))
        r = subprocess.run([sys.executable, SCRIPT, "--output", out, *args],
                           capture_output=True, text=True, env=env, timeout=120)
        if expect_ok:
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            return load_file(out)[1], r.stdout
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertFalse(os.path.exists(out), "a refused export must write nothing")
        return None, r.stderr

    def test_pickled_module_gives_each_layer_its_stride(self):
        metadata, out = self.export("--checkpoint", self.pickled)
        self.assertEqual(metadata, {S0 + "stride": "1", S1 + "stride": "2"})
        self.assertIn("stride=2 (from the pickled module)", out)

    def test_pickled_module_one_layer(self):
        metadata, _ = self.export("--checkpoint", self.pickled, "--prefix", S1)
        self.assertEqual(metadata, {S1 + "stride": "2"})

    def test_file_wide_stride_for_several_layers_is_refused(self):
        for checkpoint in (self.pickled, self.state_dict):
            with self.subTest(checkpoint=os.path.basename(checkpoint)):
                _, err = self.export("--checkpoint", checkpoint, "--stride", "2",
                                     expect_ok=False)
                self.assertIn("--stride 2 gives one layer's stride, but the output holds 2 "
                              "WTConv2d layers", err)
                self.assertIn("--layer-stride PREFIX=S", err)
                self.assertIn(repr(S1), err)

    def test_state_dict_with_layer_strides(self):
        metadata, out = self.export("--checkpoint", self.state_dict, "--layer-stride", S1 + "=2")
        self.assertEqual(metadata, {S1 + "stride": "2"})
        self.assertIn("no stride recorded for 1 of 2 layers", out)
        metadata, _ = self.export("--checkpoint", self.state_dict, "--layer-stride", S0 + "=1",
                                  "--layer-stride", S1 + "=2")
        self.assertEqual(metadata, {S0 + "stride": "1", S1 + "stride": "2"})

    def test_state_dict_one_layer_with_stride(self):
        metadata, _ = self.export("--checkpoint", self.state_dict, "--prefix", S0, "--stride", "3")
        self.assertEqual(metadata, {S0 + "stride": "3"})

    def test_state_dict_records_no_stride_it_does_not_know(self):
        metadata, out = self.export("--checkpoint", self.state_dict)
        self.assertEqual(metadata, {})
        self.assertIn("no stride recorded for 2 of 2 layers", out)

    def test_layer_stride_overrides_the_module_with_a_note(self):
        metadata, out = self.export("--checkpoint", self.pickled, "--layer-stride", S1 + "=4")
        self.assertEqual(metadata, {S0 + "stride": "1", S1 + "stride": "4"})
        self.assertIn("replaces the module's stride 2", out)

    def test_layer_stride_of_no_layer_is_refused(self):
        _, err = self.export("--checkpoint", self.state_dict, "--layer-stride",
                             "stages.1.dwconv=2", expect_ok=False)
        self.assertIn("no WTConv2d layer with prefix 'stages.1.dwconv' in the output", err)
        self.assertIn("did you mean 'stages.1.dwconv.'?", err)
        _, err = self.export("--checkpoint", self.state_dict, "--layer-stride", S1 + "=0",
                             expect_ok=False)
        self.assertIn("expected PREFIX=S with 1 <= S <= ", err)

    def test_what_the_library_would_refuse_is_not_written(self):
        _, err = self.export("--demo", "4,3,1", "--stride", str(2**31), expect_ok=False)
        self.assertIn("--stride must be 1..2147483647", err)
        _, err = self.export("--demo", "4,0,1", expect_ok=False)
        self.assertIn("C must be >= 1, K 1..255 and L 1..32", err)
        _, err = self.export("--demo", "4,3,33", expect_ok=False)
        self.assertIn("C must be >= 1, K 1..255 and L 1..32", err)
        # A value finite in float32 but not in float16.
        big = os.path.join(self.dir, "big.pth")
        torch.save({"base_conv.weight": torch.full((2, 1, 3, 3), 1e5)}, big)
        _, err = self.export("--checkpoint", big, "--dtype", "f16", expect_ok=False)
        self.assertIn("base_conv.weight: element 0 (100000) is not finite in f16", err)
        _, err = self.export("--checkpoint", os.path.join(self.dir, "missing.pth"),
                             expect_ok=False)
        self.assertIn("missing.pth: cannot read it: No such file or directory", err)

    def test_demo_single_unprefixed_layer_keeps_plain_stride(self):
        metadata, _ = self.export("--demo", "4,3,1", "--stride", "2")
        self.assertEqual(metadata, {"stride": "2"})
        metadata, _ = self.export("--demo", "4,3,1")
        self.assertEqual(metadata, {})


if __name__ == "__main__":
    unittest.main()
