#!/usr/bin/env python3
"""Schedule quality and cost figures: runs `pimc --emit=report` over networks, targets, pipeline
modes, schedulers and batch sizes and prints one Markdown row per configuration (latency,
throughput, energy per image, TOPS/W, TOPS/mm2, DRAM share of energy, segments, bubbles, fraction
of the lower bound reached).

Usage: scripts/bench-schedule.py [--targets compact-4x4,unlimited-6x6] [--batches 1,64]
       [--modes reuse,baseline,layer,full] [--schedulers pimc] [MODEL...]
(default models: LeNet and the generated paper networks).
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def row(pimc: str, model: str, target: str, mode: str, scheduler: str, batch: int, out: str) -> str:
    name = os.path.basename(model)[:-5]
    command = [pimc, model, "--emit=report", f"--target={target}", f"--pipeline={mode}",
               f"--scheduler={scheduler}", f"--batch={batch}", "--report", out, "-o", os.devnull]
    result = subprocess.run(command, capture_output=True, text=True)
    head = f"| {name} | {target} | {mode} | {scheduler} | {batch} |"
    if result.returncode != 0:
        reason = result.stderr.strip().splitlines()[-1][:70] if result.stderr.strip() else "failed"
        return f"{head} refused: {reason} |"
    r = json.load(open(out))
    energy = r["energy_pj"]
    return (f"{head} {r['pipeline']} | {r['latency_ns'] / 1e3:,.1f} | {r['throughput_fps']:,.0f} "
            f"| {energy['total'] / 1e6 / batch:.2f} | {r['tops_per_w']:.2f} | {r['tops_per_mm2']:.4f} "
            f"| {100 * energy['dram'] / energy['total']:.1f} % "
            f"| {len(r['segments'])} | {100 * r['bubble_fraction']:.1f} % | {100 * r['bound_fraction']:.1f} % |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", default="compact-4x4,unlimited-6x6")
    parser.add_argument("--batches", default="1,64")
    parser.add_argument("--modes", default="reuse,baseline,layer,full",
                        help="pipeline modes (auto reports the mode it picked)")
    parser.add_argument("--schedulers", default="pimc")
    parser.add_argument("models", nargs="*")
    args = parser.parse_args()
    pimc = os.path.join(ROOT, "target", "release", "pimc")
    if not os.path.exists(pimc):
        sys.exit("build first: cargo build --release")
    models = args.models or [os.path.join(ROOT, "test-models", "nets", "lenet.onnx")] + sorted(
        glob.glob(os.path.join(ROOT, "test-models", "generated", "*.onnx")))
    print("| model | target | pipeline | scheduler | batch | mode | latency us | images/s | uJ/image "
          "| TOPS/W | TOPS/mm2 | DRAM energy | segments | bubbles | bound |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "report.json")
        for model in models:
            for target in args.targets.split(","):
                for mode in args.modes.split(","):
                    for scheduler in args.schedulers.split(","):
                        for batch in (int(b) for b in args.batches.split(",")):
                            print(row(pimc, model, target, mode, scheduler, batch, out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
