// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=merge-constant-muls | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=merge-constant-muls | %mlir-opt --split-input-file > /dev/null

// Law: (x * a) * b = x * (a * b), for constant a and b.
// a = 2 of shape [2, 1, 1] (per channel) and b = 3 a scalar, both on the left of their Mul:
// a * b = 6 of shape [2, 1, 1] (no more elements than a). Two Muls over the tensor become one.
// CHECK-LABEL: func.func @merge
// CHECK-NOT: graph.mul
// CHECK: %[[K:.*]] = "graph.constant"() {value = dense<6.000000e+00> : tensor<2x1x1xf32>}
// CHECK: %[[Y:.*]] = "graph.mul"(%arg0, %[[K]])
// CHECK-NOT: graph.mul
// CHECK: return %[[Y]]
func.func @merge(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %a = "graph.constant"() {value = dense<2.0> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %m1 = "graph.mul"(%a, %x) : (tensor<2x1x1xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %b = "graph.constant"() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %m2 = "graph.mul"(%b, %m1) : (tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %m2 : tensor<1x2x4x4xf32>
}

// -----

// A chain of three: ((x * 2) * 0.5) * -4 = x * -4 (the rule applies twice, each merge making the
// next one possible).
// CHECK-LABEL: func.func @chain
// CHECK-NOT: graph.mul
// CHECK: %[[K:.*]] = "graph.constant"() {value = dense<-4.000000e+00> : tensor<2x1x1xf32>}
// CHECK: %[[Y:.*]] = "graph.mul"(%arg0, %[[K]])
// CHECK-NOT: graph.mul
// CHECK: return %[[Y]]
func.func @chain(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %a = "graph.constant"() {value = dense<2.0> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %m1 = "graph.mul"(%x, %a) : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %b = "graph.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %m2 = "graph.mul"(%m1, %b) : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %c = "graph.constant"() {value = dense<-4.0> : tensor<1x1x1xf32>} : () -> tensor<1x1x1xf32>
  %m3 = "graph.mul"(%m2, %c) : (tensor<1x2x4x4xf32>, tensor<1x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %m3 : tensor<1x2x4x4xf32>
}

// -----

// Condition: a * b must have no more elements than a or b. a of shape [2, 1, 1] times b of shape
// [4] would make a [2, 1, 4] constant (8 elements): not merged, both Muls remain.
// CHECK-LABEL: func.func @constant_would_grow
// CHECK: %[[M:.*]] = "graph.mul"(%arg0,
// CHECK: %[[Y:.*]] = "graph.mul"(%[[M]],
// CHECK: return %[[Y]]
func.func @constant_would_grow(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %a = "graph.constant"() {value = dense<2.0> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %m1 = "graph.mul"(%x, %a) : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %b = "graph.constant"() {value = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %m2 = "graph.mul"(%m1, %b) : (tensor<1x2x4x4xf32>, tensor<4xf32>) -> tensor<1x2x4x4xf32>
  return %m2 : tensor<1x2x4x4xf32>
}
