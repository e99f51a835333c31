#!/usr/bin/env python3
"""The agreement table of the analytic cost model and the timing simulator.

For every model x pipeline mode x target preset x batch: compiles with
`pimc MODEL --target=T --pipeline=P --batch=B --scheduler=S -o F.pimbin --report cost.json`, runs
`pim-run F.pimbin --timing --report time.json`, and prints one Markdown row with the analytic and
timing throughput (images/s) and energy per image (uJ) and their differences (timing / analytic
- 1). `full` on a network that does not fit is reported as refused. Usage:

  scripts/timing-agreement.py [--targets a,b] [--pipelines a,b] [--batches 1,16,256]
                              [--scheduler pimc|paper] [--jobs N] [--held FILE] MODEL...

TARGETS are preset names or target files. Defaults: the three presets, layer/baseline/reuse/full, batches 1, 16 and 256, pimc's
scheduler, 2 jobs.
Exits 1 if a compile or a timed run fails. With --held (scripts/agreement-held.toml), also if a
case's throughput differs by more than its held tolerance (5 % for a case not listed) or its
energy by more than 5 %; listed cases that now agree within 5 % are named on stderr.
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("PIMC_BIN", os.path.join(ROOT, "target", "release"))
REFUSAL = "crossbars to hold all weights"
AGREED = 0.05


def load_held(path, scheduler):
    """The held throughput tolerance of every listed case run with `scheduler`, by
    (network, preset, mode, batch)."""
    with open(path, "rb") as f:
        cases = tomllib.load(f).get("case", [])
    return {(c["network"], c["preset"], c["mode"], int(c["batch"])): float(c["tolerance"])
            for c in cases if c.get("scheduler", "pimc") == scheduler}


def held_failures(key, result, held):
    """What is wrong with one run case against the held tolerances (empty when it holds)."""
    model, target, pipeline, batch = key
    case = (os.path.splitext(os.path.basename(model))[0], target, pipeline, int(batch))
    a, t, _ = result
    throughput = t["throughput_fps"] / a["throughput_fps"] - 1
    energy = t["energy_pj"]["total"] / a["energy_pj"]["total"] - 1
    tolerance = held.get(case, AGREED)
    name = " ".join(map(str, case))
    problems = []
    if abs(throughput) > tolerance:
        problems.append(f"{name}: throughput {100 * throughput:+.1f} %, held at {100 * tolerance:.0f} %")
    if abs(energy) > AGREED:
        problems.append(f"{name}: energy {100 * energy:+.1f} %")
    if case in held and abs(throughput) <= AGREED:
        print(f"note: {name} agrees within 5 % ({100 * throughput:+.1f} %); its held entry can go",
              file=sys.stderr)
    return problems


def one(model, target, pipeline, batch, scheduler, tmp):
    stem = f"{os.path.basename(model)}.{os.path.basename(target)}.{pipeline}.{batch}"
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
    p.add_argument("--held", help="held tolerances (TOML); check every case against them")
    args = p.parse_args()
    held = load_held(args.held, args.scheduler) if args.held else None
    keys = [(m, t, pl, b) for m in args.models for t in args.targets.split(",")
            for pl in args.pipelines.split(",") for b in args.batches.split(",")]
    print("| network | mode | preset | batch | analytic img/s | timing img/s | diff | "
          "analytic uJ/img | timing uJ/img | diff | sim s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    failed, problems = False, []
    with tempfile.TemporaryDirectory() as tmp, \
            concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(one, *k, args.scheduler, tmp) for k in keys]
        for key, future in zip(keys, futures):
            status, result = future.result()
            text, bad = row(key, status, result)
            failed |= bad
            print(text, flush=True)
            if held is not None and result is not None:
                problems += held_failures(key, result, held)
    for problem in problems:
        print("outside its held tolerance: " + problem, file=sys.stderr)
    sys.exit(1 if failed or problems else 0)


if __name__ == "__main__":
    main()
