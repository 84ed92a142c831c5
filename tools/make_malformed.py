#!/usr/bin/env python3
"""Write libwtconv's malformed-model corpus (deterministic; standard library only).

Writes tests/data/malformed/*.safetensors and manifest.txt, one line per file:

    file<TAB>C<TAB>H<TAB>W<TAB>status<TAB>message fragment

tests/test_malformed.c creates a context from each file with C x H x W and checks the status
(OK for the valid controls) and that the message contains the fragment. The fragments are
what the library is expected to say: a file is added here with the fragment its message
should contain, not one copied from the library's output. The same files seed the fuzzer
(tests/fuzz/). A directory, a FIFO, a missing file, a device and the empty path are made by
the test itself.

Every file derives from one valid layer (C=2, k=3, L=2, with a bias, F32).

Usage:  /usr/bin/python3 tools/make_malformed.py [--out tests/data/malformed]
"""
import argparse
import json
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
C, K, LEVELS = 2, 3, 2


def values(count, seed):
    """Small, exactly representable floats (also in F16 and BF16). tests/test_malformed.c
    computes the valid controls' layer from the same closed form: change both together."""
    return [((i * 7 + seed) % 11 - 5) / 8.0 for i in range(count)]


def encode(dtype, floats):
    if dtype == "F32":
        return b"".join(struct.pack("<f", v) for v in floats)
    if dtype == "F16":
        return b"".join(struct.pack("<e", v) for v in floats)
    if dtype == "BF16":
        return b"".join(struct.pack("<f", v)[2:] for v in floats)
    raise ValueError(dtype)


class Tensor:
    def __init__(self, name, shape, dtype="F32", data=None, seed=1):
        self.name, self.shape, self.dtype = name, list(shape), dtype
        count = 1
        for d in shape:
            count *= d
        self.data = data if data is not None else encode(dtype, values(count, seed))
        self.offsets = None  # [begin, end] override; None = where the data lands


def layer(prefix="", bias=True, dtype="F32", levels=LEVELS, c=C, k=K):
    t = [Tensor(prefix + "base_conv.weight", [c, 1, k, k], dtype, seed=1)]
    if bias:
        t.append(Tensor(prefix + "base_conv.bias", [c], dtype, seed=2))
    t.append(Tensor(prefix + "base_scale.weight", [1, c, 1, 1], dtype, seed=3))
    for i in range(levels):
        t.append(Tensor(prefix + "wavelet_convs.%d.weight" % i, [4 * c, 1, k, k], dtype, seed=4 + i))
        t.append(Tensor(prefix + "wavelet_scale.%d.weight" % i, [1, 4 * c, 1, 1], dtype, seed=9 + i))
    return t


def find(tensors, name):
    return next(t for t in tensors if t.name == name)


def js(text):
    return json.dumps(text, ensure_ascii=False)


def entry_text(t, begin, end, dtype=None, extra=""):
    shape = "[" + ",".join(str(d) for d in t.shape) + "]"
    return '%s:{"dtype":%s,"shape":%s,"data_offsets":[%s,%s]%s}' % (
        js(t.name), js(dtype or t.dtype), shape, begin, end, extra)


def header_and_data(tensors, metadata=None, data_order=None, gap=0, trailing=b""):
    """The JSON header text (bytes) and the data section. Data is packed in data_order (default:
    the listing order) with `gap` bytes between tensors; offsets follow unless overridden."""
    order = data_order if data_order is not None else list(range(len(tensors)))
    data, where = b"", {}
    for i in order:
        if data:
            data += b"\0" * gap
        where[i] = (len(data), len(data) + len(tensors[i].data))
        data += tensors[i].data
    data += trailing
    parts = []
    if metadata is not None:
        parts.append('"__metadata__":' + metadata)
    for i, t in enumerate(tensors):
        begin, end = t.offsets if t.offsets is not None else where[i]
        parts.append(entry_text(t, begin, end))
    return ("{" + ",".join(parts) + "}").encode("utf-8"), data


def file_bytes(header, data=b"", header_len=None, pad=True):
    if pad:  # the format pads headers with spaces to a multiple of 8
        header += b" " * (-len(header) % 8)
    n = len(header) if header_len is None else header_len
    return struct.pack("<Q", n) + header + data


def model(tensors=None, **kwargs):
    return file_bytes(*header_and_data(tensors if tensors is not None else layer(), **kwargs))


def raw_header(text, data=b""):
    return file_bytes(text if isinstance(text, bytes) else text.encode("utf-8"), data)


