#!/usr/bin/env python3
"""Export one WTConv2d layer of a libwtconv safetensors file to a Core ML .mlpackage.

libwtconv's Apple backend runs a layer as: Haar forward cascade (Metal) -> this Core ML model,
which holds every depthwise convolution of the layer -> inverse cascade and sum (Metal). The
model is built for one fixed shape N x C x H x W.

Model contract (the C side depends on it exactly; all tensors float32, NCHW, contiguous):
  inputs   x           [N, C, H, W]
           coeffs_i    [N, 4C, hh_i, hw_i]  i = 0..L-1, channel 4c+s = subband s of channel c
                       h_0 = H, w_0 = W, hh_i = ceil(h_i/2), hw_i = ceil(w_i/2),
                       h_{i+1} = hh_i, w_{i+1} = hw_i
  outputs  base        [N, C, H, W]         base_scale * (dwconv_same(x, base_conv) + base_bias)
           filtered_i  [N, 4C, hh_i, hw_i]  wavelet_scale_i * dwconv_same(coeffs_i, wavelet_convs_i)
  dwconv_same: depthwise cross-correlation, zero padding (k-1)//2 before and k//2 after (PyTorch's
  padding='same'). No stride: the C side applies it when it writes the final output.
  user-defined metadata (strings): wtconv.format "1", wtconv.batch, wtconv.channels,
  wtconv.height, wtconv.width, wtconv.kernel, wtconv.levels, wtconv.stride, wtconv.bias ("1"/"0"),
  wtconv.precision ("fp32"/"fp16"), wtconv.layer (key prefix, "" for none), wtconv.source (the
  safetensors file's base name). coremltools adds its own com.github.apple.coremltools.* keys.

Examples (the conversion needs coremltools, so a Mac: pip install coremltools torch):
  python3 tools/export_wtconv_coreml.py --model examples/demo_wtconv.safetensors \\
      --channels 32 --height 64 --width 64
  python3 tools/export_wtconv_coreml.py --model net.safetensors --layer stages.2.blocks.0.dwconv. \\
      --channels 384 --height 14 --width 14 --batch 8 --precision fp16 --output blk.mlpackage
  /usr/bin/python3 tools/export_wtconv_coreml.py --model m.safetensors --channels 32 \\
      --height 64 --width 64 --describe      # no coremltools needed: prints what it would write

Exit status: 0 on success, 2 for bad input (the message names the problem), 1 when coremltools
is missing or the converted model fails its check.
"""
import argparse
import json
import math
import os
import re
import struct
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# The C loader's limits (src/model/model.h, src/plan/plan.h); kept equal so that a model this
# tool writes is one the C library accepts.
MAX_LEVELS = 32
MAX_KERNEL = 255
MAX_SIDE = 1 << 30
MAX_CHANNELS = (2**31 - 1) // 4
INT_MAX = 2**31 - 1
# The Apple backend reads metadata values of at most this many bytes (src/apple/coreml_meta.h).
MAX_METADATA_VALUE = 255
# 1e-3 admits the fp16/bf16 roundings of the Haar taps 0.5 and nothing else (as model.c).
HAAR_TOLERANCE = 1e-3

FORMAT_VERSION = "1"
PRECISIONS = {"fp32": "FLOAT32", "fp16": "FLOAT16"}          # -> ct.precision member
COMPUTE_UNITS = ("ALL", "CPU_ONLY", "CPU_AND_GPU", "CPU_AND_NE")  # ct.ComputeUnit members
DEFAULT_TARGET = "macOS13"


class ExportError(Exception):
    """Bad input: the message names the problem. The command line exits with status 2."""


class MissingCoreMLTools(Exception):
    """coremltools cannot be imported. The command line exits with status 1."""


class ConversionError(Exception):
    """The converted model breaks the contract. The command line exits with status 1."""


# ---- Reading the safetensors file ------------------------------------------------------------
#
# Not safetensors_io.load_file: that decodes every tensor and stops at dtypes it does not know,
# while the C loader (src/model/safetensors.c) only checks the header of tensors it does not use
# (a whole network's file may hold integer buffers) and names the problem when a file is bad.

_DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "F8_E4M3": 1, "F8_E5M2": 1,
                "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U64": 8, "U32": 4, "U16": 2, "U8": 1,
                "BOOL": 1}
_WEIGHT_DTYPES = ("F32", "F16", "BF16")
_MAX_HEADER = 100 * 1024 * 1024


