#!/usr/bin/env python3
"""The agreement table of the analytic cost model and the timing simulator.

For every model x pipeline mode x target preset x batch: compiles with
`pimc MODEL --target=T --pipeline=P --batch=B --scheduler=S -o F.pimbin --report cost.json`, runs
`pim-run F.pimbin --timing --report time.json`, and prints one Markdown row with the analytic and
timing throughput (images/s) and energy per image (uJ) and their differences (timing / analytic
- 1). `full` on a network that does not fit is reported as refused. Usage:

  scripts/timing-agreement.py [--targets a,b] [--pipelines a,b] [--batches 1,16,256]
                              [--scheduler pimc|paper] [--jobs N] MODEL...

Defaults: the three presets, layer/baseline/reuse/full, batches 1, 16 and 256, pimc's
scheduler, 2 jobs.
Exits 1 if a compile or a timed run fails (not when the two disagree: the table shows that).
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("PIMC_BIN", os.path.join(ROOT, "target", "release"))
REFUSAL = "crossbars to hold all weights"


def one(model, target, pipeline, batch, scheduler, tmp):
    stem = f"{os.path.basename(model)}.{target}.{pipeline}.{batch}"
    out, cost, timing = (os.path.join(tmp, stem + s) for s in (".pimbin", ".cost.json", ".time.json"))
    run = subprocess.run(
        [os.path.join(BIN, "pimc"), model, f"--target={target}", f"--pipeline={pipeline}",
         f"--batch={batch}", f"--scheduler={scheduler}", "-o", out, "--report", cost],
        capture_output=True, text=True)
    if run.returncode != 0:
        return ("refused" if REFUSAL in run.stderr else "FAILED: " + run.stderr.strip()[:200]), None
    start = time.perf_counter()
    run = subprocess.run([os.path.join(BIN, "pim-run"), out, "--timing", "--report", timing],
                         capture_output=True, text=True)
    seconds = time.perf_counter() - start
    os.remove(out)
    if run.returncode != 0:
        return "FAILED: " + run.stderr.strip()[:200], None
    a, t = json.load(open(cost)), json.load(open(timing))
    return "ok", (a, t, seconds)


def row(key, status, result):
    model, target, pipeline, batch = key
    name = os.path.splitext(os.path.basename(model))[0]
    head = f"| {name} | {pipeline} | {target} | {batch} |"
    if result is None:
        return head + f" {status} | | | | | | |", status.startswith("FAILED")
    a, t, seconds = result
    b = a["batch"]
    fa, ft = a["throughput_fps"], t["throughput_fps"]
    ea, et = a["energy_pj"]["total"] / b / 1e6, t["energy_pj"]["total"] / b / 1e6
    diff = lambda x, y: f"{100 * (y / x - 1):+.1f} %" if x else "n/a"
    return (head + f" {fa:,.1f} | {ft:,.1f} | {diff(fa, ft)} | {ea:.4f} | {et:.4f} | {diff(ea, et)} |"
            f" {seconds:.2f} |"), False


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("models", nargs="+")
    p.add_argument("--targets", default="compact-4x4,unlimited-6x6,isaac-rram")
    p.add_argument("--pipelines", default="layer,baseline,reuse,full")
    p.add_argument("--batches", default="1,16,256")
    p.add_argument("--scheduler", default="pimc", choices=["pimc", "paper"])
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args()
    keys = [(m, t, pl, b) for m in args.models for t in args.targets.split(",")
            for pl in args.pipelines.split(",") for b in args.batches.split(",")]
    print("| network | mode | preset | batch | analytic img/s | timing img/s | diff | "
          "analytic uJ/img | timing uJ/img | diff | sim s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    failed = False
    with tempfile.TemporaryDirectory() as tmp, \
            concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(one, *k, args.scheduler, tmp) for k in keys]
        for key, future in zip(keys, futures):
            text, bad = row(key, *future.result())
            failed |= bad
            print(text, flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
