// RUN: %pimc-opt %s --pim-rewrite-graph=rules=fuse-erf-gelu | FileCheck %s
// RUN: %pimc-opt %s --pim-rewrite-graph=rules=fuse-erf-gelu | %mlir-opt > /dev/null

// Law: x * (1 + Erf(x / sqrt 2)) * 0.5 = Gelu(x): what torch's exporters write for GELU before
// opset 20. Five vector-unit layers become one function (one pass over the data); the vop
// sequence is the same, so the cost is a tie that the canonical fused form wins.
// CHECK-LABEL: func.func @gelu
// CHECK-NOT: graph.mul
// CHECK: %[[G:.*]] = "graph.unary"(%arg0) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "gelu"}
// CHECK-NEXT: return %[[G]]
func.func @gelu(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  %s = "graph.constant"() {value = dense<1.41421354> : tensor<f32>} : () -> tensor<f32>
  %one = "graph.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %half = "graph.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %d = "graph.div"(%x, %s) : (tensor<1x4x8xf32>, tensor<f32>) -> tensor<1x4x8xf32>
  %e = "graph.unary"(%d) {kind = "erf", alpha = 0.0 : f32, beta = 0.0 : f32} : (tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %a = "graph.add"(%e, %one) : (tensor<1x4x8xf32>, tensor<f32>) -> tensor<1x4x8xf32>
  %m = "graph.mul"(%x, %a) : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %y = "graph.mul"(%m, %half) : (tensor<1x4x8xf32>, tensor<f32>) -> tensor<1x4x8xf32>
  return %y : tensor<1x4x8xf32>
}
