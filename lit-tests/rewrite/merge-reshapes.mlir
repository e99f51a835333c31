// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=merge-reshapes | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=merge-reshapes | %mlir-opt --split-input-file > /dev/null

// Law: Reshape(Reshape(x, s1), s2) = Reshape(x, s2) (always valid: row-major reshapes compose).
// [2, 3, 2, 2] -> [2, 12] -> [6, 4] becomes one Reshape to [6, 4]: both forms are free views, the
// merged one has one node fewer.
// CHECK-LABEL: func.func @two
// CHECK: %[[R:.*]] = "graph.reshape"(%arg0) {shape = array<i64: 6, 4>} : (tensor<2x3x2x2xf32>) -> tensor<6x4xf32>
// CHECK-NOT: graph.reshape
// CHECK: return %[[R]]
func.func @two(%x: tensor<2x3x2x2xf32>) -> tensor<6x4xf32> {
  %a = "graph.reshape"(%x) {shape = array<i64: 2, 12>} : (tensor<2x3x2x2xf32>) -> tensor<2x12xf32>
  %b = "graph.reshape"(%a) {shape = array<i64: 6, 4>} : (tensor<2x12xf32>) -> tensor<6x4xf32>
  return %b : tensor<6x4xf32>
}

// -----

// A chain of three collapses to the last shape [24].
// CHECK-LABEL: func.func @three
// CHECK: %[[R:.*]] = "graph.reshape"(%arg0) {shape = array<i64: 24>} : (tensor<2x3x2x2xf32>) -> tensor<24xf32>
// CHECK-NOT: graph.reshape
// CHECK: return %[[R]]
func.func @three(%x: tensor<2x3x2x2xf32>) -> tensor<24xf32> {
  %a = "graph.reshape"(%x) {shape = array<i64: 2, 12>} : (tensor<2x3x2x2xf32>) -> tensor<2x12xf32>
  %b = "graph.reshape"(%a) {shape = array<i64: 6, 4>} : (tensor<2x12xf32>) -> tensor<6x4xf32>
  %c = "graph.reshape"(%b) {shape = array<i64: 24>} : (tensor<6x4xf32>) -> tensor<24xf32>
  return %c : tensor<24xf32>
}