class SafetensorsFile:
    """Header of a safetensors file plus its data section; tensors are decoded on demand."""

    def __init__(self, path):
        self.path = path
        try:
            with open(path, "rb") as f:
                blob = f.read()
        except OSError as err:
            raise ExportError(f"cannot read '{path}': {err.strerror or err}")
        if len(blob) < 8:
            raise ExportError(f"'{path}' is {len(blob)} bytes; a safetensors file starts with an "
                              "8-byte header length")
        (n,) = struct.unpack("<Q", blob[:8])
        if n < 2 or n > min(len(blob) - 8, _MAX_HEADER):
            raise ExportError(f"'{path}': header length {n} (bytes 0..7) is impossible for a "
                              f"{len(blob)}-byte file")
        try:
            header = json.loads(blob[8:8 + n].decode("utf-8"),
                                object_pairs_hook=_refuse_duplicate_keys)
        except (UnicodeDecodeError, ValueError) as err:
            raise ExportError(f"'{path}': header is not valid JSON: {err}")
        if not isinstance(header, dict):
            raise ExportError(f"'{path}': header is not a JSON object")
        self.data = memoryview(blob)[8 + n:]
        self.metadata = self._parse_metadata(header.pop("__metadata__", {}))
        self.entries = {name: self._parse_entry(name, info) for name, info in header.items()}

    def _parse_metadata(self, meta):
        if not isinstance(meta, dict):
            raise ExportError(f"'{self.path}': \"__metadata__\" must be an object")
        for key, value in meta.items():
            if not isinstance(value, str):
                raise ExportError(f"'{self.path}': \"__metadata__\" value of '{key}' is not a "
                                  "string")
        return meta

    def _parse_entry(self, name, info):
        def bad(what):
            return ExportError(f"'{self.path}': header entry '{name}': {what}")
        if not isinstance(info, dict):
            raise bad("is not an object")
        dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if not isinstance(dtype, str):
            raise bad("has no string \"dtype\"")
        if not isinstance(shape, list) or not all(_is_count(d) for d in shape):
            raise bad("\"shape\" is not a list of non-negative integers")
        if (not isinstance(offsets, list) or len(offsets) != 2
                or not all(_is_count(v) for v in offsets)):
            raise bad("\"data_offsets\" is not [begin, end]")
        begin, end = offsets
        if end < begin:
            raise bad(f"data_offsets [{begin}, {end}] end before they begin")
        if end > len(self.data):
            raise bad(f"data_offsets end at byte {end} of the data section, past its end "
                      f"({len(self.data)} bytes; file truncated?)")
        if dtype in _DTYPE_BYTES:
            need = math.prod(shape) * _DTYPE_BYTES[dtype]
            if need != end - begin:
                raise bad(f"{dtype} shape {shape} needs {need} bytes but data_offsets "
                          f"[{begin}, {end}] hold {end - begin}")
        return {"dtype": dtype, "shape": tuple(shape), "begin": begin, "end": end}

    def floats(self, name):
        """The tensor's values as float32 (F32, F16 and BF16 only), in its stored shape."""
        e = self.entries[name]
        if e["dtype"] not in _WEIGHT_DTYPES:
            raise ExportError(f"tensor '{name}' has dtype {e['dtype']}; weights must be F32, F16 "
                              "or BF16")
        raw = self.data[e["begin"]:e["end"]]
        if e["dtype"] == "F32":
            values = np.frombuffer(raw, dtype="<f4").astype(np.float32)
        elif e["dtype"] == "F16":
            values = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        else:  # BF16: the high half of a float32
            values = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        return values.reshape(e["shape"])


def _is_count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _refuse_duplicate_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"key '{key}' appears twice")
        seen[key] = value
    return seen


# ---- Parameter names (mirrors src/model/param_names.c) ----------------------------------------

ANCHOR_KEYS = ("base_conv.weight", "base_weight")
_PLAIN_NAMES = {
    "base_conv.weight": "base_weight", "base_weight": "base_weight",
    "base_conv.bias": "base_bias", "base_bias": "base_bias",
    "base_scale.weight": "base_scale", "base_scale": "base_scale",
    "wt_filter": "wt_filter", "iwt_filter": "iwt_filter", "stride_filter": "stride_filter",
}
# (prefix, suffix, kind) of per-level names; the level index sits between them.
_LEVEL_NAMES = (
    ("wavelet_convs.", ".weight", "wavelet_weight"), ("wt_weights.", "", "wavelet_weight"),
    ("wavelet_scale.", ".weight", "wavelet_scale"), ("wt_scales.", "", "wavelet_scale"),
    ("wavelet_scales.", "", "wavelet_scale"),
)
_DESCRIPTIONS = {
    "base_weight": "base kernel", "base_bias": "base bias", "base_scale": "base scale",
    "wavelet_weight": "wavelet kernel", "wavelet_scale": "wavelet scale",
    "wt_filter": "wavelet analysis filter", "iwt_filter": "wavelet synthesis filter",
}
# A canonical decimal index, as PyTorch writes it: no sign, no leading zeros.
_INDEX = re.compile(r"(0|[1-9][0-9]*)")


def classify_param(key):
    """(kind, level) of the key that follows a layer prefix; kind None for unrelated keys."""
    if key in _PLAIN_NAMES:
        return _PLAIN_NAMES[key], None
    for prefix, suffix, kind in _LEVEL_NAMES:
        if not key.startswith(prefix) or not key.endswith(suffix):
            continue
        index = key[len(prefix):len(key) - len(suffix)]
        if _INDEX.fullmatch(index):
            if int(index) >= MAX_LEVELS:
                raise ExportError(f"level index too large (at most {MAX_LEVELS} levels "
                                  "supported)")
            return kind, int(index)
    return None, None


