// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=absorb-relu-into-clip | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=absorb-relu-into-clip | %mlir-opt --split-input-file > /dev/null

// Law: Clip(Relu(x), lo, hi) = Clip(x, lo, hi) and Relu(Clip(x, lo, hi)) = Clip(x, lo, hi), for
// lo >= 0: a Clip with a non-negative lower bound already removes every negative value.
// ReLU then ReLU6 (Clip [0, 6]) is one Clip on x.
// CHECK-LABEL: func.func @relu_then_clip
// CHECK-NOT: graph.relu
// CHECK: %[[C:.*]] = "graph.clip"(%arg0) {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32}
// CHECK-NOT: graph.relu
// CHECK: return %[[C]]
func.func @relu_then_clip(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %r = "graph.relu"(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %c = "graph.clip"(%r) {min = 0.0 : f32, max = 6.0 : f32} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return %c : tensor<2x8xf32>
}

// -----

// The other order, with lo = 1 > 0: the ReLU after the Clip changes nothing and goes.
// CHECK-LABEL: func.func @clip_then_relu
// CHECK: %[[C:.*]] = "graph.clip"(%arg0) {max = 6.000000e+00 : f32, min = 1.000000e+00 : f32}
// CHECK-NOT: graph.relu
// CHECK: return %[[C]]
func.func @clip_then_relu(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %c = "graph.clip"(%x) {min = 1.0 : f32, max = 6.0 : f32} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %r = "graph.relu"(%c) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}

// -----

// Condition: lo >= 0. Clip [-0.5, 0.5] lets negative values through, so the ReLU before it
// matters (Clip(Relu(-1)) = 0 but Clip(-1) = -0.5): both ops remain.
// CHECK-LABEL: func.func @negative_lower_bound_after_relu
// CHECK: %[[R:.*]] = "graph.relu"(%arg0)
// CHECK-NEXT: %[[C:.*]] = "graph.clip"(%[[R]]) {max = 5.000000e-01 : f32, min = -5.000000e-01 : f32}
// CHECK-NEXT: return %[[C]]
func.func @negative_lower_bound_after_relu(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %r = "graph.relu"(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %c = "graph.clip"(%r) {min = -0.5 : f32, max = 0.5 : f32} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return %c : tensor<2x8xf32>
}

// -----

// Condition: lo >= 0, the other order: Relu(Clip(-1, -0.5, 0.5)) = 0 but Clip gives -0.5: both
// ops remain.
// CHECK-LABEL: func.func @negative_lower_bound_before_relu
// CHECK: %[[C:.*]] = "graph.clip"(%arg0) {max = 5.000000e-01 : f32, min = -5.000000e-01 : f32}
// CHECK-NEXT: %[[R:.*]] = "graph.relu"(%[[C]])
// CHECK-NEXT: return %[[R]]
func.func @negative_lower_bound_before_relu(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %c = "graph.clip"(%x) {min = -0.5 : f32, max = 0.5 : f32} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %r = "graph.relu"(%c) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}
