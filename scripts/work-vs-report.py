#!/usr/bin/env python3
"""Compares what compiled programs do with what their cost reports count: for each
MODEL:BATCH:MODE, compiles with `pimc -o X.pimbin --report X.json`, runs the program in `pim-run
--stats` on random inputs and prints the DRAM activation bytes, crossbar writes and crossbar
activations of both (8-bit activations on the presets; the byte count is elements x bits / 8).

Usage: scripts/work-vs-report.py [--target compact-4x4] MODEL.onnx:BATCH:MODE ...
Exit status 1 when any figure differs. The binaries come from $PIMC_BIN (default target/release).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("PIMC_BIN", os.path.join(ROOT, "target", "release"))


def inputs(model: str, batch: int, stem: str) -> list[str]:
    """`--input NAME=FILE` arguments with random tensors for the model's graph inputs."""
    graph = onnx.load(model, load_external_data=False).graph
    initializers = {i.name for i in graph.initializer}
    args = []
    rng = np.random.default_rng(0)
    for i, value in enumerate(v for v in graph.input if v.name not in initializers):
        shape = [d.dim_value if d.dim_value > 0 else batch for d in value.type.tensor_type.shape.dim]
        if shape and shape[0] == 1 and batch > 1:
            shape[0] = batch
        path = f"{stem}.{i}.npy"
        np.save(path, rng.random(shape, dtype=np.float32))
        args += ["--input", f"{value.name}={path}"]
    return args


def work(stats: str) -> dict[str, int]:
    figures = {}
    for line in stats.splitlines():
        parts = line.rsplit(None, 1)
        if len(parts) == 2 and parts[1].isdigit():
            figures[parts[0].strip()] = int(parts[1])
    return figures


def check(spec: str, target: str, tmp: str) -> bool:
    model, batch, mode = spec.rsplit(":", 2)
    stem = os.path.join(tmp, f"{os.path.basename(model)}.{mode}.{batch}")
    subprocess.run([os.path.join(BIN, "pimc"), model, f"--batch={batch}", f"--pipeline={mode}",
                    f"--target={target}", "-o", stem + ".pimbin", "--report", stem + ".json"], check=True)
    run = subprocess.run([os.path.join(BIN, "pim-run"), stem + ".pimbin", *inputs(model, int(batch), stem),
                          "--output-dir", stem + ".out", "--stats"], check=True, capture_output=True, text=True)
    done = work(run.stdout)
    report = json.load(open(stem + ".json"))
    pairs = [((done["dram activation reads"] + done["dram activation writes"]) * report_bits(target) // 8,
              report["dram_bytes"]["activations"]),
             (done["crossbar writes (whole)"], report["crossbars"]["written"]),
             (done["crossbar activations"], report["mvm_activations"])]
    same = all(a == b for a, b in pairs)
    print(f"| {os.path.basename(model)[:-5]} | {mode} | {batch} | "
          + " | ".join(f"{a:,} / {b:,}" for a, b in pairs) + f" | {'equal' if same else 'DIFFERENT'} |", flush=True)
    return same


def report_bits(target: str) -> int:
    text = open(os.path.join(ROOT, "runtime", "targets", f"{target}.toml")).read()
    line = next(l for l in text.splitlines() if l.startswith("activation_bits"))
    return int(line.split("=")[1].split("#")[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="compact-4x4")
    parser.add_argument("specs", nargs="+", metavar="MODEL:BATCH:MODE")
    args = parser.parse_args()
    print("| model | mode | batch | DRAM activation bytes (program / report) | crossbar writes | crossbar activations | |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        results = [check(spec, args.target, tmp) for spec in args.specs]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
