// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=merge-transposes | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=merge-transposes | %mlir-opt --split-input-file > /dev/null

// Law: Transpose(Transpose(x, p1), p2) = Transpose(x, q) with q[i] = p1[p2[i]].
// p1 = [0, 2, 3, 1], p2 = [1, 0, 2, 3]: q = [p1[1], p1[0], p1[2], p1[3]] = [2, 0, 3, 1].
// Check on the shapes: x [1, 2, 3, 4] -> p1 -> [1, 3, 4, 2] -> p2 -> [3, 1, 4, 2], and q applied to
// x gives [3, 1, 4, 2] too. One data move instead of two.
// CHECK-LABEL: func.func @compose
// CHECK: %[[T:.*]] = "graph.transpose"(%arg0) {perm = array<i64: 2, 0, 3, 1>} : (tensor<1x2x3x4xf32>) -> tensor<3x1x4x2xf32>
// CHECK-NOT: graph.transpose
// CHECK: return %[[T]]
func.func @compose(%x: tensor<1x2x3x4xf32>) -> tensor<3x1x4x2xf32> {
  %a = "graph.transpose"(%x) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x3x4xf32>) -> tensor<1x3x4x2xf32>
  %b = "graph.transpose"(%a) {perm = array<i64: 1, 0, 2, 3>} : (tensor<1x3x4x2xf32>) -> tensor<3x1x4x2xf32>
  return %b : tensor<3x1x4x2xf32>
}

// -----

// An empty perm reverses the axes (ONNX default): two reversals compose to the identity
// permutation [0, 1, 2]. Removing that no-op is drop-noop-transpose's job (not selected here), so
// one Transpose remains.
// CHECK-LABEL: func.func @reversals
// CHECK: %[[T:.*]] = "graph.transpose"(%arg0) {perm = array<i64: 0, 1, 2>} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
// CHECK-NOT: graph.transpose
// CHECK: return %[[T]]
func.func @reversals(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %a = "graph.transpose"(%x) {perm = array<i64>} : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  %b = "graph.transpose"(%a) {perm = array<i64>} : (tensor<4x3x2xf32>) -> tensor<2x3x4xf32>
  return %b : tensor<2x3x4xf32>
}
