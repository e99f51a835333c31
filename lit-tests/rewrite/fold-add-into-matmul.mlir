// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-add-into-matmul | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-add-into-matmul | %mlir-opt --split-input-file > /dev/null

// Law: MatMul(A, B) + C = Gemm(A, B, C; alpha = 1, beta = 1), for 2-D A and B, constant B and C.
// B (0.5) and C (1.0) are reused as they are. Cost: the MatMul's crossbar work plus the Add's one
// vector op per element equals the Gemm's crossbar work plus its bias add, so the time is the same
// and the Gemm wins the extraction on the node count (one op instead of two).
// CHECK-LABEL: func.func @bias
// CHECK-DAG: %[[B:.*]] = "graph.constant"() {value = dense<5.000000e-01> : tensor<3x4xf32>}
// CHECK-DAG: %[[C:.*]] = "graph.constant"() {value = dense<1.000000e+00> : tensor<4xf32>}
// CHECK: %[[G:.*]] = "graph.gemm"(%arg0, %[[B]], %[[C]])
// CHECK-SAME: {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = 0 : i64, trans_b = 0 : i64}
// CHECK-NOT: graph.matmul
// CHECK-NOT: graph.add
// CHECK: return %[[G]]
func.func @bias(%a: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %b = "graph.constant"() {value = dense<0.5> : tensor<3x4xf32>} : () -> tensor<3x4xf32>
  %m = "graph.matmul"(%a, %b) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %c = "graph.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %y = "graph.add"(%m, %c) : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// The constant on the left of the Add, with shape [M, 1] (one value per row: a Gemm C only has to
// broadcast to [M, N]).
// CHECK-LABEL: func.func @row_bias_on_the_left
// CHECK: %[[C:.*]] = "graph.constant"() {value = dense<2.000000e+00> : tensor<2x1xf32>}
// CHECK: %[[G:.*]] = "graph.gemm"(%arg0, %{{[0-9]+}}, %[[C]])
// CHECK-NOT: graph.add
// CHECK: return %[[G]]
func.func @row_bias_on_the_left(%a: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %b = "graph.constant"() {value = dense<0.5> : tensor<3x4xf32>} : () -> tensor<3x4xf32>
  %m = "graph.matmul"(%a, %b) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %c = "graph.constant"() {value = dense<2.0> : tensor<2x1xf32>} : () -> tensor<2x1xf32>
  %y = "graph.add"(%c, %m) : (tensor<2x1xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Condition: A must be 2-D (Gemm is a matrix product, a batched MatMul is not). With A of shape
// [2, 2, 3] the MatMul and the Add remain.
// CHECK-LABEL: func.func @batched
// CHECK: %[[M:.*]] = "graph.matmul"(%arg0,
// CHECK: %[[Y:.*]] = "graph.add"(%[[M]],
// CHECK: return %[[Y]]
func.func @batched(%a: tensor<2x2x3xf32>) -> tensor<2x2x4xf32> {
  %b = "graph.constant"() {value = dense<0.5> : tensor<3x4xf32>} : () -> tensor<3x4xf32>
  %m = "graph.matmul"(%a, %b) : (tensor<2x2x3xf32>, tensor<3x4xf32>) -> tensor<2x2x4xf32>
  %c = "graph.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %y = "graph.add"(%m, %c) : (tensor<2x2x4xf32>, tensor<4xf32>) -> tensor<2x2x4xf32>
  return %y : tensor<2x2x4xf32>
}

// -----

// Condition: B must be constant (a crossbar holds fixed weights). With B a function argument the
// MatMul and the Add remain.
// CHECK-LABEL: func.func @weight_not_constant
// CHECK: %[[M:.*]] = "graph.matmul"(%arg0, %arg1)
// CHECK: %[[Y:.*]] = "graph.add"(%[[M]],
// CHECK: return %[[Y]]
func.func @weight_not_constant(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %m = "graph.matmul"(%a, %b) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %c = "graph.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %y = "graph.add"(%m, %c) : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
