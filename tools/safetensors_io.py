#!/usr/bin/env python3
"""Minimal safetensors reader/writer (float32, float16, bfloat16) built on torch.

File layout: an 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON
(padded with spaces to a multiple of 8), then the packed little-endian data.
The JSON maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]}
(offsets relative to the start of the data) and may hold "__metadata__", a
string-to-string map.

Usage as a script:  /usr/bin/python3 tools/safetensors_io.py FILE.safetensors
prints the metadata and every tensor's name, dtype and shape.
"""
import argparse
import json
import struct

import numpy as np
import torch

# safetensors dtype tag -> (torch dtype, numpy dtype holding the same raw bytes)
_DTYPES = {
    "F32": (torch.float32, np.dtype("<f4")),
    "F16": (torch.float16, np.dtype("<f2")),
    "BF16": (torch.bfloat16, np.dtype("<i2")),
}
_TAG_OF = {torch_dtype: tag for tag, (torch_dtype, _) in _DTYPES.items()}


def _tensor_bytes(t):
    """Raw little-endian bytes of a contiguous CPU tensor."""
    t = t.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    arr = t.numpy()
    return arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()


def save_file(tensors, path, metadata=None):
    """Write a dict name -> tensor (F32/F16/BF16) to `path`, in insertion order."""
    header = {}
    chunks = []
    offset = 0
    for name, t in tensors.items():
        if t.dtype not in _TAG_OF:
            raise TypeError(f"{name}: unsupported dtype {t.dtype}")
        data = _tensor_bytes(t)
        header[name] = {
            "dtype": _TAG_OF[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in chunks:
            f.write(data)


def load_file(path, skipped=None):
    """Read `path`; return (dict name -> tensor, metadata dict or {}). A tensor of a dtype other
    than F32, F16 and BF16 raises ValueError, unless `skipped` is a list: then its name and
    dtype are appended there (libwtconv ignores such tensors too, e.g. I64 counters)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = memoryview(blob)[8 + n:]
    metadata = header.pop("__metadata__", None) or {}
    tensors = {}
    for name, info in header.items():
        if info["dtype"] not in _DTYPES:
            if skipped is None:
                raise ValueError(f"{path}: tensor {name!r} has dtype {info['dtype']}; this "
                                 "reader takes F32, F16 and BF16")
            skipped.append((name, info["dtype"]))
            continue
        torch_dtype, np_dtype = _DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        arr = np.frombuffer(data[begin:end], dtype=np_dtype).copy()
        t = torch.from_numpy(arr.astype(np_dtype.newbyteorder("="), copy=False))
        if torch_dtype == torch.bfloat16:
            t = t.view(torch.bfloat16)
        tensors[name] = t.reshape(info["shape"])
    return tensors, metadata


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="a .safetensors file to list")
    args = parser.parse_args()
    skipped = []
    tensors, metadata = load_file(args.file, skipped)
    print(f"metadata: {metadata}")
    for name, t in tensors.items():
        print(f"{name:50s} {_TAG_OF[t.dtype]:5s} {list(t.shape)}")
    for name, dtype in skipped:
        print(f"{name:50s} {dtype:5s} (not read: not a float type)")


if __name__ == "__main__":
    main()
