#!/usr/bin/env python3
"""Measures pimc's compile time per phase on the test models (release build).

For each model and phase (onnx = import only, graph = + rewrites, pim = + lowering, tiled,
scheduled, isa = + back end, each with MLIR verification; pimbin = + writing the program) runs
`target/release/pimc MODEL --batch B --compile-to=PHASE -o /dev/null` (for pimbin: `-o
FILE.pimbin`) REPEAT times and prints the median and minimum wall time, and the median CPU time
(user + system of the pimc process: on a busy machine the figure to quote, since pimc runs on one
core).
Usage: scripts/bench-compile.py [--repeat N] [--batch B] [--phases a,b,...] [MODEL...]
(default: the zoo models, batch 1, every phase).
"""
import argparse
import glob
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


PHASES = ("onnx", "graph", "pim", "tiled", "scheduled", "isa", "pimbin")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(pimc: str, model: str, phase: str, batch: int, repeat: int, scratch: str):
    """Wall and CPU seconds of each run."""
    if phase == "pimbin":
        command = [pimc, model, f"--batch={batch}", "-o", os.path.join(scratch, "bench.pimbin")]
    else:
        command = [pimc, model, f"--batch={batch}", f"--compile-to={phase}", "-o", os.devnull]
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), cpu_seconds()
        subprocess.run(command, check=True)
        times.append(time.perf_counter() - start)
        cpu.append(cpu_seconds() - start_cpu)
    return times, cpu


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
    print(f"{'model':<28} {'phase':<9} {'median s':>9} {'min s':>8} {'CPU s':>8}   "
          f"(batch {args.batch}, {args.repeat} runs)")
    with tempfile.TemporaryDirectory() as scratch:
        for model in models:
            for phase in args.phases.split(","):
                if phase not in PHASES:
                    sys.exit(f"unknown phase {phase}; phases: {', '.join(PHASES)}")
                times, cpu = measure(pimc, model, phase, args.batch, args.repeat, scratch)
                name = os.path.basename(model)
                print(f"{name:<28} {phase:<9} {statistics.median(times):>9.3f} {min(times):>8.3f} "
                      f"{statistics.median(cpu):>8.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
