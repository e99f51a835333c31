// RUN: %pimc-opt %s --pim-rewrite-graph=rules=fold-affine-into-matmul | FileCheck %s
// RUN: %pimc-opt %s --pim-rewrite-graph=rules=fold-affine-into-matmul | %mlir-opt > /dev/null

// Law: MatMul(x * k + c, W) = MatMul(x, diag(k) W) + c W. A LayerNormalization's scale and bias
// (graph.mul and graph.add after graph.norm) fold into the next linear layer: two vector-unit
// passes fewer; the new bias is the Add that fold-add-into-matmul turns into a Gemm's C.
// CHECK-LABEL: func.func @layer_norm_then_linear
// CHECK: %[[N:.*]] = "graph.norm"(%arg0)
// CHECK-NOT: graph.mul
// CHECK: %[[M:.*]] = "graph.matmul"(%[[N]], %{{.*}}) : (tensor<1x5x4xf32>, tensor<4x3xf32>) -> tensor<1x5x3xf32>
// CHECK: %[[A:.*]] = "graph.add"(%[[M]], %{{.*}}) : (tensor<1x5x3xf32>, tensor<3xf32>) -> tensor<1x5x3xf32>
// CHECK-NEXT: return %[[A]]
func.func @layer_norm_then_linear(%x: tensor<1x5x4xf32>) -> tensor<1x5x3xf32> {
  %g = "graph.constant"() {value = dense<[1.0, 2.0, 0.5, -1.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %b = "graph.constant"() {value = dense<[0.1, 0.2, 0.3, 0.4]> : tensor<4xf32>} : () -> tensor<4xf32>
  %w = "graph.constant"() {value = dense<[[1.0, 0.0, 2.0], [0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.5, 0.5, -0.5]]> : tensor<4x3xf32>} : () -> tensor<4x3xf32>
  %n = "graph.norm"(%x) {axes = array<i64: 2>, epsilon = 1.0e-5 : f32} : (tensor<1x5x4xf32>) -> tensor<1x5x4xf32>
  %s = "graph.mul"(%n, %g) : (tensor<1x5x4xf32>, tensor<4xf32>) -> tensor<1x5x4xf32>
  %t = "graph.add"(%s, %b) : (tensor<1x5x4xf32>, tensor<4xf32>) -> tensor<1x5x4xf32>
  %y = "graph.matmul"(%t, %w) : (tensor<1x5x4xf32>, tensor<4x3xf32>) -> tensor<1x5x3xf32>
  return %y : tensor<1x5x3xf32>
}
