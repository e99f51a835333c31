// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=drop-noop-reshape | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=drop-noop-reshape | %mlir-opt --split-input-file > /dev/null

// Law: Reshape(x, shape(x)) = x. The Reshape of the [2, 6] ReLU output to [2, 6] goes: the
// sigmoid reads the ReLU directly (one free node fewer).
// CHECK-LABEL: func.func @same_shape
// CHECK-NOT: graph.reshape
// CHECK: %[[R:.*]] = "graph.relu"(%arg0)
// CHECK-NEXT: %[[S:.*]] = "graph.sigmoid"(%[[R]])
// CHECK-NEXT: return %[[S]]
func.func @same_shape(%x: tensor<2x6xf32>) -> tensor<2x6xf32> {
  %r = "graph.relu"(%x) : (tensor<2x6xf32>) -> tensor<2x6xf32>
  %same = "graph.reshape"(%r) {shape = array<i64: 2, 6>} : (tensor<2x6xf32>) -> tensor<2x6xf32>
  %s = "graph.sigmoid"(%same) : (tensor<2x6xf32>) -> tensor<2x6xf32>
  return %s : tensor<2x6xf32>
}

// -----

// Condition: the target shape must equal x's shape. [2, 6] -> [3, 4] changes the shape: the
// Reshape stays.
// CHECK-LABEL: func.func @other_shape
// CHECK: %[[R:.*]] = "graph.relu"(%arg0)
// CHECK-NEXT: %[[V:.*]] = "graph.reshape"(%[[R]]) {shape = array<i64: 3, 4>}
// CHECK-NEXT: %[[S:.*]] = "graph.sigmoid"(%[[V]])
// CHECK-NEXT: return %[[S]]
func.func @other_shape(%x: tensor<2x6xf32>) -> tensor<3x4xf32> {
  %r = "graph.relu"(%x) : (tensor<2x6xf32>) -> tensor<2x6xf32>
  %v = "graph.reshape"(%r) {shape = array<i64: 3, 4>} : (tensor<2x6xf32>) -> tensor<3x4xf32>
  %s = "graph.sigmoid"(%v) : (tensor<3x4xf32>) -> tensor<3x4xf32>
  return %s : tensor<3x4xf32>
}
