#!/usr/bin/env python3
"""PyTorch reference of the WTConv2d layer (Haar / 'db1' only) for libwtconv.

`WTConv2d` reproduces the public reference module (wtconv/wtconv2d.py of the WTConv
repository) as specified in the semantics summarised in docs/model-format.md: same parameter names,
shapes, initial values and forward pass, including the float32 Haar taps
fp32(1/sqrt2)^2 = 0.49999997.

`numpy_forward` is an independent, deliberately plain float64 numpy version of the
same semantics (explicit 2x2 block formulas, explicit zero-padded depthwise
convolution loops). `--self-test` compares the two on small odd shapes.

Usage:  /usr/bin/python3 tools/wtconv_reference.py --self-test
"""
import argparse
import math
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# The reference builds its Haar filters from float32 1/sqrt(2) taps, so every
# filter entry is fp32(fp32(1/sqrt2) * fp32(1/sqrt2)) = 0.49999997.
_H = np.float32(1.0 / math.sqrt(2.0))
HAAR_TAP = float(np.float32(_H * _H))

# PyTorch warns that padding='same' with an even kernel may copy the input: harmless.
warnings.filterwarnings("ignore", message="Using padding='same' with even kernel")


def haar_filters(channels):
    """Analysis and synthesis filters [4C,1,2,2] (float32), channel 4c+s = subband s."""
    h = torch.tensor(1.0 / math.sqrt(2.0), dtype=torch.float32)
    lo = torch.stack([h, h])
    hi = torch.stack([h, -h])
    # element [r, q] = row tap r times column tap q
    bands = torch.stack([
        lo[:, None] * lo[None, :],   # s0: LL
        hi[:, None] * lo[None, :],   # s1: difference along H
        lo[:, None] * hi[None, :],   # s2: difference along W
        hi[:, None] * hi[None, :],   # s3: diagonal
    ])
    filt = bands[:, None].repeat(channels, 1, 1, 1)
    # The 2x2 Haar matrix is its own inverse; with conv_transpose2d the
    # synthesis filter has the same taps as the analysis filter.
    return filt.clone(), filt.clone()


class _ScaleModule(nn.Module):
    """Per-channel multiplicative scale, state_dict key `weight`."""

    def __init__(self, dims, init_scale=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(*dims) * init_scale)

    def forward(self, x):
        return self.weight * x


class WTConv2d(nn.Module):
    """Wavelet-transform depthwise convolution (reference behaviour, Haar only)."""

    def __init__(self, in_channels, out_channels, kernel_size=5, stride=1, bias=True,
                 wt_levels=1, wt_type="db1"):
        super().__init__()
        if in_channels != out_channels:
            raise ValueError("WTConv2d is depthwise: in_channels must equal out_channels")
        if wt_type != "db1":
            raise ValueError("only wt_type='db1' (Haar) is supported")
        c = in_channels
        self.in_channels = c
        self.wt_levels = wt_levels
        self.stride = stride

        wt, iwt = haar_filters(c)
        self.wt_filter = nn.Parameter(wt, requires_grad=False)
        self.iwt_filter = nn.Parameter(iwt, requires_grad=False)

        self.base_conv = nn.Conv2d(c, c, kernel_size, padding="same", groups=c, bias=bias)
        self.base_scale = _ScaleModule([1, c, 1, 1])
        self.wavelet_convs = nn.ModuleList([
            nn.Conv2d(4 * c, 4 * c, kernel_size, padding="same", groups=4 * c, bias=False)
            for _ in range(wt_levels)
        ])
        self.wavelet_scale = nn.ModuleList([
            _ScaleModule([1, 4 * c, 1, 1], init_scale=0.1) for _ in range(wt_levels)
        ])
        if stride > 1:
            self.stride_filter = nn.Parameter(torch.ones(c, 1, 1, 1), requires_grad=False)

    def forward(self, x):
        c = self.in_channels
        sizes, filtered = [], []
        cur = x
        for i in range(self.wt_levels):
            h, w = cur.shape[2], cur.shape[3]
            sizes.append((h, w))
            if h % 2 or w % 2:
                cur = F.pad(cur, (0, w % 2, 0, h % 2))
            coeffs = F.conv2d(cur, self.wt_filter, stride=2, groups=c)   # [N,4C,h/2,w/2]
            cur = coeffs[:, 0::4]                                          # raw LL
            filtered.append(self.wavelet_scale[i](self.wavelet_convs[i](coeffs)))

        nxt = None
        for i in reversed(range(self.wt_levels)):
            f = filtered[i]
            if nxt is not None:
                f = f.clone()
                f[:, 0::4] += nxt
            h, w = sizes[i]
            nxt = F.conv_transpose2d(f, self.iwt_filter, stride=2, groups=c)[:, :, :h, :w]

        y = self.base_scale(self.base_conv(x))
        if nxt is not None:
            y = y + nxt
        if self.stride > 1:
            y = F.conv2d(y, self.stride_filter, stride=self.stride, groups=c)
        return y


