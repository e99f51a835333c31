#!/usr/bin/env python3
"""The COMPASS comparison protocol (DATE 2025) on pimc's chips: throughput at batch 16 of pimc's
schedule against greedy partitioning in the same weight-reuse pipeline (the paper's scheduler as
published, and pimc's scheduler with its segmentation replaced by greedy first fit) and against
layer-by-layer execution, on VGG-16, ResNet-18 and SqueezeNet with 4-bit
weights on 256x256 SRAM crossbars (a variant of each preset written to a temporary target file).

COMPASS reports 1.80x / 1.71x / 2.24x over greedy and 1.56x / 1.31x / 1.98x over layer-by-layer.
With --timed every program is also compiled to a .pimbin and run by `pim-run --timing`, and a second
table gives the timed throughputs and ratios. The binaries come from $PIMC_BIN (default
target/release).
Usage: scripts/bench-compass.py [--targets compact-4x4] [--batch 16] [--timed] [MODEL...]
(default models: test-models/generated/vgg16.onnx (generated if missing, `generate.py --only vgg16`),
resnet18.onnx, test-models/zoo/light_squeezenet.onnx).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OVERRIDES = {"crossbar": {"rows": "256", "cols": "256"}, "precision": {"weight_bits": "4"}}


def variant(preset: str, directory: str) -> str:
    """The preset with COMPASS's crossbars and weight precision, as a target file."""
    text = open(os.path.join(ROOT, "runtime", "targets", f"{preset}.toml")).read()
    section = None
    lines = []
    for line in text.splitlines():
        header = re.match(r"\[(\w+)\]", line)
        section = header.group(1) if header else section
        key = re.match(r"(\w+)\s*=", line)
        if key and key.group(1) in OVERRIDES.get(section, {}):
            line = f"{key.group(1)} = {OVERRIDES[section][key.group(1)]}"
        elif key and section == "chip" and key.group(1) == "name":
            line = f'name = "{preset}-compass"'
        lines.append(line)
    path = os.path.join(directory, f"{preset}-compass.toml")
    open(path, "w").write("\n".join(lines) + "\n")
    return path


BIN = os.environ.get("PIMC_BIN", os.path.join(ROOT, "target", "release"))
# The schedules compared (mode, scheduler, extra options): pimc's best, the paper's reuse
# pipeline, pimc's reuse pipeline on greedy segments, layer-by-layer.
POINTS = [("auto", "pimc", ()), ("reuse", "paper", ()),
          ("reuse", "pimc", ("--segmentation=greedy",)), ("layer", "pimc", ())]


def run(command: list):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)}: {result.stderr.strip()}")


def throughput(model: str, target: str, batch: int, mode: str, scheduler: str, tmp: str, timed: bool,
               *extra: str):
    """The modelled throughput of one schedule, and its timed one (None unless `timed`)."""
    report, program, timing = (os.path.join(tmp, name) for name in ("cost.json", "p.pimbin", "t.json"))
    run([os.path.join(BIN, "pimc"), model, f"--target={target}", f"--pipeline={mode}",
         f"--scheduler={scheduler}", f"--batch={batch}", "--report", report,
         *(["-o", program] if timed else ["--emit=report", "-o", os.devnull]), *extra])
    modelled = json.load(open(report))["throughput_fps"]
    if not timed:
        return modelled, None
    run([os.path.join(BIN, "pim-run"), program, "--timing", "--report", timing])
    return modelled, json.load(open(timing))["throughput_fps"]


def rows(name: str, preset: str, figures: list) -> str:
    best, paper, greedy, layer = figures
    return (f"| {name} | {preset} (4-bit, 256x256) | {best:,.0f} | {paper:,.0f} | {greedy:,.0f} "
            f"| {layer:,.0f} | {best / paper:.2f}x | {best / greedy:.2f}x | {best / layer:.2f}x |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", default="compact-4x4")
    parser.add_argument("--timed", action="store_true")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("models", nargs="*")
    args = parser.parse_args()
    vgg16 = os.path.join(ROOT, "test-models", "generated", "vgg16.onnx")
    if not args.models and not os.path.exists(vgg16):
        subprocess.run([os.path.join(ROOT, ".venv", "bin", "python"),
                        os.path.join(ROOT, "test-models", "generate.py"), "--only", "vgg16"], check=True)
    models = args.models or [vgg16,
                             os.path.join(ROOT, "test-models", "generated", "resnet18.onnx"),
                             os.path.join(ROOT, "test-models", "zoo", "light_squeezenet.onnx")]
    header = ("| model | target | pimc auto (images/s) | paper reuse | pimc reuse, greedy segments "
              "| layer | vs paper | vs greedy segments | vs layer |\n|---|---|---|---|---|---|---|---|---|")
    modelled, timed = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for preset in args.targets.split(","):
            target = variant(preset, tmp)
            for model in models:
                name = os.path.basename(model)[:-5]
                figures = [throughput(model, target, args.batch, mode, scheduler, tmp, args.timed,
                                      *extra) for mode, scheduler, extra in POINTS]
                modelled.append(rows(name, preset, [m for m, _ in figures]))
                timed.append(rows(name, preset, [t for _, t in figures]) if args.timed else None)
    print("Modelled (pimc --emit=report):\n" + header)
    print("\n".join(modelled))
    if args.timed:
        print("\nTimed (pim-run --timing):\n" + header)
        print("\n".join(timed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
