#!/usr/bin/env python3
"""Sweep speed of `pimc explore`: points per second for a network as the sweep grows (more chips
at the same models and batches, so the imports stay fixed) and with 1 and 2 rayon threads.

Usage: scripts/bench-explore.py [MODEL...]  (default: the generated VGG-8 and ResNet-50)

Each sweep is batches {1, 256} x modes {reuse, baseline, layer} x schedulers {paper, pimc} (12
points) times N chips (`--set chip.tiles_x=...`, N = 1, 4, 16). Prints, per model and thread
count, the wall time and points/s of each size, and a fit time = fixed + points x per-point: the
fixed part is the import and rewrite (once per model and batch), the per-point part the planning
and costing.
"""
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PIMC = os.path.join(ROOT, "target", "release", "pimc")
TILES = {1: "4", 4: "1,2,3,4", 16: ",".join(str(t) for t in range(1, 17))}


def run(model: str, chips: int, threads: int) -> float:
    with tempfile.TemporaryDirectory() as out:
        command = [PIMC, "explore", "--model", model, "--batch", "1,256",
                   "--pipeline", "reuse,baseline,layer", "--scheduler", "paper,pimc",
                   "--set", f"chip.tiles_x={TILES[chips]}", "--out", out]
        env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
        start = time.perf_counter()
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start


def main() -> int:
    models = sys.argv[1:] or [os.path.join(ROOT, "test-models", "generated", f"{m}.onnx")
                              for m in ("vgg8", "resnet50")]
    print("| model | threads | points | seconds | points/s |")
    print("|---|---|---|---|---|")
    for model in models:
        name = os.path.basename(model)[:-5]
        for threads in (1, 2):
            sizes = []
            for chips in (1, 4, 16):
                points = 12 * chips
                seconds = run(model, chips, threads)
                sizes.append((points, seconds))
                print(f"| {name} | {threads} | {points} | {seconds:.2f} | {points / seconds:.1f} |")
            (p0, t0), (p1, t1) = sizes[0], sizes[-1]
            per_point = (t1 - t0) / (p1 - p0)
            print(f"| {name} | {threads} | fit | fixed {t0 - p0 * per_point:.2f} s | "
                  f"{1 / per_point:.1f} points/s beyond the imports |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
