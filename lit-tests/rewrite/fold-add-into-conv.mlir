// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-add-into-conv | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-add-into-conv | %mlir-opt --split-input-file > /dev/null

// Law: Conv(x, W, b) + k = Conv(x, W, b + k), for k per output channel.
// k = 2 of shape [1, Cout, 1, 1] = [1, 2, 1, 1]: b' = 1 + 2 = 3.0; the weight is unchanged (the
// original 0.5 constant is reused). The Add disappears into the conv's bias.
// CHECK-LABEL: func.func @per_channel
// CHECK-DAG: %[[W:.*]] = "graph.constant"() {value = dense<5.000000e-01> : tensor<2x2x3x3xf32>}
// CHECK-DAG: %[[B:.*]] = "graph.constant"() {value = dense<3.000000e+00> : tensor<2xf32>}
// CHECK: %[[C:.*]] = "graph.conv"(%arg0, %[[W]], %[[B]])
// CHECK-NOT: graph.add
// CHECK: return %[[C]]
func.func @per_channel(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = "graph.constant"() {value = dense<0.5> : tensor<2x2x3x3xf32>} : () -> tensor<2x2x3x3xf32>
  %b = "graph.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "graph.conv"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %k = "graph.constant"() {value = dense<2.0> : tensor<1x2x1x1xf32>} : () -> tensor<1x2x1x1xf32>
  %y = "graph.add"(%c, %k) : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// The constant on the left, scalar k = 0.5: b' = 1 + 0.5 = 1.5.
// CHECK-LABEL: func.func @scalar_on_the_left
// CHECK-DAG: %[[W:.*]] = "graph.constant"() {value = dense<5.000000e-01> : tensor<2x2x3x3xf32>}
// CHECK-DAG: %[[B:.*]] = "graph.constant"() {value = dense<1.500000e+00> : tensor<2xf32>}
// CHECK: %[[C:.*]] = "graph.conv"(%arg0, %[[W]], %[[B]])
// CHECK-NOT: graph.add
// CHECK: return %[[C]]
func.func @scalar_on_the_left(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = "graph.constant"() {value = dense<0.5> : tensor<2x2x3x3xf32>} : () -> tensor<2x2x3x3xf32>
  %b = "graph.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "graph.conv"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %k = "graph.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %y = "graph.add"(%k, %c) : (tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// Condition: k must act per output channel. A [4, 1] constant varies along H, which a per-channel
// bias cannot express: conv and Add remain, with the original bias 1.0.
// CHECK-LABEL: func.func @spatially_varying
// CHECK: %[[B:.*]] = "graph.constant"() {value = dense<1.000000e+00> : tensor<2xf32>}
// CHECK: %[[C:.*]] = "graph.conv"(%arg0, %{{[0-9]+}}, %[[B]])
// CHECK: %[[Y:.*]] = "graph.add"(%[[C]],
// CHECK: return %[[Y]]
func.func @spatially_varying(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = "graph.constant"() {value = dense<0.5> : tensor<2x2x3x3xf32>} : () -> tensor<2x2x3x3xf32>
  %b = "graph.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "graph.conv"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %k = "graph.constant"() {value = dense<[[1.0], [2.0], [3.0], [4.0]]> : tensor<4x1xf32>} : () -> tensor<4x1xf32>
  %y = "graph.add"(%c, %k) : (tensor<1x2x4x4xf32>, tensor<4x1xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}
