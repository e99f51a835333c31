// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-add-into-gemm | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-add-into-gemm | %mlir-opt --split-input-file > /dev/null

// Law: Gemm(A, B, C; alpha, beta) + k = Gemm(A, B, beta*C + k; alpha, 1), for k of shape [N],
// [1, N] or a scalar.
// Here beta = 0.5, C = 1 and k = 3 (shape [1, N], on the left of the Add):
//   C' = 0.5 * 1 + 3 = 3.5 (shape [N] = [4]); alpha = 2 is kept, beta becomes 1, and B (the
// original 0.5 constant, transposed) is reused. The Add disappears.
// CHECK-LABEL: func.func @per_column
// CHECK-DAG: %[[B:.*]] = "graph.constant"() {value = dense<5.000000e-01> : tensor<4x3xf32>}
// CHECK-DAG: %[[C:.*]] = "graph.constant"() {value = dense<3.500000e+00> : tensor<4xf32>}
// CHECK: %[[G:.*]] = "graph.gemm"(%arg0, %[[B]], %[[C]])
// CHECK-SAME: {alpha = 2.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = 0 : i64, trans_b = 1 : i64}
// CHECK-NOT: graph.add
// CHECK: return %[[G]]
func.func @per_column(%a: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %b = "graph.constant"() {value = dense<0.5> : tensor<4x3xf32>} : () -> tensor<4x3xf32>
  %c = "graph.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %g = "graph.gemm"(%a, %b, %c) {alpha = 2.0 : f32, beta = 0.5 : f32, trans_a = 0 : i64, trans_b = 1 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %k = "graph.constant"() {value = dense<3.0> : tensor<1x4xf32>} : () -> tensor<1x4xf32>
  %y = "graph.add"(%k, %g) : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Condition: k must be one value per output column. A [M, 1] = [2, 1] constant adds a different
// value to each row, which a bias (the same for every row) cannot express: Gemm and Add remain.
// CHECK-LABEL: func.func @per_row
// CHECK: %[[C:.*]] = "graph.constant"() {value = dense<1.000000e+00> : tensor<4xf32>}
// CHECK: %[[G:.*]] = "graph.gemm"(%arg0, %{{[0-9]+}}, %[[C]])
// CHECK-SAME: beta = 5.000000e-01 : f32
// CHECK: %[[Y:.*]] = "graph.add"(%{{[0-9]+}}, %[[G]])
// CHECK: return %[[Y]]
func.func @per_row(%a: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %b = "graph.constant"() {value = dense<0.5> : tensor<4x3xf32>} : () -> tensor<4x3xf32>
  %c = "graph.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %g = "graph.gemm"(%a, %b, %c) {alpha = 2.0 : f32, beta = 0.5 : f32, trans_a = 0 : i64, trans_b = 1 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %k = "graph.constant"() {value = dense<[[1.0], [2.0]]> : tensor<2x1xf32>} : () -> tensor<2x1xf32>
  %y = "graph.add"(%k, %g) : (tensor<2x1xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
