#!/usr/bin/env python3
"""Measures pimc's compile time per phase on the test models (release build).

For each model and phase (onnx = import only, graph = + rewrites, pim = + lowering, tiled,
scheduled, isa = + back end, each with MLIR verification; pimbin = + writing the program) runs
`target/release/pimc MODEL --batch B --compile-to=PHASE -o /dev/null` (for pimbin: `-o
FILE.pimbin`) REPEAT times and prints the median and minimum wall time.
Usage: scripts/bench-compile.py [--repeat N] [--batch B] [--phases a,b,...] [MODEL...]
(default: the zoo models, batch 1, every phase).
"""
import argparse
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


PHASES = ("onnx", "graph", "pim", "tiled", "scheduled", "isa", "pimbin")


def measure(pimc: str, model: str, phase: str, batch: int, repeat: int, scratch: str) -> list[float]:
    if phase == "pimbin":
        command = [pimc, model, f"--batch={batch}", "-o", os.path.join(scratch, "bench.pimbin")]
    else:
        command = [pimc, model, f"--batch={batch}", f"--compile-to={phase}", "-o", os.devnull]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--phases", default=",".join(PHASES))
    parser.add_argument("models", nargs="*")
    args = parser.parse_args()
    pimc = os.path.join(ROOT, "target", "release", "pimc")
    if not os.path.exists(pimc):
        sys.exit("build first: cargo build --release")
    models = args.models or sorted(glob.glob(os.path.join(ROOT, "test-models", "zoo", "*.onnx")))
    print(f"{'model':<28} {'phase':<9} {'median s':>9} {'min s':>8}   (batch {args.batch}, {args.repeat} runs)")
    with tempfile.TemporaryDirectory() as scratch:
        for model in models:
            for phase in args.phases.split(","):
                if phase not in PHASES:
                    sys.exit(f"unknown phase {phase}; phases: {', '.join(PHASES)}")
                times = measure(pimc, model, phase, args.batch, args.repeat, scratch)
                name = os.path.basename(model)
                print(f"{name:<28} {phase:<9} {statistics.median(times):>9.3f} {min(times):>8.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