# ----------------------------------------------------------------------------
# Reading layers from a flat tensor dict (a state_dict or a safetensors file).

# The three naming schemes: reference module, and the two of the "fast" variants.
NAMINGS = {
    "reference": {"base_w": "base_conv.weight", "base_b": "base_conv.bias",
                  "base_scale": "base_scale.weight", "wave_w": "wavelet_convs.{i}.weight",
                  "wave_scale": "wavelet_scale.{i}.weight"},
    "fast": {"base_w": "base_weight", "base_b": "base_bias", "base_scale": "base_scale",
             "wave_w": "wt_weights.{i}", "wave_scale": "wt_scales.{i}"},
    "fast_alt": {"base_w": "base_weight", "base_b": "base_bias", "base_scale": "base_scale",
                 "wave_w": "wavelet_convs.{i}.weight", "wave_scale": "wavelet_scales.{i}"},
}


def find_layers(tensors):
    """Map each WTConv2d key prefix in `tensors` to a dict(naming, channels, k, levels, bias)."""
    layers = {}
    for key in tensors:
        for naming, names in NAMINGS.items():
            if not key.endswith(names["base_w"]):
                continue
            prefix = key[:len(key) - len(names["base_w"])]
            if prefix + names["wave_scale"].format(i=0) not in tensors:
                continue
            levels = 0
            while prefix + names["wave_w"].format(i=levels) in tensors:
                levels += 1
            weight = tensors[key]
            layers[prefix] = {"naming": naming, "channels": weight.shape[0],
                              "k": weight.shape[-1], "levels": levels,
                              "bias": prefix + names["base_b"] in tensors}
    return layers


def layer_state_dict(module, naming="reference"):
    """The module's weights under one of the NAMINGS (reference: the full state_dict)."""
    if naming == "reference":
        return dict(module.state_dict())
    names = NAMINGS[naming]
    out = {names["base_w"]: module.base_conv.weight.detach()}
    if module.base_conv.bias is not None:
        out[names["base_b"]] = module.base_conv.bias.detach()
    out[names["base_scale"]] = module.base_scale.weight.detach()
    for i in range(module.wt_levels):
        out[names["wave_w"].format(i=i)] = module.wavelet_convs[i].weight.detach()
        out[names["wave_scale"].format(i=i)] = module.wavelet_scale[i].weight.detach()
    return out


def load_layer(tensors, prefix="", stride=1):
    """Build a float32 WTConv2d from the layer at `prefix` of a flat tensor dict.

    The fixed Haar filters are always the module's own (any stored copies are ignored).
    """
    info = find_layers(tensors).get(prefix)
    if info is None:
        raise KeyError(f"no WTConv2d layer at prefix {prefix!r}")
    names = NAMINGS[info["naming"]]
    c = info["channels"]
    m = WTConv2d(c, c, info["k"], stride=stride, bias=info["bias"], wt_levels=info["levels"])

    def get(name, **kw):
        return tensors[prefix + names[name].format(**kw)].float()

    with torch.no_grad():
        m.base_conv.weight.copy_(get("base_w"))
        if info["bias"]:
            m.base_conv.bias.copy_(get("base_b"))
        m.base_scale.weight.copy_(get("base_scale").reshape(1, c, 1, 1))
        for i in range(info["levels"]):
            m.wavelet_convs[i].weight.copy_(get("wave_w", i=i))
            m.wavelet_scale[i].weight.copy_(get("wave_scale", i=i).reshape(1, 4 * c, 1, 1))
    return m


