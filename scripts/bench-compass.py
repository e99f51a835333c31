#!/usr/bin/env python3
"""The COMPASS comparison protocol (DATE 2025) on pimc's chips: throughput at batch 16 of pimc's
schedule against greedy partitioning in the same weight-reuse pipeline (the paper's scheduler as
published, and pimc's scheduler with its segmentation replaced by greedy first fit) and against
layer-by-layer execution, on VGG-16, ResNet-18 and SqueezeNet with 4-bit
weights on 256x256 SRAM crossbars (a variant of each preset written to a temporary target file).

COMPASS reports 1.80x / 1.71x / 2.24x over greedy and 1.56x / 1.31x / 1.98x over layer-by-layer.
Usage: scripts/bench-compass.py [--targets compact-4x4] [--batch 16] [MODEL...]
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


def throughput(pimc: str, model: str, target: str, batch: int, mode: str, scheduler: str, out: str,
               *extra: str):
    command = [pimc, model, "--emit=report", f"--target={target}", f"--pipeline={mode}",
               f"--scheduler={scheduler}", f"--batch={batch}", "--report", out, "-o", os.devnull, *extra]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)}: {result.stderr.strip()}")
    return json.load(open(out))["throughput_fps"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", default="compact-4x4")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("models", nargs="*")
    args = parser.parse_args()
    pimc = os.path.join(ROOT, "target", "release", "pimc")
    vgg16 = os.path.join(ROOT, "test-models", "generated", "vgg16.onnx")
    if not args.models and not os.path.exists(vgg16):
        subprocess.run([os.path.join(ROOT, ".venv", "bin", "python"),
                        os.path.join(ROOT, "test-models", "generate.py"), "--only", "vgg16"], check=True)
    models = args.models or [vgg16,
                             os.path.join(ROOT, "test-models", "generated", "resnet18.onnx"),
                             os.path.join(ROOT, "test-models", "zoo", "light_squeezenet.onnx")]
    print("| model | target | pimc auto (images/s) | paper reuse | pimc reuse, greedy segments | layer "
          "| vs paper | vs greedy segments | vs layer |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "report.json")
        for preset in args.targets.split(","):
            target = variant(preset, tmp)
            for model in models:
                name = os.path.basename(model)[:-5]
                best = throughput(pimc, model, target, args.batch, "auto", "pimc", out)
                paper = throughput(pimc, model, target, args.batch, "reuse", "paper", out)
                greedy = throughput(pimc, model, target, args.batch, "reuse", "pimc", out,
                                    "--segmentation=greedy")
                layer = throughput(pimc, model, target, args.batch, "layer", "pimc", out)
                print(f"| {name} | {preset} (4-bit, 256x256) | {best:,.0f} | {paper:,.0f} | {greedy:,.0f} "
                      f"| {layer:,.0f} | {best / paper:.2f}x | {best / greedy:.2f}x | {best / layer:.2f}x |",
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
