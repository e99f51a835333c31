// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=flatten-as-reshape | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=flatten-as-reshape | %mlir-opt --split-input-file > /dev/null

// Law: Flatten(x, axis) = Reshape(x, [prod(dims before axis), prod(dims from axis)]) (always valid:
// shapes are static). Flatten of [2, 3, 2, 2] at axis 1 is Reshape to [2, 3*2*2] = [2, 12].
// Both ops are free views of the same node count, so the cost is a tie; extraction breaks exact
// ties by e-node order, in which the canonical Reshape comes before Flatten.
// CHECK-LABEL: func.func @axis_1
// CHECK-NOT: graph.flatten
// CHECK: %[[R:.*]] = "graph.reshape"(%arg0) {shape = array<i64: 2, 12>} : (tensor<2x3x2x2xf32>) -> tensor<2x12xf32>
// CHECK-NEXT: return %[[R]]
func.func @axis_1(%x: tensor<2x3x2x2xf32>) -> tensor<2x12xf32> {
  %f = "graph.flatten"(%x) {axis = 1 : i64} : (tensor<2x3x2x2xf32>) -> tensor<2x12xf32>
  return %f : tensor<2x12xf32>
}

// -----

// Axis 2: [2*3, 2*2] = [6, 4].
// CHECK-LABEL: func.func @axis_2
// CHECK-NOT: graph.flatten
// CHECK: %[[R:.*]] = "graph.reshape"(%arg0) {shape = array<i64: 6, 4>}
// CHECK-NEXT: return %[[R]]
func.func @axis_2(%x: tensor<2x3x2x2xf32>) -> tensor<6x4xf32> {
  %f = "graph.flatten"(%x) {axis = 2 : i64} : (tensor<2x3x2x2xf32>) -> tensor<6x4xf32>
  return %f : tensor<6x4xf32>
}

// -----

// Axis 0: no dims before the axis, so [1, 2*3*2*2] = [1, 24].
// CHECK-LABEL: func.func @axis_0
// CHECK-NOT: graph.flatten
// CHECK: %[[R:.*]] = "graph.reshape"(%arg0) {shape = array<i64: 1, 24>}
// CHECK-NEXT: return %[[R]]
func.func @axis_0(%x: tensor<2x3x2x2xf32>) -> tensor<1x24xf32> {
  %f = "graph.flatten"(%x) {axis = 0 : i64} : (tensor<2x3x2x2xf32>) -> tensor<1x24xf32>
  return %f : tensor<1x24xf32>
}