# ----------------------------------------------------------------------------
# Independent float64 numpy implementation of the semantics doc.

def numpy_params(module):
    """Extract the numbers numpy_forward needs from a WTConv2d, as float64 arrays."""
    def arr(t):
        return t.detach().double().cpu().numpy()
    c = module.in_channels
    bias = module.base_conv.bias
    return {
        "base_w": arr(module.base_conv.weight)[:, 0],
        "base_b": None if bias is None else arr(bias),
        "base_scale": arr(module.base_scale.weight).reshape(c),
        "wave_w": [arr(conv.weight)[:, 0] for conv in module.wavelet_convs],
        "wave_scale": [arr(s.weight).reshape(4 * c) for s in module.wavelet_scale],
        "stride": module.stride,
    }


def dwconv_same(x, w):
    """Depthwise cross-correlation, zero 'same' padding. x [N,C,H,W], w [C,k,k]."""
    n, c, h, wd = x.shape
    k = w.shape[-1]
    before, after = (k - 1) // 2, k // 2
    xp = np.zeros((n, c, before + h + after, before + wd + after))
    xp[:, :, before:before + h, before:before + wd] = x
    out = np.zeros((n, c, h, wd))
    for dy in range(k):
        for dx in range(k):
            out += w[None, :, dy, dx, None, None] * xp[:, :, dy:dy + h, dx:dx + wd]
    return out


def haar_forward(x, t=HAAR_TAP):
    """[N,C,H,W] (H,W even) -> [N,C,4,H/2,W/2] with the block formulas (t = 1/2)."""
    a, b = x[:, :, 0::2, 0::2], x[:, :, 0::2, 1::2]
    c, d = x[:, :, 1::2, 0::2], x[:, :, 1::2, 1::2]
    return np.stack([t * (a + b + c + d), t * (a + b - c - d),
                     t * (a - b + c - d), t * (a - b - c + d)], axis=2)


def haar_inverse(s, t=HAAR_TAP):
    """[N,C,4,h,w] -> [N,C,2h,2w]."""
    s0, s1, s2, s3 = s[:, :, 0], s[:, :, 1], s[:, :, 2], s[:, :, 3]
    n, c, h, w = s0.shape
    out = np.zeros((n, c, 2 * h, 2 * w))
    out[:, :, 0::2, 0::2] = t * (s0 + s1 + s2 + s3)
    out[:, :, 0::2, 1::2] = t * (s0 + s1 - s2 - s3)
    out[:, :, 1::2, 0::2] = t * (s0 - s1 + s2 - s3)
    out[:, :, 1::2, 1::2] = t * (s0 - s1 - s2 + s3)
    return out


def wavelet_branch(x, levels, filter_levels, t=HAAR_TAP):
    """The wavelet branch in float64: `levels` Haar levels of x (odd sizes zero-padded), each
    level's coefficients [N,C,4,h2,w2] filtered by filter_levels(list of them) -> a list of the
    same shapes, then the inverse cascade, deepest first (each level's filtered LL plus what the
    levels below give back, cropped to the level's size)."""
    n, c = x.shape[:2]
    sizes, coeffs = [], []
    cur = x
    for _ in range(levels):
        h, w = cur.shape[2:]
        sizes.append((h, w))
        padded = np.zeros((n, c, h + h % 2, w + w % 2))
        padded[:, :, :h, :w] = cur
        coeffs.append(haar_forward(padded, t))                 # [N,C,4,h2,w2]
        cur = coeffs[-1][:, :, 0]
    filtered = filter_levels(coeffs)
    nxt = 0.0
    for i in reversed(range(levels)):
        f = filtered[i].copy()
        f[:, :, 0] += nxt
        h, w = sizes[i]
        nxt = haar_inverse(f, t)[:, :, :h, :w]
    return nxt


