#!/usr/bin/env python3
"""Runs ONNX's own backend test cases (the `pytorch-converted`, `pytorch-operator` and `simple`
directories of the installed onnx package's backend test data: 140 cases) through pimc and
pim-run and compares the outputs with the cases' expected outputs.

Each case ends in one of: `pass` (every output within 1e-4 x its largest magnitude + 1e-6),
`refused` (pimc exits 1 with its error: the first line is shown), `WRONG` (pim-run's output
differs), `CRASH` (pimc or pim-run exits with any other status: a panic is 101). Exits 1 if any
case is wrong or crashes. Usage:

  scripts/onnx-backend-cases.py [--pimc PIMC] [--pim-run PIM_RUN] [--out DIR] [--verbose]
"""

import argparse
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")
SUITES = ["pytorch-converted", "pytorch-operator", "simple"]


def read_tensors(case_dir, prefix):
    files = sorted(glob.glob(os.path.join(case_dir, "test_data_set_0", f"{prefix}_*.pb")),
                   key=lambda f: int(f.rsplit("_", 1)[1].split(".")[0]))
    tensors = []
    for f in files:
        t = onnx.TensorProto()
        with open(f, "rb") as fh:
            t.ParseFromString(fh.read())
        tensors.append(numpy_helper.to_array(t))
    return tensors


def run_case(case_dir, args, work):
    model_path = os.path.join(case_dir, "model.onnx")
    model = onnx.load(model_path)
    inits = {t.name for t in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in inits]
    inputs = read_tensors(case_dir, "input")
    expected = read_tensors(case_dir, "output")
    pimbin = os.path.join(work, "p.pimbin")
    compiled = subprocess.run([args.pimc, model_path, "-o", pimbin], capture_output=True, text=True)
    if compiled.returncode == 1:
        return "refused", compiled.stderr.strip().splitlines()[0] if compiled.stderr.strip() else ""
    if compiled.returncode != 0:
        return "CRASH", f"pimc exit {compiled.returncode}: {compiled.stderr.strip()[:300]}"
    command = [args.pim_run, pimbin, "--output-dir", os.path.join(work, "out")]
    for name, value in zip(names, inputs):
        if value.dtype != np.float32:
            return "refused", f"input `{name}` is {value.dtype}"
        path = os.path.join(work, f"in{len(command)}.npy")
        np.save(path, value)
        command += ["--input", f"{name}={path}"]
    ran = subprocess.run(command, capture_output=True, text=True)
    if ran.returncode == 1:
        return "WRONG", f"pim-run: {ran.stderr.strip()[:300]}"
    if ran.returncode != 0:
        return "CRASH", f"pim-run exit {ran.returncode}: {ran.stderr.strip()[:300]}"
    outputs = sorted(glob.glob(os.path.join(work, "out", "*.npy")))
    by_name = {os.path.basename(p)[:-4]: p for p in outputs}
    for port, want in zip(model.graph.output, expected):
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in port.name)
        got = np.load(by_name.get(safe, outputs[0])).reshape(want.shape)
        if not np.array_equal(np.isnan(got), np.isnan(want)):
            return "WRONG", f"output `{port.name}`: NaN where the expected output has none, or not"
        finite = ~np.isnan(want)
        error = float(np.max(np.abs(got - want)[finite], initial=0.0))
        allowed = 1e-6 + 1e-4 * float(np.max(np.abs(want)[finite], initial=0.0))
        if not error <= allowed:
            return "WRONG", f"output `{port.name}`: max abs error {error:.3g} (allowed {allowed:.3g})"
    return "pass", ""


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pimc", default=os.path.join(ROOT, "target", "release", "pimc"))
    p.add_argument("--pim-run", default=os.path.join(ROOT, "target", "release", "pim-run"))
    p.add_argument("--verbose", action="store_true", help="print passing cases too")
    args = p.parse_args()
    counts = {}
    for suite in SUITES:
        for case_dir in sorted(glob.glob(os.path.join(DATA, suite, "test_*"))):
            with tempfile.TemporaryDirectory() as work:
                status, detail = run_case(case_dir, args, work)
            counts[status] = counts.get(status, 0) + 1
            if status != "pass" or args.verbose:
                print(f"{status:8} {suite}/{os.path.basename(case_dir)}: {detail}")
    total = sum(counts.values())
    print(f"{total} cases: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return 1 if counts.get("WRONG") or counts.get("CRASH") else 0


if __name__ == "__main__":
    sys.exit(main())
