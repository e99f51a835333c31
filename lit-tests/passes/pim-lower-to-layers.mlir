// RUN: %pimc-opt %s --split-input-file --pim-lower-to-layers | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-lower-to-layers | %mlir-opt --split-input-file > /dev/null

// A conv becomes a crossbar layer: weights [Cout, Cin, kH, kW] = [4, 2, 3, 3] turn into one matrix of
// 2*3*3 = 18 rows and 4 columns; 1x4x4 output pixels are 16 input vectors. The ReLU goes to the
// vector unit.
// CHECK-LABEL: func.func @conv
// CHECK: %[[W:.*]] = "pim.constant"() {value = dense<5.000000e-01> : tensor<1x18x4xf32>}
// CHECK: "pim.mvm"(%arg0, %[[W]], %{{.*}}) {cols = 4 : i64, {{.*}}group = 1 : i64, kernel = array<i64: 3, 3>, kind = "conv", {{.*}}rows = 18 : i64, {{.*}}vectors = 16 : i64}
// CHECK: "pim.act"({{.*}}) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"}
func.func @conv(%x: tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w = "graph.constant"() {value = dense<0.5> : tensor<4x2x3x3xf32>} : () -> tensor<4x2x3x3xf32>
  %b = "graph.constant"() {value = dense<0.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %c = "graph.conv"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %r = "graph.relu"(%c) : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %r : tensor<1x4x4x4xf32>
}

// -----

// A depthwise conv (group = C = 4) holds four 9x1 matrices.
// CHECK-LABEL: func.func @depthwise
// CHECK: "pim.constant"() {value = dense<1.000000e+00> : tensor<4x9x1xf32>}
// CHECK: "pim.mvm"({{.*}}) {cols = 1 : i64, {{.*}}group = 4 : i64, {{.*}}rows = 9 : i64, {{.*}}vectors = 64 : i64}
func.func @depthwise(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %w = "graph.constant"() {value = dense<1.0> : tensor<4x1x3x3xf32>} : () -> tensor<4x1x3x3xf32>
  %b = "graph.constant"() {value = dense<0.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %c = "graph.conv"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  return %c : tensor<1x4x8x8xf32>
}

// -----

// Gemm with transB: the matrix is alpha * B^T ([8, 3] for B = [3, 8]), the per-column C times beta
// is the bias; M = 2 rows are 2 input vectors.
// CHECK-LABEL: func.func @gemm
// CHECK: "pim.constant"() {value = dense<2.000000e+00> : tensor<1x8x3xf32>}
// CHECK: "pim.constant"() {value = dense<5.000000e-01> : tensor<3xf32>}
// CHECK: "pim.mvm"({{.*}}) {cols = 3 : i64, {{.*}}kind = "fc", {{.*}}rows = 8 : i64, {{.*}}vectors = 2 : i64}
func.func @gemm(%a: tensor<2x8xf32>) -> tensor<2x3xf32> {
  %b = "graph.constant"() {value = dense<1.0> : tensor<3x8xf32>} : () -> tensor<3x8xf32>
  %c = "graph.constant"() {value = dense<1.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %y = "graph.gemm"(%a, %b, %c) {alpha = 2.0 : f32, beta = 0.5 : f32, trans_a = 0 : i64, trans_b = 1 : i64} : (tensor<2x8xf32>, tensor<3x8xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// A batch normalisation that follows no layer becomes a per-channel multiply-add on the vector unit:
// s = scale / sqrt(var + eps) = 2 / sqrt(4) = 1, t = bias - mean * s = 3 - 1 = 2.
// CHECK-LABEL: func.func @batch_norm
// CHECK: %[[S:.*]] = "pim.constant"() {value = dense<1.000000e+00> : tensor<2x1x1xf32>}
// CHECK: %[[T:.*]] = "pim.constant"() {value = dense<2.000000e+00> : tensor<2x1x1xf32>}
// CHECK: %[[M:.*]] = "pim.binary"(%arg0, %[[S]]) {kind = "mul"}
// CHECK: "pim.binary"(%[[M]], %[[T]]) {kind = "add"}
func.func @batch_norm(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %s = "graph.constant"() {value = dense<2.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %b = "graph.constant"() {value = dense<3.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %m = "graph.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %v = "graph.constant"() {value = dense<4.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %y = "graph.batch_norm"(%x, %s, %b, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// Global pooling is pooling with a window over the whole spatial extent; flatten is a reshape.
// CHECK-LABEL: func.func @global_pool
// CHECK: "pim.pool"(%arg0) {{{.*}}kernel = array<i64: 5, 7>, kind = "avg"
// CHECK: "pim.reshape"({{.*}}) {shape = array<i64: 1, 3>}
func.func @global_pool(%x: tensor<1x3x5x7xf32>) -> tensor<1x3xf32> {
  %p = "graph.global_average_pool"(%x) : (tensor<1x3x5x7xf32>) -> tensor<1x3x1x1xf32>
  %f = "graph.flatten"(%p) {axis = 1 : i64} : (tensor<1x3x1x1xf32>) -> tensor<1x3xf32>
  return %f : tensor<1x3xf32>
}