def numpy_forward(x, p, t=HAAR_TAP):
    """WTConv2d forward in float64 following the semantics doc line by line."""
    x = np.asarray(x, dtype=np.float64)

    def filter_levels(coeffs):
        filtered = []
        for i, co in enumerate(coeffs):
            n, c = co.shape[:2]
            flat = co.reshape(n, 4 * c, *co.shape[3:])      # channel 4c+s
            f = p["wave_scale"][i][None, :, None, None] * dwconv_same(flat, p["wave_w"][i])
            filtered.append(f.reshape(co.shape))
        return filtered

    nxt = wavelet_branch(x, len(p["wave_w"]), filter_levels, t)
    base = dwconv_same(x, p["base_w"])
    if p["base_b"] is not None:
        base = base + p["base_b"][None, :, None, None]
    y = p["base_scale"][None, :, None, None] * base + nxt
    s = p["stride"]
    return y[:, :, ::s, ::s]


def relative_error(got, want):
    """max|got - want| / max|want|."""
    got, want = np.asarray(got), np.asarray(want)
    return float(np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-300))


def randomize_(module, generator):
    """Give a WTConv2d non-trivial, 'trained-looking' weights (in place)."""
    def normal(shape, std):
        return torch.randn(shape, generator=generator, dtype=torch.float64) * std

    def uniform(shape, lo, hi):
        return lo + (hi - lo) * torch.rand(shape, generator=generator, dtype=torch.float64)

    with torch.no_grad():
        m = module
        m.base_conv.weight.copy_(normal(m.base_conv.weight.shape, 0.2))
        if m.base_conv.bias is not None:
            m.base_conv.bias.copy_(normal(m.base_conv.bias.shape, 0.5))
        m.base_scale.weight.copy_(uniform(m.base_scale.weight.shape, 0.5, 1.5))
        for conv, scale in zip(m.wavelet_convs, m.wavelet_scale):
            conv.weight.copy_(normal(conv.weight.shape, 0.2))
            scale.weight.copy_(uniform(scale.weight.shape, 0.05, 0.3))
    return module


def self_test():
    """Compare WTConv2d (float64) with numpy_forward; return the worst relative error."""
    gen = torch.Generator().manual_seed(1234)
    shapes = [(1, 2, 7, 9), (2, 3, 5, 11), (1, 1, 13, 6), (1, 2, 1, 3)]
    worst = 0.0
    count = 0
    for n, c, h, w in shapes:
        for levels in (1, 2, 3):
            for k in (3, 4, 5):
                for stride in (1, 2):
                    m = randomize_(WTConv2d(c, c, k, stride=stride, wt_levels=levels,
                                            bias=(k != 4)), gen).double()
                    x = torch.randn(n, c, h, w, generator=gen, dtype=torch.float64)
                    with torch.no_grad():
                        got = m(x).numpy()
                    want = numpy_forward(x.numpy(), numpy_params(m))
                    if got.shape != want.shape:
                        raise AssertionError(f"shape {got.shape} != {want.shape}")
                    err = relative_error(got, want)
                    worst = max(worst, err)
                    count += 1
    return worst, count


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--self-test", action="store_true",
                        help="check the module against the numpy implementation (float64)")
    args = parser.parse_args()
    if not args.self_test:
        parser.print_help()
        return
    worst, count = self_test()
    ok = worst < 1e-12
    print(f"self-test: {count} configurations (shapes 7x9, 5x11, 13x6, 1x3; "
          f"L=1..3; k=3,4,5; stride 1,2), max relative error {worst:.3e}: "
          f"{'PASS' if ok else 'FAIL'}")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
