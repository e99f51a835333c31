#!/usr/bin/env python3
"""Runs a .pimbin with pim-run on the inputs that `reference.py run` wrote into DIR (read from its
manifest.json, so input names need no guessing) and compares the single output with onnxruntime's.

usage: run_pimbin.py --pim-run PIM_RUN --program MODEL.pimbin --reference-dir DIR
Prints the comparison line (`... ok, ...` or the mismatch) and exits 1 on a mismatch or failure.
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "test-models"))
import reference  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pim-run", required=True)
    parser.add_argument("--program", required=True)
    parser.add_argument("--reference-dir", required=True)
    args = parser.parse_args()
    manifest = json.load(open(os.path.join(args.reference_dir, "manifest.json")))
    outputs = manifest["outputs"]
    if len(outputs) != 1:
        sys.exit(f"expected one output, the manifest lists {len(outputs)}")
    got = os.path.join(args.reference_dir, "pim-run-output.npy")
    command = [args.pim_run, args.program, "-o", got]
    for tensor in manifest["inputs"]:
        command += ["--input", f"{tensor['name']}={os.path.join(args.reference_dir, tensor['file'])}"]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stderr.strip())
        return 1
    expected = os.path.join(args.reference_dir, outputs[0]["file"])
    return reference.main(["check-npy", expected, got])


if __name__ == "__main__":
    sys.exit(main())
