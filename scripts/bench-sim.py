#!/usr/bin/env python3
"""Simulation speed: the functional simulator against onnxruntime, and the timing simulator.

  scripts/bench-sim.py functional MODEL.onnx [--batch N] [--repeat R]
      Compiles MODEL (compact-4x4, default pipeline) at batch N, writes seeded inputs and
      onnxruntime's outputs (test-models/reference.py), then times `pim-run` (wall clock, best of
      R) and onnxruntime's session.run on the same inputs (best of R, session created once), and
      prints both and their ratio.

  scripts/bench-sim.py timing MODEL.onnx [--batch N] [--pipeline P] [--repeat R]
      Compiles MODEL and times `pim-run --timing` (best of R), printing the executed instructions.

Run with the project venv (onnx, onnxruntime, numpy). Times are wall clock on this machine.
`pimc` and `pim-run` come from $PIMC_BIN (default target/release), to compare two builds.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("PIMC_BIN", os.path.join(ROOT, "target", "release"))


def best(command, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run = subprocess.run(command, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if run.returncode != 0:
            sys.exit(f"{' '.join(command)}: {run.stderr}")
    return min(times), run.stdout


def compile_model(model, batch, pipeline, out):
    command = [os.path.join(BIN, "pimc"), model, f"--batch={batch}", "-o", out]
    if pipeline:
        command.append(f"--pipeline={pipeline}")
    subprocess.run(command, check=True)


def functional(args, tmp):
    import numpy as np
    import onnxruntime as ort
    program = os.path.join(tmp, "model.pimbin")
    compile_model(args.model, args.batch, args.pipeline, program)
    ref = os.path.join(tmp, "ref")
    subprocess.run([sys.executable, os.path.join(ROOT, "test-models", "reference.py"), "run",
                    args.model, "--out-dir", ref, "--batch", str(args.batch)], check=True)
    session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    import json
    manifest = json.load(open(os.path.join(ref, "manifest.json")))
    feeds = {}
    pim_inputs = []
    for i in manifest["inputs"]:
        path = os.path.join(ref, i["file"])
        feeds[i["name"]] = np.load(path)
        pim_inputs += ["--input", f"{i['name']}={path}"]
    pim, _ = best([os.path.join(BIN, "pim-run"), program, *pim_inputs, "--output-dir",
                   os.path.join(tmp, "out")], args.repeat)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        session.run(None, feeds)
        times.append(time.perf_counter() - start)
    ort_s = min(times)
    print(f"{os.path.basename(args.model)} batch {args.batch}: pim-run {pim:.2f} s, "
          f"onnxruntime {ort_s:.3f} s, ratio {pim / ort_s:.0f}x")


def timing(args, tmp):
    program = os.path.join(tmp, "model.pimbin")
    compile_model(args.model, args.batch, args.pipeline, program)
    seconds, out = best([os.path.join(BIN, "pim-run"), program, "--timing"], args.repeat)
    executed = next((l.split(",")[-1].strip() for l in out.splitlines() if "executed" in l), "")
    print(f"{os.path.basename(args.model)} batch {args.batch} {args.pipeline}: "
          f"pim-run --timing {seconds:.2f} s ({executed})")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["functional", "timing"])
    p.add_argument("model")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--pipeline", default=None)
    p.add_argument("--repeat", type=int, default=1)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        (functional if args.mode == "functional" else timing)(args, tmp)


if __name__ == "__main__":
    main()
