#!/usr/bin/env python3
"""Writes the Core ML exporter's --describe output for every golden case, in one process.

    describe_cases.py TOOL GOLDEN_DIR WORK_DIR

TOOL is tools/export_wtconv_coreml.py. For each case of GOLDEN_DIR/cases.txt this calls the
tool's main() with the arguments its command line would get (--model, --batch, --channels,
--height, --width, --describe, and --layer / --stride where the case has them) and writes what
it prints to WORK_DIR/<name>.json; it then prints the case's name. A failure prints the tool's
message and exits 1. One process, because the tool imports torch: a process per case spent
1-2 s on that import each, 19 times (over 2 minutes on a busy machine).
"""
import contextlib
import io
import os
import sys


def main(argv):
    tool, golden, work = argv
    sys.path.insert(0, os.path.dirname(os.path.abspath(tool)))
    module = os.path.splitext(os.path.basename(tool))[0]
    exporter = __import__(module)
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(golden, "cases.txt"), encoding="utf-8") as manifest:
        for line in manifest:
            if not line.strip() or line.startswith("#"):
                continue
            name, model, layer, n, c, h, w, stride = line.split()[:8]
            args = ["--model", os.path.join(golden, model), "--batch", n, "--channels", c,
                    "--height", h, "--width", w, "--describe"]
            if layer != "-":
                args += ["--layer", layer]
            if stride != "0":
                args += ["--stride", stride]
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                status = exporter.main(args)
            if status != 0:
                print(f"the exporter cannot describe {name} (status {status})", file=sys.stderr)
                return 1
            with open(os.path.join(work, name + ".json"), "w", encoding="utf-8") as report:
                report.write(out.getvalue())
            print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
