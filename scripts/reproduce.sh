#!/bin/sh
# Regenerates docs/reproduction.md and its figures (docs/reproduction/*.svg) from the sweep files
# in sweeps/: builds pimc if needed, generates the paper's networks if missing, runs the sweeps
# into build/reproduction/, copies the figures and writes the document (scripts/reproduction.py).
# Usage: scripts/reproduce.sh   (about a minute on two cores)
set -eu
cd "$(dirname "$0")/.."
cargo build --release --bin pimc
for net in vgg8 resnet18 resnet34 resnet50 resnet101 resnet152; do
  if [ ! -f "test-models/generated/$net.onnx" ]; then
    .venv/bin/python test-models/generate.py --out test-models/generated --only "$net"
  fi
done
out=build/reproduction
rm -rf "$out" docs/reproduction
mkdir -p "$out" docs/reproduction
for sweep in paper-modes paper-chips paper-network-size; do
  target/release/pimc explore "sweeps/$sweep.toml" --out "$out/$sweep"
done
copy() { cp "$out/$1/plots/$2.svg" "docs/reproduction/$1-$2.svg"; }
for net in vgg8 resnet18; do
  for plot in throughput energy dram-share breakdown; do copy paper-modes "$plot-$net"; done
done
copy paper-chips area-efficiency
copy paper-chips pareto-vgg8
copy paper-network-size area-efficiency
copy paper-network-size throughput-resnet152
cp "$out"/paper-modes/plots/gantt-point-*.svg docs/reproduction/paper-modes-gantt.svg
.venv/bin/python scripts/reproduction.py "$out" > docs/reproduction.md
echo "reproduce: docs/reproduction.md and docs/reproduction/ written"
