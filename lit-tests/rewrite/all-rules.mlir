// RUN: %pimc-opt %s --pim-rewrite-graph | FileCheck %s
// RUN: %pimc-opt %s --pim-rewrite-graph | %mlir-opt > /dev/null

// Every rule at once (no rules= option) on conv -> batch_norm -> relu -> max_pool -> flatten -> gemm:
// - fold-bn-into-conv: k = 4 / sqrt(3 + 1) = 2, so W' = 0.5 * 2 = 1.0 and
//   b' = (1 - 0.5) * 2 + 3 = 4.0 (fold-batchnorm-standalone followed by fold-mul-into-conv and
//   fold-add-into-conv reaches the same conv);
// - relu-commutes-with-maxpool: the 2x2 stride-2 pool runs first, the ReLU on the pooled
//   [1, 4, 2, 2] instead of [1, 4, 4, 4];
// - flatten-as-reshape: Flatten at axis 1 of [1, 4, 2, 2] is Reshape to [1, 16];
// - the Gemm is unchanged (nothing to fold into it).
// CHECK-LABEL: func.func @main
// CHECK-NOT: graph.batch_norm
// CHECK-DAG: %[[W:.*]] = "graph.constant"() {value = dense<1.000000e+00> : tensor<4x2x3x3xf32>}
// CHECK-DAG: %[[B:.*]] = "graph.constant"() {value = dense<4.000000e+00> : tensor<4xf32>}
// CHECK: %[[C:.*]] = "graph.conv"(%arg0, %[[W]], %[[B]])
// CHECK-SAME: pads = array<i64: 1, 1, 1, 1>
// CHECK-SAME: -> tensor<1x4x4x4xf32>
// CHECK-NEXT: %[[P:.*]] = "graph.max_pool"(%[[C]])
// CHECK-SAME: -> tensor<1x4x2x2xf32>
// CHECK-NEXT: %[[R:.*]] = "graph.relu"(%[[P]]) : (tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
// CHECK-NEXT: %[[F:.*]] = "graph.reshape"(%[[R]]) {shape = array<i64: 1, 16>} : (tensor<1x4x2x2xf32>) -> tensor<1x16xf32>
// CHECK-DAG: %[[GB:.*]] = "graph.constant"() {value = dense<2.500000e-01> : tensor<3x16xf32>}
// CHECK-DAG: %[[GC:.*]] = "graph.constant"() {value = dense<1.000000e+00> : tensor<3xf32>}
// CHECK: %[[G:.*]] = "graph.gemm"(%[[F]], %[[GB]], %[[GC]])
// CHECK-SAME: {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = 0 : i64, trans_b = 1 : i64}
// CHECK-NOT: graph.batch_norm
// CHECK-NOT: graph.flatten
// CHECK: return %[[G]]
func.func @main(%x: tensor<1x2x4x4xf32>) -> tensor<1x3xf32> {
  %w = "graph.constant"() {value = dense<0.5> : tensor<4x2x3x3xf32>} : () -> tensor<4x2x3x3xf32>
  %b = "graph.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %c = "graph.conv"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %s = "graph.constant"() {value = dense<4.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %t = "graph.constant"() {value = dense<3.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %m = "graph.constant"() {value = dense<0.5> : tensor<4xf32>} : () -> tensor<4xf32>
  %v = "graph.constant"() {value = dense<3.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %n = "graph.batch_norm"(%c, %s, %t, %m, %v) {epsilon = 1.0 : f32} : (tensor<1x4x4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %r = "graph.relu"(%n) : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %p = "graph.max_pool"(%r) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : (tensor<1x4x4x4xf32>) -> tensor<1x4x2x2xf32>
  %f = "graph.flatten"(%p) {axis = 1 : i64} : (tensor<1x4x2x2xf32>) -> tensor<1x16xf32>
  %gb = "graph.constant"() {value = dense<0.25> : tensor<3x16xf32>} : () -> tensor<3x16xf32>
  %gc = "graph.constant"() {value = dense<1.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %g = "graph.gemm"(%f, %gb, %gc) {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = 0 : i64, trans_b = 1 : i64} : (tensor<1x16xf32>, tensor<3x16xf32>, tensor<3xf32>) -> tensor<1x3xf32>
  return %g : tensor<1x3xf32>
}