def cases():
    """(file, C, H, W, status, fragment, bytes) for every file of the corpus."""
    out = []

    def add(name, data, status, fragment, c=C, h=8, w=8):
        out.append((name + ".safetensors", c, h, w, status, fragment, data))

    valid = model()
    hlen = struct.unpack("<Q", valid[:8])[0]
    hdr_text_without_length = valid[8:]

    # Valid controls: these must load.
    add("valid", valid, "OK", "")
    add("valid", valid, "OK", "", h=7, w=13)
    order = list(reversed(range(len(layer()))))
    add("valid_data_in_reverse_order", model(data_order=order), "OK", "")
    add("valid_gaps_and_trailing_bytes", model(gap=12, trailing=b"\xff" * 20), "OK", "")
    add("valid_f16", model(layer(dtype="F16")), "OK", "")
    add("valid_bf16", model(layer(dtype="BF16")), "OK", "")
    add("valid_metadata_stride", model(metadata='{"stride":"2","format":"pt"}'), "OK", "")
    t = layer() + [Tensor("optimizer.state", [3], "Q4", data=b"\1\2\3")]
    add("valid_unrelated_tensor_unknown_dtype", model(t), "OK", "")
    add("valid_escapes_and_utf8_in_metadata",
        model(metadata='{"note":"tab\\t nl\\n \\ud83d\\ude00 \\u00e9 \\/ \\"q\\" \\\\ \\b\\f\\r",'
                       '"\u00e9\U0001f600":"\u65e5\u672c"}'), "OK", "")
    add("valid_prefixed_layer_alone", model(layer(prefix="stages.1.blocks.0.dwconv.")), "OK", "")
    add("valid", valid, "SHAPE_MISMATCH", "channels is 3 but the model's layer has C=2", c=3)

    # Truncated anywhere: in the length, the header, the data.
    add("empty", b"", "MODEL_FORMAT", "file is 0 bytes")
    add("truncated_in_length", valid[:5], "MODEL_FORMAT", "file is 5 bytes")
    add("truncated_after_length", valid[:8], "MODEL_FORMAT", "header length %d" % hlen)
    add("truncated_mid_header", valid[:8 + hlen // 2], "MODEL_FORMAT", "header length %d" % hlen)
    add("truncated_header_last_byte", valid[:8 + hlen - 1], "MODEL_FORMAT", "is impossible")
    add("truncated_at_data_start", valid[:8 + hlen], "MODEL_FORMAT", "past its end")
    add("truncated_mid_data", valid[:8 + hlen + 300], "MODEL_FORMAT", "past its end")
    add("truncated_last_byte", valid[:-1], "MODEL_FORMAT", "past its end")

    # The header length.
    body = valid[8:]
    add("header_length_zero", struct.pack("<Q", 0) + body, "MODEL_FORMAT", "header length 0 ")
    add("header_length_2^63", struct.pack("<Q", 1 << 63) + body, "MODEL_FORMAT",
        "header length 9223372036854775808")
    add("header_length_all_ones", b"\xff" * 8 + body, "MODEL_FORMAT",
        "header length 18446744073709551615")
    add("header_length_past_eof", struct.pack("<Q", len(body) + 1) + body, "MODEL_FORMAT",
        "header length %d" % (len(body) + 1))
    add("header_length_over_100MB", struct.pack("<Q", 100_000_001) + body, "MODEL_FORMAT",
        "must be 2..min(file size - 8, 100000000)")
    add("header_length_short_cuts_json", struct.pack("<Q", hlen - 40) + body, "MODEL_FORMAT",
        "not valid JSON")
    add("header_length_big_endian", struct.pack(">Q", hlen) + body, "MODEL_FORMAT",
        "is impossible")
    # Not safetensors at all: the message says so first, and what the file looks like.
    add("torch_zip_checkpoint", b"PK\x03\x04" + b"\0" * 60, "MODEL_FORMAT",
        "not a safetensors file: it looks like a zip archive (it starts with 'PK\\x03\\x04')")
    # torch.save's zip: a local file header whose first entry is <name>/data.pkl.
    entry = b"archive/data.pkl"
    add("torch_zip_data_pkl", b"PK\x03\x04" + b"\0" * 22 + struct.pack("<HH", len(entry), 0)
        + entry + b"\x80\x02}q\x00." + b"\0" * 16, "MODEL_FORMAT",
        "not a safetensors file: it looks like a PyTorch checkpoint (a zip archive, torch.save's "
        "format: its first entry is 'archive/data.pkl'); export the WTConv2d weights to "
        "safetensors with tools/export_wtconv.py. As safetensors: header length ")
    add("torch_pickle_checkpoint", b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8" + b"\0" * 20,
        "MODEL_FORMAT", "not a safetensors file: it looks like a Python pickle (protocol 2)")
    # ONNX (a protobuf ModelProto) as torch.onnx.export starts it: ir_version, producer_name.
    add("onnx_model", b"\x08\x07\x12\x07pytorch\x1a\x061.13.0:\x8d\x03\n\x83\x01\n\x05input"
        + b"\0" * 16, "MODEL_FORMAT",
        "not a safetensors file: it looks like an ONNX model (a protobuf: ir_version 7, producer "
        "'pytorch')")
    add("onnx_model_no_producer", b"\x08\x08\x3a\x10\n\x04Conv\x12\x01y\x2a\x05graph"
        + b"\x42\x09\n\x07ai.onnx" + b"\0" * 8, "MODEL_FORMAT",
        "it looks like an ONNX model (a protobuf: ir_version 8, mentions 'onnx')")
    # A Core ML .mlmodel: specificationVersion, then the description (a message: 0x0a first).
    add("coreml_mlmodel_renamed", b"\x08\x04\x12\x12\n\x10\n\x01x\x1a\x0b\x2a\x09\x10\x01"
        + b"\0" * 24, "MODEL_FORMAT",
        "not a safetensors file: it looks like a Core ML model (.mlmodel, a protobuf: "
        "specificationVersion 4); the Metal backend loads Core ML models named *.mlmodel")
    # A real .mlmodel's description runs past the 512 bytes the loader looks at (904 bytes in
    # the one wtconv_write_coreml writes for a C = 2 layer): still named.
    add("coreml_mlmodel_long_description", b"\x08\x07\x12\x88\x07\x0a\x2c\x0a\x01x"
        + b"\0" * 1000, "MODEL_FORMAT",
        "not a safetensors file: it looks like a Core ML model (.mlmodel, a protobuf: "
        "specificationVersion 7)")
    # Starts like a protobuf but is neither: not claimed to be anything.
    add("protobuf_unrecognised", b"\x08\x01\x10\x02\x18\x03" + b"\0" * 26, "MODEL_FORMAT",
        "not a safetensors file, or a damaged one (it starts with 08 01 10 02 18 03 00 00): "
        "header length ")
    add("text_file", b"# My WTConv model\nThe weights are in model.pth.\n", "MODEL_FORMAT",
        "not a safetensors file: it looks like a text file (it starts with \"# My WTConv model\")")
    add("json_without_length", hdr_text_without_length, "MODEL_FORMAT",
        "not a safetensors file: it looks like JSON text (it starts with "
        "\"{\"base_conv.weight\":{\"dtype\":\"F3...\"); a safetensors file is binary: an 8-byte "
        "little-endian header length, then the JSON header")
    rand, state = b"", 12345
    while len(rand) < 256:   # a fixed LCG: bytes that look like nothing
        state = (state * 1103515245 + 12345) % 2**31
        rand += bytes([state >> 16 & 0xff])
    add("random_bytes", rand, "MODEL_FORMAT",
        "not a safetensors file, or a damaged one (it starts with %s): header length %d (bytes "
        "0..7) is impossible" % (" ".join("%02x" % b for b in rand[:8]),
                                 struct.unpack("<Q", rand[:8])[0]))

    # JSON that is invalid.
    hdr, data = header_and_data(layer())
    text = hdr.decode()
    add("json_not_an_object", raw_header("[1,2,3]"), "MODEL_FORMAT", "not a JSON object")
    add("json_string_root", raw_header('"base_conv.weight"'), "MODEL_FORMAT", "not a JSON object")
    add("json_trailing_garbage", raw_header(text + "}", data), "MODEL_FORMAT",
        "unexpected text after the JSON value")
    add("json_trailing_comma", raw_header(text[:-1] + ",}", data), "MODEL_FORMAT",
        "expected a string key")
    add("json_single_quotes", raw_header(text.replace('"dtype"', "'dtype'", 1), data),
        "MODEL_FORMAT", "expected a string key")
    add("json_missing_colon", raw_header(text.replace('"dtype":', '"dtype" ', 1), data),
        "MODEL_FORMAT", "expected ':' after key")
    add("json_unterminated_string", raw_header('{"base_conv.weight'), "MODEL_FORMAT",
        "unterminated string")
    add("json_unterminated_object", raw_header(text[:-1], data), "MODEL_FORMAT",
        "unterminated object")
    add("json_control_character", raw_header('{"base\tconv":1}'), "MODEL_FORMAT",
        "control character in string")
    add("json_unknown_escape", raw_header('{"base\\xconv":1}'), "MODEL_FORMAT",
        "unknown escape")
    add("json_bad_unicode_escape", raw_header('{"a\\u12G4":1}'), "MODEL_FORMAT",
        "bad hex digit")
    add("json_leading_zero_number", raw_header(text.replace('"data_offsets":[0,', '"data_offsets":[00,', 1), data),
        "MODEL_FORMAT", "expected ',' or ']'")
    add("json_nan_literal", raw_header('{"a":NaN}'), "MODEL_FORMAT", "unexpected character")
    add("json_bare_word", raw_header('{"a":tru}'), "MODEL_FORMAT", "unexpected character")
    add("json_nul_byte", raw_header(b'{"a":1}\0'), "MODEL_FORMAT",
        "unexpected text after the JSON value")
    add("json_utf8_bom", raw_header(b"\xef\xbb\xbf" + hdr, data), "MODEL_FORMAT",
        "unexpected character")
    add("json_only_spaces", raw_header(" " * 16), "MODEL_FORMAT", "unexpected end of text")
    add("json_deeply_nested_65", raw_header('{"a":' + "[" * 64 + "]" * 64 + "}"), "MODEL_FORMAT",
        "nesting too deep")
    add("json_deeply_nested_10000", raw_header('{"a":' + "[" * 10000 + "]" * 10000 + "}"),
        "MODEL_FORMAT", "nesting too deep")
    add("json_deeply_nested_objects", raw_header('{"a":' * 70 + "1" + "}" * 70), "MODEL_FORMAT",
        "nesting too deep")

    # Duplicated keys.
    base = find(layer(), "base_conv.weight")
    add("duplicate_tensor", raw_header(text[:-1] + "," + entry_text(base, 0, 72) + "}", data),
        "MODEL_FORMAT", "header lists tensor 'base_conv.weight' twice")
    add("duplicate_key_in_entry",
        raw_header(text.replace('"shape":[2,1,3,3]', '"shape":[2,1,3,3],"shape":[2,1,3,3]', 1), data),
        "MODEL_FORMAT", "duplicate key 'shape'")
    add("duplicate_metadata", model(metadata='{"a":"1"},"__metadata__":{"b":"2"}'), "MODEL_FORMAT",
        "\"__metadata__\" twice")
    add("duplicate_metadata_key", model(metadata='{"stride":"1","stride":"2"}'), "MODEL_FORMAT",
        "has the key 'stride' twice")
    add("duplicate_layer_both_names",
        model(layer() + [Tensor("base_weight", [2, 1, 3, 3], seed=5)]), "MODEL_FORMAT",
        "both give the base kernel")
    add("duplicate_level_scale_names",
        model(layer() + [Tensor("wt_scales.0", [1, 8, 1, 1], seed=6)]), "MODEL_FORMAT",
        "of one level")

    # Not UTF-8.
    add("utf8_invalid_byte", raw_header(text.replace("base_conv", "base\xffconv", 1).encode("latin-1"), data),
        "MODEL_FORMAT", "invalid UTF-8")
    add("utf8_overlong_slash", raw_header(b'{"a\xc0\xaf":1}'), "MODEL_FORMAT", "invalid UTF-8")
    add("utf8_encoded_surrogate", raw_header(b'{"a\xed\xa0\x80":1}'), "MODEL_FORMAT",
        "invalid UTF-8")
    add("utf8_past_u10ffff", raw_header(b'{"a\xf4\x90\x80\x80":1}'), "MODEL_FORMAT",
        "invalid UTF-8")
    add("utf8_cut_sequence", raw_header(b'{"a\xe2\x82":1}'), "MODEL_FORMAT", "invalid UTF-8")
    add("utf8_latin1_metadata", model(metadata='{"author":"JosX"}').replace(b"JosX", b"Jos\xe9"),
        "MODEL_FORMAT", "invalid UTF-8")
    add("utf16_header", raw_header(b"\xff\xfe" + '{"a":1}'.encode("utf-16-le")), "MODEL_FORMAT",
        "unexpected character")
    add("escape_lone_high_surrogate", raw_header('{"a\\ud800":1}'), "MODEL_FORMAT",
        "lone high surrogate")
    add("escape_lone_low_surrogate", raw_header('{"a\\udc00":1}'), "MODEL_FORMAT",
        "lone low surrogate")
    add("tensor_name_with_nul", model(layer() + [Tensor("x\u0000y", [1])]), "MODEL_FORMAT",
        "contains a NUL character")

    # Offsets overlapping, out of order, past the data.
    t = layer()
    t[1].offsets = [0, 8]  # the bias inside the base kernel's bytes
    add("offsets_overlapping", model(t), "MODEL_FORMAT", "overlap in the data section")
    t = layer() + [Tensor("alias.weight", [2, 1, 3, 3])]
    t[-1].offsets = [0, 72]  # the base kernel's bytes again
    add("offsets_two_tensors_same_bytes", model(t), "MODEL_FORMAT", "overlap in the data section")
    t = layer()
    t[0].offsets = [72, 0]
    add("offsets_reversed", model(t), "MODEL_FORMAT", "end before they begin")
    t = layer()
    t[-1].offsets = [696, 760]
    add("offsets_past_the_data", model(t), "MODEL_FORMAT", "past its end")
    t = layer()
    t[-1].offsets = [18446744073709551551, 18446744073709551615]
    add("offsets_near_2^64", model(t), "MODEL_FORMAT", "past its end")
    t = layer()
    t[-1].offsets = [0, 18446744073709551616]
    add("offsets_past_2^64", model(t), "MODEL_FORMAT", "two non-negative integers")
    t = layer()
    t[0].offsets = [-72, 0]
    add("offsets_negative", model(t), "MODEL_FORMAT", "two non-negative integers")
    t = layer()
    t[0].offsets = ['"0"', '"72"']
    add("offsets_strings", model(t), "MODEL_FORMAT",
        "two non-negative integers")
    add("offsets_three_numbers",
        raw_header(text.replace('"data_offsets":[0,72]', '"data_offsets":[0,72,72]', 1), data),
        "MODEL_FORMAT", "must be an array of two integers")
    add("offsets_fraction",
        raw_header(text.replace('"data_offsets":[0,72]', '"data_offsets":[0,72.0]', 1), data),
        "MODEL_FORMAT", "two non-negative integers")
    add("offsets_missing", raw_header(text.replace(',"data_offsets":[0,72]', "", 1), data),
        "MODEL_FORMAT", "\"data_offsets\" must be an array")

    # Shapes that disagree (with the bytes, or with each other).
    t = layer()
    t[0].offsets = [0, 68]
    t[1].offsets = [68, 76]
    add("shape_bytes_disagree", model(t), "MODEL_FORMAT", "shape needs 72 bytes")
    t = layer()
    t[3] = Tensor("wavelet_convs.0.weight", [4, 1, 3, 3], seed=4)
    add("shape_wavelet_channels", model(t), "MODEL_FORMAT",
        "'wavelet_convs.0.weight' has shape [4,1,3,3]; expected [8,1,3,3]")
    t = layer()
    t[5] = Tensor("wavelet_convs.1.weight", [8, 1, 5, 5], seed=5)
    add("shape_wavelet_kernel", model(t), "MODEL_FORMAT", "expected [8,1,3,3] (4C, k from")
    t = layer()
    t[1] = Tensor("base_conv.bias", [3], seed=2)
    add("shape_bias", model(t), "MODEL_FORMAT", "'base_conv.bias' has shape [3]; expected [2]")
    t = layer()
    t[2] = Tensor("base_scale.weight", [2], seed=3)
    add("shape_scale_flat", model(t), "MODEL_FORMAT", "'base_scale.weight' has shape [2]")
    t = layer()
    t[4] = Tensor("wavelet_scale.0.weight", [1, 4, 1, 1], seed=9)
    add("shape_wavelet_scale", model(t), "MODEL_FORMAT", "expected [1,8,1,1]")
    t = layer()
    t[0] = Tensor("base_conv.weight", [2, 1, 3, 2], seed=1)
    add("shape_kernel_not_square", model(t), "MODEL_FORMAT", "must be [C,1,k,k]")
    t = layer()
    t[0] = Tensor("base_conv.weight", [2, 2, 3, 3], seed=1)
    add("shape_kernel_not_depthwise", model(t), "MODEL_FORMAT", "must be [C,1,k,k]")
    t = layer()
    t[0] = Tensor("base_conv.weight", [2, 1, 3, 3, 1], seed=1)
    add("shape_kernel_5d", model(t), "MODEL_FORMAT", "must be [C,1,k,k]")
    t = layer()
    t[0] = Tensor("base_conv.weight", [0, 1, 3, 3], seed=1)
    add("shape_zero_channels", model(t), "MODEL_FORMAT", "with C, k >= 1")
    t = layer()
    t[0] = Tensor("base_conv.weight", [1] * 9, seed=1)
    add("shape_nine_dimensions", model(t), "MODEL_FORMAT", "9 dimensions (at most 8")
    t = layer()
    t[0] = Tensor("base_conv.weight", [-2, 1, 3, 3], data=b"")
    add("shape_negative", model(t), "MODEL_FORMAT", "shape[0] is not a non-negative integer")
    t = layer()
    t[0] = Tensor("base_conv.weight", [1 << 32, 1 << 32, 1, 1], data=b"")
    add("shape_count_overflows_64_bits", model(t), "MODEL_FORMAT", "overflows 64 bits")
    t = layer()
    t[0] = Tensor("base_conv.weight", [1 << 31, 1 << 31, 1, 1], data=b"")
    add("shape_bytes_overflow_64_bits", model(t), "MODEL_FORMAT", "byte size overflows 64 bits")
    t = layer()
    t[0] = Tensor("base_conv.weight", [2, 1, 256, 256], "XX", data=b"")
    add("shape_kernel_256", model(t), "MODEL_FORMAT", "kernel size 256 exceeds the supported maximum 255")
    t = layer()
    t[0] = Tensor("base_conv.weight", [1 << 29, 1, 1, 1], "XX", data=b"")
    add("shape_too_many_channels", model(t), "MODEL_FORMAT", "536870912 channels is too many")
    t = layer()
    t[0] = Tensor("base_conv.weight", [536870911, 1, 1, 1], data=b"")
    add("shape_huge_without_bytes", model(t), "MODEL_FORMAT", "needs 2147483644 bytes")
    t = [x for x in layer() if x.name != "base_scale.weight"]
    add("missing_base_scale", model(t), "MODEL_FORMAT", "missing tensor 'base_scale.weight'")
    t = [x for x in layer() if not x.name.startswith("wavelet_")]
    add("missing_all_levels", model(t), "MODEL_FORMAT", "the layer has no wavelet levels")
    t = [x for x in layer() if x.name != "wavelet_scale.1.weight"]
    add("missing_level_scale", model(t), "MODEL_FORMAT",
        "missing tensor 'wavelet_scale.1.weight' (level 1 of 2)")
    t = [x for x in layer(levels=3) if not x.name.startswith("wavelet_convs.1")]
    add("missing_middle_level", model(t), "MODEL_FORMAT",
        "missing tensor 'wavelet_convs.1.weight' (level 1 of 3)")
    t = layer() + [Tensor("wavelet_convs.32.weight", [8, 1, 3, 3], seed=7)]
    add("level_index_32", model(t), "MODEL_FORMAT", "level index too large")
    t = layer() + [Tensor("wavelet_convs.99999999999999999999.weight", [8, 1, 3, 3], seed=7)]
    add("level_index_past_uint64", model(t), "MODEL_FORMAT", "level index too large")
    t = []
    for i in range(10):
        t += layer("blocks.%d." % i, bias=False, levels=1, c=1, k=1)
    # A whole network is a fine file; without the 'layer' option the request is ambiguous.
    add("ten_layers", model(t), "INVALID_ARGUMENT",
        "the file holds 10 WTConv2d layers (a whole network?) and no 'layer' option says which "
        "one to run: set it to the layer's key prefix. Layer prefixes found: 'blocks.0.', "
        "'blocks.1.', 'blocks.2.', 'blocks.3.', 'blocks.4.', "
        "'blocks.5.', 'blocks.6.', 'blocks.7.', ... (10 in all)")
    add("no_layer", model([Tensor("encoder.weight", [4])]), "MODEL_FORMAT", "no WTConv2d layer found")
    add("no_tensors", raw_header("{}"), "MODEL_FORMAT", "no WTConv2d layer found")
    add("only_metadata", raw_header('{"__metadata__":{"stride":"1"}}'), "MODEL_FORMAT",
        "no WTConv2d layer found")
    add("two_layers", model(layer("a.") + layer("b.")), "INVALID_ARGUMENT",
        "the file holds 2 WTConv2d layers (a whole network?) and no 'layer' option says which "
        "one to run: set it to the layer's key prefix. Layer prefixes found: 'a.', 'b.'")
    t = layer()
    add("entry_not_an_object", raw_header(text.replace(
        entry_text(t[0], 0, 72), '"base_conv.weight":[0,72]'), data), "MODEL_FORMAT",
        "must be an object with dtype, shape and data_offsets")
    add("shape_missing", raw_header(text.replace('"shape":[2,1,3,3],', "", 1), data),
        "MODEL_FORMAT", "missing or non-array \"shape\"")
    add("shape_not_array", raw_header(text.replace('"shape":[2,1,3,3]', '"shape":"2,1,3,3"', 1), data),
        "MODEL_FORMAT", "missing or non-array \"shape\"")

    # dtype strings unknown, or not a float type.
    for name, dtype in [("dtype_unknown", "Q4"), ("dtype_lowercase", "f32"), ("dtype_empty", ""),
                        ("dtype_f64", "F64"), ("dtype_int32", "I32"), ("dtype_f8", "F8_E4M3")]:
        size = {"F64": 8, "I32": 4, "F8_E4M3": 1}.get(dtype, 4)
        t = layer()
        t[0] = Tensor("base_conv.weight", [2, 1, 3, 3], dtype, data=b"\0" * (18 * size))
        add(name, model(t), "MODEL_FORMAT", "has dtype %s; weights must be F32, F16 or BF16" % dtype)
    add("dtype_not_a_string", raw_header(text.replace('"dtype":"F32"', '"dtype":32', 1), data),
        "MODEL_FORMAT", "missing or non-string \"dtype\"")
    t = layer()
    t[2] = Tensor("base_scale.weight", [1, 2, 1, 1], "XX", data=b"")
    add("dtype_unknown_sized_nothing", model(t), "MODEL_FORMAT", "has dtype XX")

    # NaN and infinite weights: refused (documented in docs/model-format.md).
    def with_values(dtype, changes):
        """The layer in `dtype` with element `index` of `tensor` replaced by `raw` bytes, for
        each (tensor, index, raw) of `changes`."""
        t = layer(dtype=dtype)
        size = 4 if dtype == "F32" else 2
        for tensor, index, raw in changes:
            x = find(t, tensor)
            x.data = x.data[:index * size] + raw + x.data[(index + 1) * size:]
        return model(t)

    def with_value(dtype, index, raw, tensor="base_conv.weight"):
        return with_values(dtype, [(tensor, index, raw)])
    add("nan_f32", with_value("F32", 4, struct.pack("<f", float("nan"))), "MODEL_FORMAT",
        "'base_conv.weight' holds a non-finite value (NaN) at element 4")
    add("inf_f32", with_value("F32", 0, struct.pack("<f", float("inf")), "wavelet_scale.1.weight"),
        "MODEL_FORMAT", "'wavelet_scale.1.weight' holds a non-finite value (Inf) at element 0")
    add("minus_inf_f32", with_value("F32", 1, struct.pack("<f", float("-inf")), "base_conv.bias"),
        "MODEL_FORMAT", "'base_conv.bias' holds a non-finite value (Inf) at element 1")
    add("nan_f16", with_value("F16", 7, b"\x00\x7e", "wavelet_convs.0.weight"), "MODEL_FORMAT",
        "non-finite value (NaN) at element 7")
    add("inf_bf16", with_value("BF16", 1, b"\x80\x7f", "base_scale.weight"), "MODEL_FORMAT",
        "non-finite value (Inf) at element 1")
    add("largest_finite_f32_accepted", with_value("F32", 2, struct.pack("<f", 3.4028234663852886e38)),
        "OK", "")

    # Finite values whose scaled product leaves float32 (the backends fold scale * weight).
    def with_f32(changes):
        return with_values("F32", [(t, i, struct.pack("<f", v)) for t, i, v in changes])
    add("scaled_base_overflows", with_f32([("base_conv.weight", 4, 1e30),
                                           ("base_scale.weight", 0, 1e30)]),
        "MODEL_FORMAT", "'base_conv.weight' element 4 (1e+30) times 'base_scale.weight' element 0 "
        "(1e+30) overflows float32")
    add("scaled_bias_overflows", with_f32([("base_conv.bias", 1, 3e38),
                                           ("base_scale.weight", 1, 4.0)]),
        "MODEL_FORMAT", "'base_conv.bias' element 1 (3e+38) times 'base_scale.weight' element 1")
    add("scaled_wavelet_overflows", with_f32([("wavelet_convs.1.weight", 9, 3e38),
                                              ("wavelet_scale.1.weight", 1, -2.0)]),
        "MODEL_FORMAT", "'wavelet_convs.1.weight' element 9 (3e+38) times "
        "'wavelet_scale.1.weight' element 1 (-2) overflows float32")

    # Metadata.
    add("metadata_not_an_object", model(metadata='"stride=2"'), "MODEL_FORMAT",
        "\"__metadata__\" must be an object")
    add("metadata_value_not_string", model(metadata='{"stride":2}'), "MODEL_FORMAT",
        "value of 'stride' is not a string")
    add("metadata_stride_zero", model(metadata='{"stride":"0"}'), "MODEL_FORMAT",
        "\"stride\" is \"0\"; expected a decimal integer >= 1")
    add("metadata_stride_negative", model(metadata='{"stride":"-1"}'), "MODEL_FORMAT",
        "\"stride\" is \"-1\"")
    add("metadata_stride_empty", model(metadata='{"stride":""}'), "MODEL_FORMAT",
        "\"stride\" is \"\"")
    add("metadata_stride_trailing_text", model(metadata='{"stride":"2px"}'), "MODEL_FORMAT",
        "\"stride\" is \"2px\"")
    add("metadata_stride_past_int_max", model(metadata='{"stride":"2147483648"}'), "MODEL_FORMAT",
        "larger than the maximum 2147483647")
    add("metadata_key_with_nul", model(metadata='{"str\\u0000ide":"2"}'), "MODEL_FORMAT",
        "contains a NUL character")
    add("metadata_key_twice_apart", model(metadata='{"stride":"1","a":"x","stride":"2"}'),
        "MODEL_FORMAT", "has the key 'stride' twice")
    # An embedded NUL must not alias a name the loader looks for (compared over their lengths).
    add("entry_key_with_nul",
        raw_header(text.replace('"base_conv.bias":{"dtype":', '"base_conv.bias":{"dtype\\u0000x":', 1),
                   data), "MODEL_FORMAT", "'base_conv.bias': missing or non-string \"dtype\"")
    add("dtype_value_with_nul",
        raw_header(text.replace('"base_conv.bias":{"dtype":"F32"',
                                '"base_conv.bias":{"dtype":"F32\\u0000x"', 1), data),
        "MODEL_FORMAT", "\"dtype\" contains a NUL character")
    add("metadata_root_key_with_nul",
        raw_header('{"__metadata__\\u0000x":{"stride":"2"},' + text[1:], data), "MODEL_FORMAT",
        "tensor name contains a NUL character")

    # The Haar filter banks.
    bank = []
    for c in range(C):
        for sign in ([1, 1, 1, 1], [1, 1, -1, -1], [1, -1, 1, -1], [1, -1, -1, 1]):
            bank += [0.5 * s for s in sign]
    add("valid_haar_filters", model(layer() + [Tensor("wt_filter", [8, 1, 2, 2], data=encode("F32", bank)),
                                               Tensor("iwt_filter", [8, 1, 2, 2], data=encode("F32", bank))]),
        "OK", "")
    wrong = list(bank)
    wrong[6] = -wrong[6]
    add("filter_not_haar", model(layer() + [Tensor("wt_filter", [8, 1, 2, 2], data=encode("F32", wrong))]),
        "MODEL_FORMAT", "'wt_filter' is not the Haar filter bank")
    add("filter_wrong_shape", model(layer() + [Tensor("iwt_filter", [8, 1, 3, 3], seed=3)]),
        "MODEL_FORMAT", "'iwt_filter' has shape [8,1,3,3]; expected [8,1,2,2]")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "malformed"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for old in os.listdir(args.out):
        if old.endswith(".safetensors"):
            os.remove(os.path.join(args.out, old))
    lines = ["# libwtconv malformed-model corpus, written by tools/make_malformed.py (do not edit).",
             "# file<TAB>C<TAB>H<TAB>W<TAB>expected status<TAB>message fragment",
             "# '@name' entries are paths the test makes: a directory, a FIFO, a missing file, a",
             "# character device (/dev/null) and the empty string."]
    written = {}
    for name, c, h, w, status, fragment, data in cases():
        assert written.setdefault(name, data) == data, "two contents for " + name
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(data)
        lines.append("\t".join([name, str(c), str(h), str(w), status, fragment]))
    lines += ["@directory\t2\t8\t8\tIO\tnot a regular file",
              "@fifo\t2\t8\t8\tIO\tnot a regular file",
              "@missing\t2\t8\t8\tIO\tcannot open the file",
              "@device\t2\t8\t8\tIO\tnot a regular file",
              "@empty_path\t2\t8\t8\tIO\tcannot open the file"]
    with open(os.path.join(args.out, "manifest.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %d files and manifest.txt to %s" % (len(written), args.out))


if __name__ == "__main__":
    main()
