// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-mul-into-conv | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-mul-into-conv | %mlir-opt --split-input-file > /dev/null

// Law: Conv(x, W, b) * k = Conv(x, W * k per output channel, b * k), for k per output channel.
// k = 3 of shape [Cout, 1, 1] = [2, 1, 1]: W' = 0.5 * 3 = 1.5, b' = 1 * 3 = 3.0. The Mul (one
// vector op per element) disappears into the conv's constants.
// CHECK-LABEL: func.func @per_channel
// CHECK-DAG: %[[W:.*]] = "graph.constant"() {value = dense<1.500000e+00> : tensor<2x2x3x3xf32>}
// CHECK-DAG: %[[B:.*]] = "graph.constant"() {value = dense<3.000000e+00> : tensor<2xf32>}
// CHECK: %[[C:.*]] = "graph.conv"(%arg0, %[[W]], %[[B]])
// CHECK-NOT: graph.mul
// CHECK: return %[[C]]
func.func @per_channel(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = "graph.constant"() {value = dense<0.5> : tensor<2x2x3x3xf32>} : () -> tensor<2x2x3x3xf32>
  %b = "graph.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "graph.conv"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %k = "graph.constant"() {value = dense<3.0> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %y = "graph.mul"(%c, %k) : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// The same law with the constant on the left and a scalar k = -2 (a scalar is the same factor for
// every channel): W' = 0.5 * -2 = -1.0, b' = 1 * -2 = -2.0.
// CHECK-LABEL: func.func @scalar_on_the_left
// CHECK-DAG: %[[W:.*]] = "graph.constant"() {value = dense<-1.000000e+00> : tensor<2x2x3x3xf32>}
// CHECK-DAG: %[[B:.*]] = "graph.constant"() {value = dense<-2.000000e+00> : tensor<2xf32>}
// CHECK: %[[C:.*]] = "graph.conv"(%arg0, %[[W]], %[[B]])
// CHECK-NOT: graph.mul
// CHECK: return %[[C]]
func.func @scalar_on_the_left(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = "graph.constant"() {value = dense<0.5> : tensor<2x2x3x3xf32>} : () -> tensor<2x2x3x3xf32>
  %b = "graph.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "graph.conv"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %k = "graph.constant"() {value = dense<-2.0> : tensor<f32>} : () -> tensor<f32>
  %y = "graph.mul"(%k, %c) : (tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// Condition: k must act per output channel. A [4] constant broadcasts along the last (W) axis,
// so it varies across space: no per-channel weight scaling equals it. Conv and Mul remain, with
// the original weight 0.5.
// CHECK-LABEL: func.func @spatially_varying
// CHECK: %[[W:.*]] = "graph.constant"() {value = dense<5.000000e-01> : tensor<2x2x3x3xf32>}
// CHECK: %[[C:.*]] = "graph.conv"(%arg0, %[[W]],
// CHECK: %[[K:.*]] = "graph.constant"() {value = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>}
// CHECK: %[[Y:.*]] = "graph.mul"(%[[C]], %[[K]])
// CHECK: return %[[Y]]
func.func @spatially_varying(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = "graph.constant"() {value = dense<0.5> : tensor<2x2x3x3xf32>} : () -> tensor<2x2x3x3xf32>
  %b = "graph.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "graph.conv"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %k = "graph.constant"() {value = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %y = "graph.mul"(%c, %k) : (tensor<1x2x4x4xf32>, tensor<4xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}
