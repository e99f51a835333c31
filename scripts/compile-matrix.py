#!/usr/bin/env python3
"""Compiles every model on every target preset, in every pipeline mode, at every batch, to .pimbin.

For each combination runs `pimc MODEL --target=T --pipeline=P --batch=B -o FILE.pimbin` and prints
one line: `ok` with the compile time and program size, `refused` with pimc's message when `full` is
refused because the network does not fit (the only refusal that is expected), or `FAILED` with the
message. Exits 1 if anything failed. Usage:

  scripts/compile-matrix.py [--pimc PIMC] [--targets a,b] [--pipelines a,b] [--batches 1,64] MODEL...

(default: target/release/pimc, the three presets, layer/baseline/full, batches 1 and 64).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPECTED_REFUSAL = "crossbars to hold all weights"


def compile_one(pimc: str, model: str, target: str, pipeline: str, batch: str, out: str):
    command = [pimc, model, f"--target={target}", f"--pipeline={pipeline}", f"--batch={batch}", "-o", out]
    start = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if run.returncode == 0:
        return "ok", f"{seconds:.2f} s, {os.path.getsize(out) / 1e6:.1f} MB"
    message = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "no message"
    if pipeline == "full" and EXPECTED_REFUSAL in message:
        return "refused", message
    return "FAILED", message


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pimc", default=os.path.join(ROOT, "target", "release", "pimc"))
    parser.add_argument("--targets", default="compact-4x4,unlimited-6x6,isaac-rram")
    parser.add_argument("--pipelines", default="layer,baseline,full")
    parser.add_argument("--batches", default="1,64")
    parser.add_argument("models", nargs="+")
    args = parser.parse_args()
    failed = 0
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "program.pimbin")
        for model in args.models:
            name = os.path.splitext(os.path.basename(model))[0]
            for target in args.targets.split(","):
                for pipeline in args.pipelines.split(","):
                    for batch in args.batches.split(","):
                        status, detail = compile_one(args.pimc, model, target, pipeline, batch, out)
                        failed += status == "FAILED"
                        print(f"{name} {target} {pipeline} b{batch}: {status}: {detail}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
