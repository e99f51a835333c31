#!/usr/bin/env bash
# Installs everything pimc needs on Debian 12 and builds it (release). Idempotent: when the packages
# and the Python venv are already there it only checks them and runs an incremental build.
#   - Debian's LLVM/MLIR 22 packages (from bookworm-security), used by melior at build time and for
#     mlir-opt / FileCheck / lit in the tests;
#   - a Python venv in .venv (git-ignored) with onnx, onnxruntime and numpy for the test tooling.
set -euo pipefail
cd "$(dirname "$0")/.."

LLVM_PACKAGES=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools libclang-22-dev libpolly-22-dev
               libzstd-dev libz3-dev libxml2-dev zlib1g-dev python3-venv)
PY_PACKAGES=(onnx==1.23.2 onnxruntime==1.32.0 numpy==2.4.6)

missing=()
for p in "${LLVM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ ! -x /usr/lib/llvm-22/bin/mlir-opt ]; then
  echo "setup: MLIR 22 is still missing after the install (expected /usr/lib/llvm-22/bin/mlir-opt)" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import onnx, onnxruntime, numpy" 2>/dev/null; then
  echo "setup: creating the Python venv in .venv"
  python3 -m venv .venv
  .venv/bin/pip install -q "${PY_PACKAGES[@]}"
fi
echo "setup: dependencies ready; building pimc (release)"
cargo build --release --bins
echo "setup: done; try: target/release/pimc test-models/nets/lenet.onnx --emit=report"
