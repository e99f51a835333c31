// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-batchnorm-standalone | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-batchnorm-standalone | %mlir-opt --split-input-file > /dev/null

// Law: BatchNormalization(x, s, t, m, v) = x * k + (t - m*k) with k = s / sqrt(v + eps) of shape
// [C, 1, ...] (one factor per channel of axis 1).
// Here k = 4 / sqrt(3 + 1) = 2 and t - m*k = 4 - 0.5 * 2 = 3, both of shape [C, 1, 1] = [2, 1, 1].
// The batch norm costs 4 vector ops per element, the Mul and the Add one each.
// CHECK-LABEL: func.func @standalone
// CHECK: %[[K:.*]] = "graph.constant"() {value = dense<2.000000e+00> : tensor<2x1x1xf32>}
// CHECK: %[[M:.*]] = "graph.mul"(%arg0, %[[K]])
// CHECK: %[[T:.*]] = "graph.constant"() {value = dense<3.000000e+00> : tensor<2x1x1xf32>}
// CHECK: %[[Y:.*]] = "graph.add"(%[[M]], %[[T]])
// CHECK-NOT: graph.batch_norm
// CHECK: return %[[Y]]
func.func @standalone(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %s = "graph.constant"() {value = dense<4.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %t = "graph.constant"() {value = dense<4.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %m = "graph.constant"() {value = dense<0.5> : tensor<2xf32>} : () -> tensor<2xf32>
  %v = "graph.constant"() {value = dense<3.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %y = "graph.batch_norm"(%x, %s, %t, %m, %v) {epsilon = 1.0 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// On a 2-D input [N, C] = [3, 2] the factors have shape [C] = [2] (no trailing unit axes):
// k = 1 / sqrt(0.25 + 0) = 2, t - m*k = 1 - 1 * 2 = -1.
// CHECK-LABEL: func.func @two_dimensional
// CHECK: %[[K:.*]] = "graph.constant"() {value = dense<2.000000e+00> : tensor<2xf32>}
// CHECK: %[[M:.*]] = "graph.mul"(%arg0, %[[K]])
// CHECK: %[[T:.*]] = "graph.constant"() {value = dense<-1.000000e+00> : tensor<2xf32>}
// CHECK: %[[Y:.*]] = "graph.add"(%[[M]], %[[T]])
// CHECK: return %[[Y]]
func.func @two_dimensional(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %s = "graph.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %t = "graph.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %m = "graph.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %v = "graph.constant"() {value = dense<0.25> : tensor<2xf32>} : () -> tensor<2xf32>
  %y = "graph.batch_norm"(%x, %s, %t, %m, %v) {epsilon = 0.0 : f32} : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Condition: s, t, m, v must be constants. With the mean a function argument the batch norm stays.
// CHECK-LABEL: func.func @mean_not_constant
// CHECK: %[[Y:.*]] = "graph.batch_norm"(%arg0, %{{[0-9]+}}, %{{[0-9]+}}, %arg1, %{{[0-9]+}})
// CHECK-NOT: graph.mul
// CHECK: return %[[Y]]
func.func @mean_not_constant(%x: tensor<1x2x3x3xf32>, %m: tensor<2xf32>) -> tensor<1x2x3x3xf32> {
  %s = "graph.constant"() {value = dense<4.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %t = "graph.constant"() {value = dense<4.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %v = "graph.constant"() {value = dense<3.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %y = "graph.batch_norm"(%x, %s, %t, %m, %v) {epsilon = 1.0 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}
