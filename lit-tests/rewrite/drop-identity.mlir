// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=drop-identity | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=drop-identity | %mlir-opt --split-input-file > /dev/null

// Law: Identity(x) = x (always valid). The Identity between the ReLU and the sigmoid goes: the
// sigmoid reads the ReLU directly. Identity is free in the cost model, so the gain is one node
// fewer (extraction compares time, then node count).
// CHECK-LABEL: func.func @between_ops
// CHECK-NOT: graph.identity
// CHECK: %[[R:.*]] = "graph.relu"(%arg0)
// CHECK-NEXT: %[[S:.*]] = "graph.sigmoid"(%[[R]])
// CHECK-NEXT: return %[[S]]
func.func @between_ops(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = "graph.relu"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %i = "graph.identity"(%r) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %s = "graph.sigmoid"(%i) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %s : tensor<2x3xf32>
}

// -----

// An output that is an Identity of an input becomes the input itself; a chain of two Identities
// goes entirely.
// CHECK-LABEL: func.func @of_an_input
// CHECK-NOT: graph.identity
// CHECK: return %arg0, %arg0
func.func @of_an_input(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %i = "graph.identity"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %j = "graph.identity"(%i) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %i, %j : tensor<2x3xf32>, tensor<2x3xf32>
}
