#!/usr/bin/env bash
# Runs every test of pimc: the cargo tests of the workspace, then the lit + FileCheck tests (dialects,
# passes, rewrite rules, frontend, numerics against onnxruntime, end to end on every test model)
# against the release binaries. Sets up what is missing first (scripts/setup.sh, fast when done).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
if [ ! -f test-models/generated/vgg8.onnx ]; then
  echo "test: generating the paper networks into test-models/generated"
  .venv/bin/python test-models/generate.py --out test-models/generated --only paper
fi
cargo test --workspace --release
/usr/lib/llvm-22/bin/lit -sv lit-tests
