// IR that breaks the graph dialect's IRDL definition is rejected by MLIR's verifier, in mlir-opt
// and in pimc-opt alike.
// RUN: %mlir-opt %s -split-input-file -verify-diagnostics
// RUN: not %pimc-opt %s --split-input-file 2>&1 | FileCheck %s

func.func @missing_attribute(%x: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: attribute "alpha" is expected but not provided
  // expected-error @+1 {{attribute "alpha" is expected but not provided}}
  %y = "graph.leaky_relu"(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @wrong_attribute_kind(%x: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: expected base attribute 'builtin.integer' but got 'builtin.string'
  // expected-error @+1 {{expected base attribute 'builtin.integer' but got 'builtin.string'}}
  %y = "graph.softmax"(%x) {axis = "last"} : (tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @wrong_operand_count(%x: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: op expects exactly 2 operands, but got 1
  // expected-error @+1 {{op expects exactly 2 operands, but got 1}}
  %y = "graph.add"(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @not_a_tensor(%x: f32) -> f32 {
  // CHECK: expected base type 'builtin.tensor' but got 'builtin.f32'
  // expected-error @+1 {{expected base type 'builtin.tensor' but got 'builtin.f32'}}
  %y = "graph.relu"(%x) : (f32) -> f32
  return %y : f32
}

// -----

func.func @unknown_op(%x: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: unregistered operation 'graph.gelu'
  // expected-error @+1 {{unregistered operation 'graph.gelu' found in dialect ('graph')}}
  %y = "graph.gelu"(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}
