// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-bn-into-gemm | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-bn-into-gemm | %mlir-opt --split-input-file > /dev/null

// Law: BatchNormalization(Gemm(A, B, C; alpha, beta), s, t, m, v)
//        = Gemm(A, B * k per column, beta*C*k + t - m*k; alpha, 1) with k = s / sqrt(v + eps),
// the BN acting on the Gemm's output columns (axis 1 of [M, N]).
// Here k = 4 / sqrt(3 + 1) = 2, so B' = 0.5 * 2 = 1.0 and
//   C' = beta*C*k + t - m*k = 2 * 1 * 2 + 3 - 0.5 * 2 = 6.0;
// alpha stays 1 and beta becomes 1 (beta is folded into C').
// CHECK-LABEL: func.func @fold
// CHECK-DAG: %[[B:.*]] = "graph.constant"() {value = dense<1.000000e+00> : tensor<3x4xf32>}
// CHECK-DAG: %[[C:.*]] = "graph.constant"() {value = dense<6.000000e+00> : tensor<4xf32>}
// CHECK: %[[G:.*]] = "graph.gemm"(%arg0, %[[B]], %[[C]])
// CHECK-SAME: {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = 0 : i64, trans_b = 0 : i64}
// CHECK-NOT: graph.batch_norm
// CHECK: return %[[G]]
func.func @fold(%a: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %b = "graph.constant"() {value = dense<0.5> : tensor<3x4xf32>} : () -> tensor<3x4xf32>
  %c = "graph.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %g = "graph.gemm"(%a, %b, %c) {alpha = 1.0 : f32, beta = 2.0 : f32, trans_a = 0 : i64, trans_b = 0 : i64} : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %s = "graph.constant"() {value = dense<4.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %t = "graph.constant"() {value = dense<3.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %m = "graph.constant"() {value = dense<0.5> : tensor<4xf32>} : () -> tensor<4xf32>
  %v = "graph.constant"() {value = dense<3.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %y = "graph.batch_norm"(%g, %s, %t, %m, %v) {epsilon = 1.0 : f32} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Condition: B must be constant (its columns are rescaled at compile time). Here B is a function
// argument, so the Gemm and the batch norm both remain.
// CHECK-LABEL: func.func @weight_not_constant
// CHECK: %[[G:.*]] = "graph.gemm"(%arg0, %arg1,
// CHECK: "graph.batch_norm"(%[[G]],
func.func @weight_not_constant(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %c = "graph.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %g = "graph.gemm"(%a, %b, %c) {alpha = 1.0 : f32, beta = 2.0 : f32, trans_a = 0 : i64, trans_b = 0 : i64} : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %s = "graph.constant"() {value = dense<4.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %t = "graph.constant"() {value = dense<3.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %m = "graph.constant"() {value = dense<0.5> : tensor<4xf32>} : () -> tensor<4xf32>
  %v = "graph.constant"() {value = dense<3.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %y = "graph.batch_norm"(%g, %s, %t, %m, %v) {epsilon = 1.0 : f32} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
