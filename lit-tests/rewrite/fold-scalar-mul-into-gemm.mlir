// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-scalar-mul-into-gemm | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-scalar-mul-into-gemm | %mlir-opt --split-input-file > /dev/null

// Law: Gemm(A, B, C; alpha, beta) * s = Gemm(A, B, C; alpha*s, beta*s), for a one-element s.
// Here alpha = 0.5, beta = 2 and s = 3: alpha' = 1.5, beta' = 6; B (0.5) and C (1.0) are reused
// unchanged. The Gemm already pays one vector op per output element for alpha != 1, so the
// separate Mul is pure overhead and the rewritten form is cheaper.
// CHECK-LABEL: func.func @scalar
// CHECK-DAG: %[[B:.*]] = "graph.constant"() {value = dense<5.000000e-01> : tensor<3x4xf32>}
// CHECK-DAG: %[[C:.*]] = "graph.constant"() {value = dense<1.000000e+00> : tensor<4xf32>}
// CHECK: %[[G:.*]] = "graph.gemm"(%arg0, %[[B]], %[[C]])
// CHECK-SAME: {alpha = 1.500000e+00 : f32, beta = 6.000000e+00 : f32, trans_a = 0 : i64, trans_b = 0 : i64}
// CHECK-NOT: graph.mul
// CHECK: return %[[G]]
func.func @scalar(%a: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %b = "graph.constant"() {value = dense<0.5> : tensor<3x4xf32>} : () -> tensor<3x4xf32>
  %c = "graph.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %g = "graph.gemm"(%a, %b, %c) {alpha = 0.5 : f32, beta = 2.0 : f32, trans_a = 0 : i64, trans_b = 0 : i64} : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %s = "graph.constant"() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %y = "graph.mul"(%g, %s) : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// A one-element s of shape [1, 1] on the left also counts as a scalar: alpha' = 0.5 * -1 = -0.5,
// beta' = 2 * -1 = -2.
// CHECK-LABEL: func.func @one_element_on_the_left
// CHECK: %[[G:.*]] = "graph.gemm"(%arg0,
// CHECK-SAME: {alpha = -5.000000e-01 : f32, beta = -2.000000e+00 : f32, trans_a = 0 : i64, trans_b = 0 : i64}
// CHECK-NOT: graph.mul
// CHECK: return %[[G]]
func.func @one_element_on_the_left(%a: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %b = "graph.constant"() {value = dense<0.5> : tensor<3x4xf32>} : () -> tensor<3x4xf32>
  %c = "graph.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %g = "graph.gemm"(%a, %b, %c) {alpha = 0.5 : f32, beta = 2.0 : f32, trans_a = 0 : i64, trans_b = 0 : i64} : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %s = "graph.constant"() {value = dense<-1.0> : tensor<1x1xf32>} : () -> tensor<1x1xf32>
  %y = "graph.mul"(%s, %g) : (tensor<1x1xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Condition: s must have one element. A per-column [4] factor with different values is not a
// scalar (that is fold-mul-into-gemm's job, not selected here): Gemm and Mul remain, alpha and
// beta unchanged.
// CHECK-LABEL: func.func @not_a_scalar
// CHECK: %[[G:.*]] = "graph.gemm"(%arg0,
// CHECK-SAME: {alpha = 5.000000e-01 : f32, beta = 2.000000e+00 : f32,
// CHECK: %[[Y:.*]] = "graph.mul"(%[[G]],
// CHECK: return %[[Y]]
func.func @not_a_scalar(%a: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %b = "graph.constant"() {value = dense<0.5> : tensor<3x4xf32>} : () -> tensor<3x4xf32>
  %c = "graph.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %g = "graph.gemm"(%a, %b, %c) {alpha = 0.5 : f32, beta = 2.0 : f32, trans_a = 0 : i64, trans_b = 0 : i64} : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %s = "graph.constant"() {value = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %y = "graph.mul"(%g, %s) : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
