// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-mul-into-gemm | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-mul-into-gemm | %mlir-opt --split-input-file > /dev/null

// Law: Gemm(A, B, C; alpha, beta) * k = Gemm(A, B * k per column, C * k; alpha, beta), for k of
// shape [N], [1, N] or a scalar (one factor per output column).
// k = 2 of shape [N] = [4]: B' = 0.5 * 2 = 1.0, C' = 1 * 2 = 2.0; alpha = 0.5 and beta = 2 are
// kept (0.5 * A * (B*k) + 2 * (C*k) = (0.5 * A * B + 2 * C) * k). The Mul disappears.
// CHECK-LABEL: func.func @per_column
// CHECK-DAG: %[[B:.*]] = "graph.constant"() {value = dense<1.000000e+00> : tensor<3x4xf32>}
// CHECK-DAG: %[[C:.*]] = "graph.constant"() {value = dense<2.000000e+00> : tensor<4xf32>}
// CHECK: %[[G:.*]] = "graph.gemm"(%arg0, %[[B]], %[[C]])
// CHECK-SAME: {alpha = 5.000000e-01 : f32, beta = 2.000000e+00 : f32, trans_a = 0 : i64, trans_b = 0 : i64}
// CHECK-NOT: graph.mul
// CHECK: return %[[G]]
func.func @per_column(%a: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %b = "graph.constant"() {value = dense<0.5> : tensor<3x4xf32>} : () -> tensor<3x4xf32>
  %c = "graph.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %g = "graph.gemm"(%a, %b, %c) {alpha = 0.5 : f32, beta = 2.0 : f32, trans_a = 0 : i64, trans_b = 0 : i64} : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %k = "graph.constant"() {value = dense<2.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %y = "graph.mul"(%g, %k) : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// The constant on the left, k of shape [1, N], and a transposed B ([N, K] = [4, 3], so the
// output columns are B's rows): B' = 0.5 * 4 = 2.0, C' = 1 * 4 = 4.0.
// CHECK-LABEL: func.func @transposed_b_constant_on_the_left
// CHECK-DAG: %[[B:.*]] = "graph.constant"() {value = dense<2.000000e+00> : tensor<4x3xf32>}
// CHECK-DAG: %[[C:.*]] = "graph.constant"() {value = dense<4.000000e+00> : tensor<4xf32>}
// CHECK: %[[G:.*]] = "graph.gemm"(%arg0, %[[B]], %[[C]])
// CHECK-SAME: {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = 0 : i64, trans_b = 1 : i64}
// CHECK-NOT: graph.mul
// CHECK: return %[[G]]
func.func @transposed_b_constant_on_the_left(%a: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %b = "graph.constant"() {value = dense<0.5> : tensor<4x3xf32>} : () -> tensor<4x3xf32>
  %c = "graph.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %g = "graph.gemm"(%a, %b, %c) {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = 0 : i64, trans_b = 1 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %k = "graph.constant"() {value = dense<4.0> : tensor<1x4xf32>} : () -> tensor<1x4xf32>
  %y = "graph.mul"(%k, %g) : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Condition: k must be one factor per output column. A [M, 1] = [2, 1] constant scales the rows
// (one factor per input vector), which no change of B or C can express: Gemm and Mul remain.
// CHECK-LABEL: func.func @per_row
// CHECK: %[[B:.*]] = "graph.constant"() {value = dense<5.000000e-01> : tensor<3x4xf32>}
// CHECK: %[[G:.*]] = "graph.gemm"(%arg0, %[[B]],
// CHECK: %[[Y:.*]] = "graph.mul"(%[[G]],
// CHECK: return %[[Y]]
func.func @per_row(%a: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %b = "graph.constant"() {value = dense<0.5> : tensor<3x4xf32>} : () -> tensor<3x4xf32>
  %c = "graph.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %g = "graph.gemm"(%a, %b, %c) {alpha = 0.5 : f32, beta = 2.0 : f32, trans_a = 0 : i64, trans_b = 0 : i64} : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %k = "graph.constant"() {value = dense<[[1.0], [2.0]]> : tensor<2x1xf32>} : () -> tensor<2x1xf32>
  %y = "graph.mul"(%g, %k) : (tensor<2x4xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
