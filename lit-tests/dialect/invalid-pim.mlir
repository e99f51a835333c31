// IR that breaks the pim dialect's IRDL definition is rejected in mlir-opt and pimc-opt; IR that
// MLIR accepts but pimc cannot read (a graph op in pim-level IR is fine, an op of another dialect is
// not) gets pimc's own error.
// RUN: %mlir-opt %s -split-input-file -verify-diagnostics
// RUN: not %pimc-opt %s --split-input-file 2>&1 | FileCheck %s

func.func @mvm_missing_vectors(%x: tensor<1x4xf32>, %w: tensor<1x4x2xf32>, %b: tensor<2xf32>) -> tensor<1x2xf32> {
  // CHECK: attribute "vectors" is expected but not provided
  // expected-error @+1 {{attribute "vectors" is expected but not provided}}
  %y = "pim.mvm"(%x, %w, %b) {kind = "fc", kernel = array<i64>, strides = array<i64>, pads = array<i64>, dilations = array<i64>, group = 1 : i64, rows = 4 : i64, cols = 2 : i64} : (tensor<1x4xf32>, tensor<1x4x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

func.func @act_kind_not_a_string(%x: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: expected base attribute 'builtin.string' but got 'builtin.integer'
  // expected-error @+1 {{expected base attribute 'builtin.string' but got 'builtin.integer'}}
  %y = "pim.act"(%x) {kind = 1 : i64, alpha = 0.0 : f32, beta = 0.0 : f32} : (tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}
