#!/usr/bin/env python3
"""Checks that pimc's graph-level IR computes what the ONNX model computes.

For each model: `pimc MODEL --compile-to=PHASE --emit=onnx` writes the imported (phase onnx) or
rewritten (phase graph) network back to ONNX; onnxruntime then runs the original and that export on
the same seeded random input (test-models/reference.py) and the outputs must agree within the
reference tolerance. Prints one line per model and exits 1 if any model fails.

usage: graph_numerics.py --pimc PIMC --phase onnx|graph [--batch N] MODEL...
"""
import argparse
import contextlib
import io
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "test-models"))
import reference  # noqa: E402


def check(pimc: str, model: str, phase: str, batch: int, workdir: str) -> tuple[bool, str]:
    exported = os.path.join(workdir, os.path.basename(model) + f".{phase}.onnx")
    compiled = subprocess.run(
        [pimc, model, f"--compile-to={phase}", "--emit=onnx", f"--batch={batch}", "-o", exported],
        capture_output=True, text=True)
    if compiled.returncode != 0:
        return False, f"pimc failed: {compiled.stderr.strip()}"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = reference.main(["compare", model, exported, "--batch", str(batch)])
    lines = [line for line in out.getvalue().splitlines() if not line.startswith("note:")]
    return status == 0, "; ".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pimc", required=True)
    parser.add_argument("--phase", choices=["onnx", "graph"], required=True)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("models", nargs="+")
    args = parser.parse_args()
    passed = failed = 0
    with tempfile.TemporaryDirectory() as workdir:
        for model in sorted(args.models):
            ok, message = check(args.pimc, model, args.phase, args.batch, workdir)
            name = os.path.basename(model)
            print(f"{'PASS' if ok else 'FAIL'} {name} ({args.phase}, batch {args.batch}): {message}")
            passed += ok
            failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
