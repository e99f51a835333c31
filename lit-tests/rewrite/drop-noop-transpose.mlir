// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=drop-noop-transpose | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=drop-noop-transpose | %mlir-opt --split-input-file > /dev/null

// Law: Transpose(x, identity permutation) = x. perm [0, 1, 2] moves nothing: the ReLU reads x
// directly (one data move fewer).
// CHECK-LABEL: func.func @identity_perm
// CHECK-NOT: graph.transpose
// CHECK: %[[R:.*]] = "graph.relu"(%arg0)
// CHECK-NEXT: return %[[R]]
func.func @identity_perm(%x: tensor<1x2x3xf32>) -> tensor<1x2x3xf32> {
  %t = "graph.transpose"(%x) {perm = array<i64: 0, 1, 2>} : (tensor<1x2x3xf32>) -> tensor<1x2x3xf32>
  %r = "graph.relu"(%t) : (tensor<1x2x3xf32>) -> tensor<1x2x3xf32>
  return %r : tensor<1x2x3xf32>
}

// -----

// An empty perm reverses the axes; on a 1-D tensor that is the identity, so it goes too.
// CHECK-LABEL: func.func @reverse_1d
// CHECK-NOT: graph.transpose
// CHECK: %[[R:.*]] = "graph.relu"(%arg0)
// CHECK-NEXT: return %[[R]]
func.func @reverse_1d(%x: tensor<5xf32>) -> tensor<5xf32> {
  %t = "graph.transpose"(%x) {perm = array<i64>} : (tensor<5xf32>) -> tensor<5xf32>
  %r = "graph.relu"(%t) : (tensor<5xf32>) -> tensor<5xf32>
  return %r : tensor<5xf32>
}

// -----

// Condition: the permutation must be the identity. [1, 0] on a square [3, 3] keeps the shape but
// swaps the axes: the Transpose stays.
// CHECK-LABEL: func.func @swap_square
// CHECK: %[[T:.*]] = "graph.transpose"(%arg0) {perm = array<i64: 1, 0>}
// CHECK-NEXT: %[[R:.*]] = "graph.relu"(%[[T]])
// CHECK-NEXT: return %[[R]]
func.func @swap_square(%x: tensor<3x3xf32>) -> tensor<3x3xf32> {
  %t = "graph.transpose"(%x) {perm = array<i64: 1, 0>} : (tensor<3x3xf32>) -> tensor<3x3xf32>
  %r = "graph.relu"(%t) : (tensor<3x3xf32>) -> tensor<3x3xf32>
  return %r : tensor<3x3xf32>
}

// -----

// Condition, with the default perm: an empty perm on a square [3, 3] is the reversal [1, 0], not
// the identity, even though the shape does not change: the Transpose stays.
// CHECK-LABEL: func.func @reverse_square
// CHECK: %[[T:.*]] = "graph.transpose"(%arg0) {perm = array<i64>}
// CHECK-NEXT: %[[R:.*]] = "graph.relu"(%[[T]])
// CHECK-NEXT: return %[[R]]
func.func @reverse_square(%x: tensor<3x3xf32>) -> tensor<3x3xf32> {
  %t = "graph.transpose"(%x) {perm = array<i64>} : (tensor<3x3xf32>) -> tensor<3x3xf32>
  %r = "graph.relu"(%t) : (tensor<3x3xf32>) -> tensor<3x3xf32>
  return %r : tensor<3x3xf32>
}
