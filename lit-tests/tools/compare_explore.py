"""Checks `pimc explore` results against single `pimc --emit=report` runs.

usage: compare_explore.py PIMC SWEEP_DIR OUT_DIR INDEX...

For each point INDEX of OUT_DIR/results.json, runs `pimc MODEL --emit=report --report=FILE.json`
with the point's batch, mode, scheduler and chip (OUT_DIR/chips/chip-N.toml) and checks that the
report equals the point's report in results.json and every report cell of its row in
results.csv. Model paths are relative to SWEEP_DIR (the sweep file's directory).
"""
import csv
import json
import os
import subprocess
import sys
import tempfile


def flatten(prefix, value, cells):
    """The explore CSV's flattening: dotted objects, `;`-joined scalar lists, `.count` for others."""
    if isinstance(value, dict):
        for key, v in value.items():
            flatten(f"{prefix}.{key}" if prefix else key, v, cells)
    elif isinstance(value, list) and any(isinstance(i, (dict, list)) for i in value):
        cells[f"{prefix}.count"] = len(value)
    elif isinstance(value, list):
        cells[prefix] = value
    else:
        cells[prefix] = value


def same(cell, value):
    if isinstance(value, list):
        parts = cell.split(";") if cell else []
        return len(parts) == len(value) and all(same(c, v) for c, v in zip(parts, value))
    if isinstance(value, str):
        return cell == value
    return float(cell) == float(value)


def main():
    pimc, sweep_dir, out_dir, *indices = sys.argv[1:]
    results = json.load(open(os.path.join(out_dir, "results.json")))
    rows = list(csv.DictReader(open(os.path.join(out_dir, "results.csv"))))
    failures = 0
    for index in map(int, indices):
        entry = results["points"][index]
        point = entry["point"]
        chip = os.path.join(out_dir, "chips", f"chip-{point['chip']}.toml")
        with tempfile.TemporaryDirectory() as tmp:
            report_path = os.path.join(tmp, "report.json")
            command = [pimc, os.path.join(sweep_dir, point["model"]), "--emit=report",
                       f"--report={report_path}", f"--target={chip}", f"--batch={point['batch']}",
                       f"--pipeline={point['pipeline']}", f"--scheduler={point['scheduler']}"]
            run = subprocess.run(command, capture_output=True, text=True)
            if run.returncode != 0:
                ok = "error" in entry and entry["error"] in run.stderr
                print(f"point {index}: pimc failed, explore {'agrees' if ok else 'disagrees'}")
                failures += not ok
                continue
            report = json.load(open(report_path))
        if entry.get("report") != report:
            print(f"point {index}: JSON report differs from pimc --emit=report")
            failures += 1
        cells = {}
        flatten("report", report, cells)
        bad = [k for k, v in cells.items() if not same(rows[index][k], v)]
        if bad:
            print(f"point {index}: CSV cells differ: {bad[:5]}")
            failures += 1
        else:
            print(f"point {index}: {len(cells)} report cells match")
    sys.exit(1 if failures else 0)


main()