def anchor_prefix(name):
    """The layer prefix if `name` is <prefix><anchor key> (prefix empty or ending in '.')."""
    for key in ANCHOR_KEYS:
        if name.endswith(key):
            prefix = name[:len(name) - len(key)]
            if prefix == "" or prefix.endswith("."):
                return prefix
    return None


def layer_prefixes(names):
    """Every distinct layer prefix among tensor names, sorted."""
    return sorted({p for p in (anchor_prefix(n) for n in names) if p is not None})


def _listing(prefixes):
    shown = ", ".join(repr(p) for p in prefixes[:8])
    if len(prefixes) > 8:
        shown += f", ... ({len(prefixes)} in all)"
    return shown or "none"


# ---- Loading and validating one layer (mirrors src/model/model.c) ----------------------------

class WTConvLayer:
    """One validated WTConv2d layer; arrays are float32 as the C loader reads them."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    @property
    def has_bias(self):
        return self.base_bias is not None


def _expect_shape(name, got, want, layout):
    if tuple(got) != tuple(want):
        raise ExportError(f"tensor '{name}' has shape [{','.join(map(str, got))}]; expected "
                          f"{layout}")


def _finite(name, values):
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        i = int(bad[0])
        kind = "NaN" if np.isnan(values.flat[i]) else "Inf"
        raise ExportError(f"tensor '{name}' holds a non-finite value ({kind}) at element {i}")
    return values


def _check_haar(name, taps, channels):
    signs = np.array([[1, 1, 1, 1], [1, 1, -1, -1], [1, -1, 1, -1], [1, -1, -1, 1]], np.float64)
    taps = taps.reshape(channels, 4, 4).astype(np.float64)
    ok = np.abs(taps - 0.5 * signs[None]) <= HAAR_TOLERANCE   # NaN compares false: refused too
    if not ok.all():
        c, s, tap = (int(v) for v in np.argwhere(~ok)[0])
        raise ExportError(f"tensor '{name}' is not the Haar filter bank (channel {4 * c + s}, "
                          f"tap ({tap // 2},{tap % 2}) is {taps[c, s, tap]:g}): only the "
                          "Haar/db1 wavelet is supported")


def _parse_stride(text, key):
    """The metadata value `text` of `key` as a stride (refused when malformed)."""
    if not re.fullmatch(r"[0-9]+", text) or int(text) < 1:
        raise ExportError(f"metadata \"{key}\" is \"{text[:40]}\"; expected a decimal integer "
                          ">= 1")
    if int(text) > 2**31 - 1:
        raise ExportError(f"metadata \"{key}\" is \"{text[:40]}\", larger than the maximum "
                          f"{2**31 - 1}")
    return int(text)


def layer_stride(metadata, prefix, layer_count, stride_option=None):
    """The stride the file records for the layer at `prefix`, or None; the C loader's rules.

    A stride belongs to one layer: its key is "<prefix>stride" ("stride" for the unprefixed
    layer). A file-wide "stride" also counts for a file of one layer (and must then agree with
    the layer's own key); in a file of several layers it is refused for a layer without a key
    of its own, unless a stride option (not None) overrides the file anyway.
    """
    own_key = prefix + "stride"
    own = _parse_stride(metadata[own_key], own_key) if own_key in metadata else None
    if not prefix or "stride" not in metadata:
        return own
    if layer_count > 1:  # the file-wide value is never applied, so not read either
        if own is not None or stride_option is not None:
            return own
        raise ExportError(f"metadata \"stride\" ({metadata['stride'][:40]}) is one stride for the "
                          f"whole file, but the file holds {layer_count} WTConv2d layers and a "
                          f"stride belongs to one layer: it is not applied to layer '{prefix}', "
                          "which has no "
                          f"\"{own_key}\" of its own. Export the network again with "
                          "tools/export_wtconv.py (which writes \"<prefix>stride\" for each "
                          "layer), or give --stride")
    file_wide = _parse_stride(metadata["stride"], "stride")
    if own is not None and own != file_wide:
        raise ExportError(f"metadata \"stride\" ({file_wide}) and \"{own_key}\" ({own}) disagree "
                          "about the file's only layer")
    return file_wide


def _choose_prefix(names, layer):
    prefixes = layer_prefixes(names)
    if layer is not None:
        if layer not in prefixes:
            if not prefixes:
                raise ExportError("no WTConv2d layer found: no tensor is named 'base_conv.weight' "
                                  "or 'base_weight' (under any prefix)")
            if prefixes == [""]:
                raise ExportError(f"no WTConv2d layer with prefix '{layer}': the file holds a "
                                  "single layer, with no prefix (its tensors are named "
                                  "'base_conv.weight', ... or 'base_weight', ...), so give no "
                                  "--layer to export it")
            hint = ""
            if layer + "." in prefixes:
                hint = f"; did you mean '{layer}.'? Layer prefixes end with '.'"
            raise ExportError(f"no WTConv2d layer with prefix '{layer}' (no tensor "
                              f"'{layer}base_conv.weight' or '{layer}base_weight'){hint}. "
                              f"Layer prefixes found: {_listing(prefixes)}")
        return layer
    if not prefixes:
        raise ExportError("no WTConv2d layer found: no tensor is named 'base_conv.weight' or "
                          "'base_weight' (under any prefix)")
    if len(prefixes) > 1:
        raise ExportError(f"the file holds {len(prefixes)} WTConv2d layers (a whole network?) and "
                          "no --layer says which one to export: give the layer's key prefix. "
                          f"Layer prefixes found: {_listing(prefixes)}")
    return prefixes[0]


def _collect(names, prefix):
    """{kind: name} and {kind: {level: name}} of the layer's tensors; refuses duplicates."""
    found, levels = {}, {"wavelet_weight": {}, "wavelet_scale": {}}
    for name in sorted(names):
        if not name.startswith(prefix):
            continue
        try:
            kind, level = classify_param(name[len(prefix):])
        except ExportError as err:
            raise ExportError(f"tensor '{name}': {err}")
        if kind is None or kind == "stride_filter":   # other modules; an all-ones relic
            continue
        slots = levels[kind] if level is not None else found
        key = level if level is not None else kind
        if key in slots:
            of_level = " of one level" if level is not None else ""
            raise ExportError(f"tensors '{slots[key]}' and '{name}' both give the "
                              f"{_DESCRIPTIONS[kind]}{of_level}")
        slots[key] = name
    return found, levels


def load_layer(path, layer=None, stride_option=None):
    """Load and validate the layer at key prefix `layer` (None: the file's only layer).

    `stride_option` is --stride (None: take the layer's stride from the file).

    Checks what the C loader checks, in its order, and raises ExportError naming the problem.
    """
    st = SafetensorsFile(path)
    names = list(st.entries)
    prefix = _choose_prefix(names, layer)
    found, levels = _collect(names, prefix)
    shape = {name: st.entries[name]["shape"] for name in names}

    bw = found["base_weight"]
    s = shape[bw]
    if len(s) != 4 or s[1] != 1 or s[2] != s[3] or s[0] == 0 or s[2] == 0:
        raise ExportError(f"tensor '{bw}' has shape [{','.join(map(str, s))}]; a depthwise "
                          "kernel must be [C,1,k,k] with C, k >= 1")
    if s[0] > MAX_CHANNELS:
        raise ExportError(f"tensor '{bw}': {s[0]} channels is too many")
    if s[2] > MAX_KERNEL:
        raise ExportError(f"tensor '{bw}': kernel size {s[2]} exceeds the supported maximum "
                          f"{MAX_KERNEL}")
    c, k = s[0], s[2]
    if "base_scale" not in found:
        raise ExportError(f"missing tensor '{prefix}base_scale.weight' (or '{prefix}base_scale')")
    _expect_shape(found["base_scale"], shape[found["base_scale"]], (1, c, 1, 1),
                  f"[1,{c},1,1] (C={c} from '{bw}')")
    if "base_bias" in found:
        _expect_shape(found["base_bias"], shape[found["base_bias"]], (c,),
                      f"[{c}] (C={c} from '{bw}')")
    level_count = 1 + max(list(levels["wavelet_weight"]) + list(levels["wavelet_scale"]),
                          default=-1)
    if level_count == 0:
        raise ExportError(f"missing tensor '{prefix}wavelet_convs.0.weight': the layer has no "
                          "wavelet levels")
    for i in range(level_count):
        if i not in levels["wavelet_weight"]:
            raise ExportError(f"missing tensor '{prefix}wavelet_convs.{i}.weight' (level {i} of "
                              f"{level_count})")
        if i not in levels["wavelet_scale"]:
            raise ExportError(f"missing tensor '{prefix}wavelet_scale.{i}.weight' (level {i} of "
                              f"{level_count})")
        w, sc = levels["wavelet_weight"][i], levels["wavelet_scale"][i]
        _expect_shape(w, shape[w], (4 * c, 1, k, k), f"[{4 * c},1,{k},{k}] (4C, k from '{bw}')")
        _expect_shape(sc, shape[sc], (1, 4 * c, 1, 1), f"[1,{4 * c},1,1] (4C from '{bw}')")
    for kind in ("wt_filter", "iwt_filter"):
        if kind in found:
            _expect_shape(found[kind], shape[found[kind]], (4 * c, 1, 2, 2),
                          f"[{4 * c},1,2,2] (4C from '{bw}')")
    used = [found[kind] for kind in ("base_weight", "base_bias", "base_scale", "wt_filter",
                                     "iwt_filter") if kind in found]
    for i in range(level_count):
        used += [levels["wavelet_weight"][i], levels["wavelet_scale"][i]]
    for name in used:
        if st.entries[name]["dtype"] not in _WEIGHT_DTYPES:
            raise ExportError(f"tensor '{name}' has dtype {st.entries[name]['dtype']}; weights "
                              "must be F32, F16 or BF16")
    file_stride = layer_stride(st.metadata, prefix, len(layer_prefixes(names)), stride_option)
    for kind in ("wt_filter", "iwt_filter"):
        if kind in found:
            _check_haar(found[kind], st.floats(found[kind]), c)

    def read(name, new_shape):
        return _finite(name, st.floats(name)).reshape(new_shape)

    return WTConvLayer(
        source=path, prefix=prefix, channels=c, kernel=k, levels=level_count,
        file_stride=file_stride,
        base_weight=read(bw, (c, k, k)),
        base_scale=read(found["base_scale"], (c,)),
        base_bias=read(found["base_bias"], (c,)) if "base_bias" in found else None,
        wavelet_weight=[read(levels["wavelet_weight"][i], (4 * c, k, k))
                        for i in range(level_count)],
        wavelet_scale=[read(levels["wavelet_scale"][i], (4 * c,)) for i in range(level_count)],
    )


# ---- The I/O contract -------------------------------------------------------------------------

def level_sizes(height, width, levels):
    """[(hh_i, hw_i)] of the wavelet levels: each halves its input, rounding up."""
    sizes = []
    h, w = height, width
    for _ in range(levels):
        h, w = (h + 1) // 2, (w + 1) // 2
        sizes.append((h, w))
    return sizes


def resolve_stride(option, layer):
    """--stride, else the layer's stride in the file's metadata ("<prefix>stride", or "stride"
    for a file of one layer), else 1 (as the C library's stride option)."""
    if option is not None:
        if option < 1:
            raise ExportError(f"--stride is {option}; must be >= 1")
        return option
    return layer.file_stride if layer.file_stride is not None else 1


def describe(layer, n, c, h, w, stride=None, precision="fp32"):
    """The model's inputs, outputs (name, shape, dtype) and user-defined metadata, as a dict.

    Validates the shape against the layer as the C library does; `stride` None means the
    file's stride (else 1).
    """
    for what, value in (("--batch", n), ("--channels", c), ("--height", h), ("--width", w)):
        if not isinstance(value, int) or value < 1:
            raise ExportError(f"{what} is {value}; must be an integer >= 1")
        if value > INT_MAX:
            raise ExportError(f"{what} is {value}; at most {INT_MAX}")
    if c != layer.channels:
        raise ExportError(f"--channels is {c} but the model's layer has C={layer.channels} "
                          "(from its base kernel [C,1,k,k])")
    if h > MAX_SIDE or w > MAX_SIDE:
        raise ExportError(f"{'height' if h > MAX_SIDE else 'width'} is {max(h, w)}: too large "
                          f"(at most {MAX_SIDE})")
    if precision not in PRECISIONS:
        raise ExportError(f"precision '{precision}'; must be one of {', '.join(PRECISIONS)}")
    stride = resolve_stride(stride, layer)
    if stride > INT_MAX:
        raise ExportError(f"--stride is {stride}; at most {INT_MAX}")
    if len(layer.prefix.encode("utf-8")) > MAX_METADATA_VALUE:
        raise ExportError(f"layer prefix '{layer.prefix[:40]}...' is "
                          f"{len(layer.prefix.encode('utf-8'))} bytes; libwtconv's Apple backend "
                          f"reads metadata values of at most {MAX_METADATA_VALUE}")

    def spec(name, shape):
        return {"name": name, "shape": list(shape), "dtype": "float32"}

    sizes = level_sizes(h, w, layer.levels)
    inputs = [spec("x", (n, c, h, w))]
    inputs += [spec(f"coeffs_{i}", (n, 4 * c, hh, hw)) for i, (hh, hw) in enumerate(sizes)]
    outputs = [spec("base", (n, c, h, w))]
    outputs += [spec(f"filtered_{i}", (n, 4 * c, hh, hw)) for i, (hh, hw) in enumerate(sizes)]
    metadata = {
        "wtconv.format": FORMAT_VERSION,
        "wtconv.batch": str(n),
        "wtconv.channels": str(c),
        "wtconv.height": str(h),
        "wtconv.width": str(w),
        "wtconv.kernel": str(layer.kernel),
        "wtconv.levels": str(layer.levels),
        "wtconv.stride": str(stride),
        "wtconv.bias": "1" if layer.has_bias else "0",
        "wtconv.precision": precision,
        "wtconv.layer": layer.prefix,
        "wtconv.source": os.path.basename(layer.source),
    }
    return {"inputs": inputs, "outputs": outputs, "metadata": metadata}


# ---- The computation --------------------------------------------------------------------------

def _folded(scale, weight):
    """scale * weight per output channel, computed in float64 and rounded once to float32."""
    w = scale.astype(np.float64)[:, None, None] * weight.astype(np.float64)
    return w.astype(np.float32)[:, None]          # [C,1,k,k]


class DepthwiseStage(nn.Module):
    """Every depthwise convolution of a layer, per the model contract.

    forward(x, coeffs_0, ..., coeffs_{L-1}) -> (base, filtered_0, ..., filtered_{L-1}).
    The scales are folded into the kernels (and the base bias): scale * (conv(x, w) + b) =
    conv(x, scale * w) + scale * b.
    """

    def __init__(self, layer):
        super().__init__()
        self.levels = layer.levels
        k = layer.kernel
        # PyTorch's padding='same' for even k: (k-1)//2 before, k//2 after (F.pad: l, r, t, b).
        self.padding = ((k - 1) // 2, k // 2, (k - 1) // 2, k // 2)
        tensors = {"base_weight": _folded(layer.base_scale, layer.base_weight)}
        if layer.has_bias:
            tensors["base_bias"] = (layer.base_scale.astype(np.float64)
                                    * layer.base_bias.astype(np.float64)).astype(np.float32)
        for i in range(layer.levels):
            tensors[f"wavelet_weight_{i}"] = _folded(layer.wavelet_scale[i],
                                                     layer.wavelet_weight[i])
        for name, value in tensors.items():
            # Folding can overflow float32 where scale and weight are both huge.
            _finite(f"{layer.prefix}{name} (scale folded in)", value)
            self.register_buffer(name, torch.from_numpy(np.ascontiguousarray(value)))
        if not layer.has_bias:
            self.base_bias = None

    def _dwconv_same(self, x, weight, bias=None):
        if self.padding[0] == self.padding[1]:    # odd k: symmetric, no separate pad op
            return F.conv2d(x, weight, bias, padding=self.padding[0], groups=weight.shape[0])
        return F.conv2d(F.pad(x, self.padding), weight, bias, groups=weight.shape[0])

    def forward(self, x, *coeffs):
        if len(coeffs) != self.levels:
            raise ValueError(f"expected {self.levels} coefficient tensors, got {len(coeffs)}")
        outputs = [self._dwconv_same(x, self.base_weight, self.base_bias)]
        for i, coeff in enumerate(coeffs):
            outputs.append(self._dwconv_same(coeff, getattr(self, f"wavelet_weight_{i}")))
        return tuple(outputs)


def example_inputs(description, seed=0):
    """Random float32 tensors of the described input shapes, in input order."""
    gen = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(*spec["shape"], generator=gen, dtype=torch.float32)
                 for spec in description["inputs"])


def trace(stage, description):
    """torch.jit.trace of the stage on random inputs of the described shapes."""
    stage.eval()
    inputs = example_inputs(description)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        traced = torch.jit.trace(stage, inputs)
    return traced, inputs


# ---- Core ML conversion (needs coremltools) ---------------------------------------------------
#
# API facts relied on (coremltools 6.0 and later; read in coremltools' docstrings and guides):
# - ct.convert(model, inputs=, outputs=, convert_to="mlprogram", compute_precision=,
#   minimum_deployment_target=, compute_units=) with a TorchScript model; "inputs" is required
#   for PyTorch, one ct.TensorType(name=, shape=, dtype=) per forward() argument in order, the
#   name becomes the Core ML input name; "outputs" must match the number of returned tensors and
#   a TensorType's name becomes the output name (coremltools/converters/_converters_entry.py,
#   convert() docstring; also at
#   https://apple.github.io/coremltools/source/coremltools.converters.convert.html).
# - With a macOS13/iOS16+ target and float16 compute precision, inputs and outputs whose dtype
#   is not given default to float16 (coremltools >= 7, same docstring and
#   https://apple.github.io/coremltools/docs-guides/source/model-input-and-output-types.html):
#   so dtype=np.float32 is always given, for inputs and outputs.
# - ct.precision.FLOAT32 keeps the float32 program; ct.precision.FLOAT16 casts the program's
#   float tensors to float16 (convert() docstring; docs-guides typed-execution.html: a float32
#   model runs on GPU and CPU, float16 lets the Neural Engine run it).
# - ct.target.<macOS13|iOS16|...> is an IntEnum; macOS13 and iOS16 are the same value
#   (coremltools/converters/mil/_deployment_compatibility.py).
# - ct.ComputeUnit.{ALL, CPU_ONLY, CPU_AND_GPU, CPU_AND_NE} (coremltools/__init__.py): convert()
#   loads the returned model with these units for predict(); the .mlpackage does not store them
#   (the C side chooses MLModelConfiguration.computeUnits when it loads the model).
# - ct.target.__members__ is the Enum's name -> member map (Python's Enum).
# - MLModel.get_spec() returns the protobuf Model; spec.description.input/output are the
#   FeatureDescription lists (name, type.multiArrayType.{shape, dataType}) of FeatureTypes.proto.
# - MLModel.user_defined_metadata is a string->string map; short_description and author are
#   settable; input_description / output_description take per-feature text;
#   save(path) needs the .mlpackage extension for an ML program and replaces an existing path;
#   predict(dict name -> np.ndarray) -> dict, macOS only (coremltools/models/model.py).


# ArrayFeatureType.FLOAT32 in Core ML's FeatureTypes.proto (coremltools mlmodel/format/).
_FLOAT32_ARRAY = 65568


def check_interface(spec, description):
    """Raise ConversionError unless a Core ML model spec has the described inputs and outputs:
    same names in the same order, float32 multi-arrays, and the described shapes where the spec
    records one."""
    for kind, features in (("inputs", spec.description.input),
                           ("outputs", spec.description.output)):
        want = description[kind]
        names = [f.name for f in features]
        if names != [s["name"] for s in want]:
            raise ConversionError(f"the converted model's {kind} are {names}; the contract "
                                  f"needs {[s['name'] for s in want]}")
        for feature, s in zip(features, want):
            array = feature.type.multiArrayType
            if array.dataType != _FLOAT32_ARRAY:
                raise ConversionError(f"{kind[:-1]} '{feature.name}' has Core ML array type "
                                      f"{array.dataType}, not FLOAT32 ({_FLOAT32_ARRAY})")
            if len(array.shape) and list(array.shape) != s["shape"]:
                raise ConversionError(f"{kind[:-1]} '{feature.name}' has shape "
                                      f"{list(array.shape)}; the contract needs {s['shape']}")


def _import_coremltools():
    try:
        import coremltools as ct
    except ImportError:
        raise MissingCoreMLTools("needs coremltools; run on a Mac: pip install coremltools torch")
    return ct


def _target(ct, name):
    target = ct.target.__members__.get(name)
    if target is None:
        known = list(ct.target.__members__)
        raise ExportError(f"--deployment-target '{name}' is not a coremltools target; known: "
                          f"{', '.join(known)}")
    if target < ct.target.iOS15:
        raise ExportError(f"--deployment-target {name} is too old for an ML program (needs "
                          "macOS12/iOS15 or later; the default is macOS13/iOS16)")
    if target < ct.target.iOS16:
        print(f"warning: deployment target {name} is below macOS13/iOS16: libwtconv's Apple "
              "backend hands Core ML its output buffers (MLPredictionOptions.outputBackings), "
              "which iOS offers from 16 on", file=sys.stderr)
    return target


def convert(layer, description, output, deployment_target=DEFAULT_TARGET, compute_units="ALL",
            verify=True):
    """Convert DepthwiseStage(layer) to an ML program at `output` (.mlpackage) per description.

    Returns the worst relative error of a check prediction against the PyTorch stage, or None
    when the model cannot be run here (only macOS runs Core ML models).
    """
    ct = _import_coremltools()
    if compute_units not in COMPUTE_UNITS:
        raise ExportError(f"--compute-units '{compute_units}'; must be one of "
                          f"{', '.join(COMPUTE_UNITS)}")
    target = _target(ct, deployment_target)
    meta = description["metadata"]
    precision = meta["wtconv.precision"]

    stage = DepthwiseStage(layer)
    traced, inputs = trace(stage, description)
    mlmodel = ct.convert(
        traced,
        convert_to="mlprogram",
        inputs=[ct.TensorType(name=s["name"], shape=tuple(s["shape"]), dtype=np.float32)
                for s in description["inputs"]],
        outputs=[ct.TensorType(name=s["name"], dtype=np.float32) for s in description["outputs"]],
        compute_precision=getattr(ct.precision, PRECISIONS[precision]),
        minimum_deployment_target=target,
        compute_units=getattr(ct.ComputeUnit, compute_units),
    )
    for key, value in meta.items():
        mlmodel.user_defined_metadata[key] = value
    mlmodel.short_description = (
        f"libwtconv WTConv2d depthwise stage: layer '{layer.prefix}' of {meta['wtconv.source']}, "
        f"N={meta['wtconv.batch']} C={meta['wtconv.channels']} H={meta['wtconv.height']} "
        f"W={meta['wtconv.width']}, k={layer.kernel}, L={layer.levels}, {precision}")
    mlmodel.author = "libwtconv tools/export_wtconv_coreml.py"
    mlmodel.input_description["x"] = "layer input, float32 NCHW"
    mlmodel.output_description["base"] = "base_scale * (dwconv_same(x, base_conv) + base_bias)"
    for i in range(layer.levels):
        mlmodel.input_description[f"coeffs_{i}"] = (
            f"Haar coefficients of level {i}, channel 4c+s = subband s of channel c")
        mlmodel.output_description[f"filtered_{i}"] = (
            f"wavelet_scale_{i} * dwconv_same(coeffs_{i}, wavelet_convs_{i})")
    check_interface(mlmodel.get_spec(), description)
    try:
        mlmodel.save(output)
    except OSError as err:
        raise ConversionError(f"cannot write '{output}': {err.strerror or err}")

    if not verify or sys.platform != "darwin":
        return None
    feed = {s["name"]: t.numpy() for s, t in zip(description["inputs"], inputs)}
    try:
        got = mlmodel.predict(feed)
    except Exception as err:  # e.g. this macOS is older than the deployment target
        print(f"warning: {output} was written but could not be run for the check: {err}",
              file=sys.stderr)
        return None
    with torch.no_grad():
        want = stage(*inputs)
    worst = 0.0
    for s, expected in zip(description["outputs"], want):
        expected = expected.numpy().astype(np.float64)
        diff = np.abs(np.asarray(got[s["name"]], dtype=np.float64).reshape(expected.shape)
                      - expected)
        worst = max(worst, float(diff.max() / max(np.abs(expected).max(), 1e-30)))
    return worst


# ---- Command line -----------------------------------------------------------------------------

def default_output(model, layer, description, precision):
    """<model dir>/<model stem>[_<layer>]_<N>x<C>x<H>x<W>_<precision>.mlpackage"""
    stem = os.path.splitext(os.path.basename(model))[0]
    tag = re.sub(r"[^A-Za-z0-9]+", "_", layer.prefix).strip("_")
    n, c, h, w = description["inputs"][0]["shape"]
    name = f"{stem}{'_' + tag if tag else ''}_{n}x{c}x{h}x{w}_{precision}.mlpackage"
    return os.path.join(os.path.dirname(model), name)


def format_report(report):
    """JSON, indented, with each shape on one line."""
    text = json.dumps(report, indent=2)
    return re.sub(r"\[\s*([0-9][0-9,\s]*?)\s*\]",
                  lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]", text)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="the layer's .safetensors file")
    parser.add_argument("--channels", type=int, required=True, help="C (must be the model's)")
    parser.add_argument("--height", type=int, required=True, help="H of the layer input")
    parser.add_argument("--width", type=int, required=True, help="W of the layer input")
    parser.add_argument("--batch", type=int, default=1, help="N (default 1)")
    parser.add_argument("--layer", default=None,
                        help="key prefix of the layer in a multi-layer file, e.g. "
                             "'stages.2.blocks.0.dwconv.' (default: the file's only layer)")
    parser.add_argument("--stride", type=int, default=None,
                        help="stride recorded in the metadata (default: the layer's "
                             "__metadata__ \"<prefix>stride\", or \"stride\" in a file of "
                             "one layer, else 1)")
    parser.add_argument("--precision", choices=PRECISIONS, default="fp32",
                        help="fp32: float32 compute, exact, GPU/CPU; fp16: float16 compute, "
                             "lets Core ML use the Neural Engine, ~1e-3 relative (default fp32)")
    parser.add_argument("--compute-units", choices=COMPUTE_UNITS, default="ALL",
                        help="units for the check prediction after conversion (default ALL); "
                             "not stored in the model: the C side picks them at load time")
    parser.add_argument("--deployment-target", default=DEFAULT_TARGET,
                        help="coremltools target name (default macOS13, the same as iOS16: "
                             "the C side passes output buffers through "
                             "MLPredictionOptions.outputBackings, which iOS has from 16 on)")
    parser.add_argument("--output", default=None,
                        help="PATH.mlpackage (default: beside the model, named after it, the "
                             "layer, the shape and the precision)")
    parser.add_argument("--no-verify", action="store_true",
                        help="skip the check prediction on macOS after conversion")
    parser.add_argument("--describe", action="store_true",
                        help="print the inputs, outputs and metadata as JSON and exit "
                             "(needs no coremltools)")
    return parser.parse_args(argv)


def run(argv):
    args = parse_args(argv)
    layer = load_layer(args.model, args.layer, args.stride)
    description = describe(layer, args.batch, args.channels, args.height, args.width,
                           args.stride, args.precision)
    output = args.output or default_output(args.model, layer, description, args.precision)
    if not output.endswith(".mlpackage"):
        raise ExportError(f"--output '{output}' must end with .mlpackage (an ML program is a "
                          "package directory)")
    if args.describe:
        # Without coremltools, at least the form of a target name (macOS13, iOS16, ...).
        if not re.fullmatch(r"(macOS|iOS|tvOS|watchOS|visionOS)[0-9]+", args.deployment_target):
            raise ExportError(f"--deployment-target '{args.deployment_target}' is not a target "
                              "name such as macOS13 or iOS16")
        report = dict(description)
        report["conversion"] = {
            "output": output, "compute_precision": PRECISIONS[args.precision],
            "minimum_deployment_target": args.deployment_target,
            "compute_units": args.compute_units,
        }
        print(format_report(report))
        return 0
    worst = convert(layer, description, output, args.deployment_target, args.compute_units,
                    verify=not args.no_verify)
    print(f"wrote {output}: layer '{layer.prefix}' C={layer.channels} k={layer.kernel} "
          f"L={layer.levels} bias={'yes' if layer.has_bias else 'no'}, "
          f"N={args.batch} H={args.height} W={args.width}, "
          f"stride {description['metadata']['wtconv.stride']}, {args.precision}")
    if worst is None:
        print("not checked against PyTorch (--no-verify, not macOS, or the model did not run)")
        return 0
    bound = 1e-4 if args.precision == "fp32" else 1e-2
    print(f"check prediction vs. PyTorch: max relative error {worst:.2e} "
          f"(expected below {bound:g})")
    if worst > bound:
        print("error: the converted model does not match the PyTorch stage", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except ExportError as err:
        print(f"export_wtconv_coreml: error: {err}", file=sys.stderr)
        return 2
    except (MissingCoreMLTools, ConversionError) as err:
        print(f"export_wtconv_coreml: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
