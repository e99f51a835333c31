#!/bin/sh
# A long mutation fuzzing campaign (docs/runtime.md §11): compiles seed programs from the test
# networks (every mode, two presets), then runs the `fuzz` example on them and on the ONNX
# models of test-models/nets and test-models/ops for SECONDS (default 600) with SEED (default 1).
# Findings (inputs that panic) are written to fuzz-findings/; every one must become a
# regression test. Memory is capped (ulimit -v) so that an unbounded allocation shows up as a
# failure rather than swapping.
#
#   scripts/fuzz.sh [SECONDS] [SEED]
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-600}
seed=${2:-1}
cargo build --release -p pimc --bin pimc --example fuzz
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
for net in lenet mlp conv_bn_relu_pool mini_resnet mini_densenet; do
  for mode in layer baseline reuse; do
    for target in compact-4x4 isaac-rram; do
      target/release/pimc "test-models/nets/$net.onnx" --batch 2 --pipeline "$mode" \
        --target "$target" -o "$seeds/$net-$mode-$target.pimbin"
    done
  done
done
ulimit -v 8000000
target/release/examples/fuzz --seconds "$seconds" --seed "$seed" --out fuzz-findings \
  --onnx test-models/nets/*.onnx test-models/ops/*.onnx --pimbin "$seeds"/*.pimbin
