// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=drop-double-relu | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=drop-double-relu | %mlir-opt --split-input-file > /dev/null

// Law: Relu(Relu(x)) = Relu(x) (always valid: ReLU is idempotent). One vector op per element fewer.
// CHECK-LABEL: func.func @twice
// CHECK: %[[R:.*]] = "graph.relu"(%arg0)
// CHECK-NOT: graph.relu
// CHECK: return %[[R]]
func.func @twice(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %a = "graph.relu"(%x) : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %b = "graph.relu"(%a) : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return %b : tensor<4x4xf32>
}

// -----

// Three in a row collapse to one as well.
// CHECK-LABEL: func.func @three_times
// CHECK: %[[R:.*]] = "graph.relu"(%arg0)
// CHECK-NOT: graph.relu
// CHECK: return %[[R]]
func.func @three_times(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %a = "graph.relu"(%x) : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %b = "graph.relu"(%a) : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %c = "graph.relu"(%b) : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return %c : tensor<4x4xf32>
}

// -----

// When both ReLUs are outputs, they are the same value: one ReLU is returned twice.
// CHECK-LABEL: func.func @both_outputs
// CHECK: %[[R:.*]] = "graph.relu"(%arg0)
// CHECK-NOT: graph.relu
// CHECK: return %[[R]], %[[R]]
func.func @both_outputs(%x: tensor<4x4xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>) {
  %a = "graph.relu"(%x) : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %b = "graph.relu"(%a) : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return %a, %b : tensor<4x4xf32>, tensor<4x4xf32>
}
