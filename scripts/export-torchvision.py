#!/usr/bin/env python3
"""Exports torchvision classification networks (and a BERT-style encoder) with both torch ONNX
exporters and runs each through pimc and pim-run against onnxruntime. Not part of CI (it needs
torch and torchvision, which the CI venv does not have); run it with a venv that has them:

  python -m venv /work/torch-venv && /work/torch-venv/bin/pip install torch torchvision onnxscript onnxruntime
  /work/torch-venv/bin/python scripts/export-torchvision.py --out /tmp/tv [--only resnet18 vit_b_16] [--exporter dynamo]

For every network and exporter it prints one row: compiled (pimc -> .pimbin), refused (pimc's
error, first line), correct (pim-run's output within 1e-4 x its largest magnitude of
onnxruntime's on the same seeded input; the maximum absolute error and output are shown) and pimc's compile time. `--table FILE` also writes the
rows as a Markdown table. Weights are torchvision's random initialisation (no download): the
check is of the compiler, not of the trained network.

Exporters: `dynamo` is torch.onnx.export(..., dynamo=True), the default since torch 2.9 (opset
18, weights in an external `.onnx.data` file for large models); `legacy` is the TorchScript
exporter (dynamo=False, opset 17).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np
import onnxruntime as ort
import torch
import torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NETWORKS = [
    "resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0",
    "mnasnet0_5", "shufflenet_v2_x0_5", "squeezenet1_0", "densenet121", "googlenet",
    "regnet_y_400mf", "alexnet", "vgg11", "convnext_tiny", "swin_t", "vit_b_16",
    "inception_v3", "resnext50_32x4d", "wide_resnet50_2", "maxvit_t",
]


class BertEncoder(torch.nn.Module):
    """A BERT-base-shaped encoder (12 layers, width 768, 12 heads, GELU) on token embeddings:
    the embedding lookup of token ids (a Gather of run-time indices) is left out, the model
    takes the embeddings."""

    def __init__(self, layers=12, width=768, heads=12):
        super().__init__()
        layer = torch.nn.TransformerEncoderLayer(width, heads, 4 * width, dropout=0.0,
                                                 activation="gelu", batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = torch.nn.LayerNorm(width)

    def forward(self, x):
        return self.norm(self.encoder(x))


def zero_initialised_heads(model):
    """torchvision initialises some classifier heads to zeros (ViT): the outputs would then be
    the bias whatever the network computes, so the check would see nothing. Random weights there
    make every output depend on the whole network."""
    generator = torch.Generator().manual_seed(1)
    for module in model.modules():
        if isinstance(module, torch.nn.Linear) and not module.weight.any():
            module.weight.data = torch.randn(module.weight.shape, generator=generator) * 0.02
    return model


def build(name):
    if name == "bert_encoder":
        return BertEncoder().eval(), torch.randn(1, 128, 768)
    kwargs = {"aux_logits": False, "init_weights": True} if name in ("googlenet", "inception_v3") else {}
    model = zero_initialised_heads(torchvision.models.get_model(name, weights=None, **kwargs).eval())
    side = 299 if name == "inception_v3" else 224
    return model, torch.randn(1, 3, side, side)


def export(model, x, path, exporter):
    with torch.no_grad():
        if exporter == "dynamo":
            program = torch.onnx.export(model, (x,), dynamo=True)
            program.save(path, external_data=True)
        else:
            # The legacy exporter cannot export the fused attention kernel of eval mode.
            torch.backends.mha.set_fastpath_enabled(False)
            torch.onnx.export(model, (x,), path, dynamo=False, opset_version=17,
                              input_names=["input"], output_names=["output"])


def run(name, exporter, out_dir, pimc, pim_run):
    d = os.path.join(out_dir, f"{name}-{exporter}")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    torch.manual_seed(0)
    try:
        model, x = build(name)
        export(model, x, path, exporter)
    except Exception as e:  # noqa: BLE001 (a failed export is a row of the table)
        return dict(status="export failed", detail=str(e).splitlines()[0][:160])
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feed_name = session.get_inputs()[0].name
    data = np.random.default_rng(0).standard_normal(x.shape).astype(np.float32)
    expected = session.run(None, {feed_name: data})[0]
    pimbin = os.path.join(d, "model.pimbin")
    t0 = time.time()
    compiled = subprocess.run([pimc, path, "-o", pimbin], capture_output=True, text=True)
    seconds = time.time() - t0
    if compiled.returncode != 0:
        return dict(status="refused", detail=compiled.stderr.strip().splitlines()[0][:300],
                    seconds=seconds)
    np.save(os.path.join(d, "input.npy"), data)
    got_path = os.path.join(d, "got.npy")
    ran = subprocess.run([pim_run, pimbin, "--input", f"{feed_name}={os.path.join(d, 'input.npy')}",
                          "-o", got_path], capture_output=True, text=True)
    if ran.returncode != 0:
        return dict(status="pim-run failed", detail=ran.stderr.strip()[:300], seconds=seconds)
    got = np.load(got_path).reshape(expected.shape)
    error = float(np.max(np.abs(got - expected)))
    scale = float(np.max(np.abs(expected)))
    ok = error <= 1e-4 * scale
    return dict(status="correct" if ok else "WRONG",
                detail=f"max abs error {error:.2e}, max abs output {scale:.2e}", seconds=seconds)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="directory for the exported models and programs")
    p.add_argument("--only", nargs="*", help="networks (default: all, then bert_encoder)")
    p.add_argument("--exporter", choices=["dynamo", "legacy"], nargs="*", default=["dynamo", "legacy"])
    p.add_argument("--pimc", default=os.path.join(ROOT, "target", "release", "pimc"))
    p.add_argument("--pim-run", default=os.path.join(ROOT, "target", "release", "pim-run"))
    p.add_argument("--table", help="also write the rows as a Markdown table to this file")
    args = p.parse_args()
    names = args.only or NETWORKS + ["bert_encoder"]
    rows = ["| network | exporter | result | detail | pimc time (s) |", "|---|---|---|---|---|"]
    for name in names:
        for exporter in args.exporter:
            r = run(name, exporter, args.out, args.pimc, args.pim_run)
            seconds = f"{r['seconds']:.1f}" if "seconds" in r else ""
            detail = r["detail"].replace("|", "\\|")
            rows.append(f"| {name} | {exporter} | {r['status']} | {detail} | {seconds} |")
            print(rows[-1], flush=True)
    if args.table:
        with open(args.table, "w") as f:
            f.write("\n".join(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
