// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=distribute-mul-over-constant-add | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=distribute-mul-over-constant-add | %mlir-opt --split-input-file > /dev/null

// Law: (x + a) * b = x * b + a * b, for constant a and b.
// On its own the rule only reorders two elementwise ops, so the input is built to make the
// rewritten form cheaper: x is [1, 1, 4, 4] and a = 2 of shape [1, 2, 1, 1] broadcasts it to
// [1, 2, 4, 4]. Originally the Add and the Mul both run on 32 elements (64 vector ops); after the
// rewrite the Mul by b = 3 runs on x's 16 elements before the broadcast, then the Add on 32
// (48 ops). a * b = 6 of shape [1, 2, 1, 1].
// CHECK-LABEL: func.func @distribute
// CHECK: %[[B:.*]] = "graph.constant"() {value = dense<3.000000e+00> : tensor<f32>}
// CHECK: %[[M:.*]] = "graph.mul"(%arg0, %[[B]]) : (tensor<1x1x4x4xf32>, tensor<f32>) -> tensor<1x1x4x4xf32>
// CHECK: %[[AB:.*]] = "graph.constant"() {value = dense<6.000000e+00> : tensor<1x2x1x1xf32>}
// CHECK: %[[Y:.*]] = "graph.add"(%[[M]], %[[AB]]) : (tensor<1x1x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NOT: graph.mul
// CHECK: return %[[Y]]
func.func @distribute(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %a = "graph.constant"() {value = dense<2.0> : tensor<1x2x1x1xf32>} : () -> tensor<1x2x1x1xf32>
  %s = "graph.add"(%x, %a) : (tensor<1x1x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %b = "graph.constant"() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %y = "graph.mul"(%s, %b) : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// Condition: a * b must have no more elements than a or b. Same shapes but b of shape [4] (one
// factor per column): a * b would be a [1, 2, 1, 4] constant (8 elements), so the rule does not
// fire even though the distributed form would again be cheaper (16 + 32 instead of 32 + 32
// elements). The Add then Mul remain.
// CHECK-LABEL: func.func @constant_would_grow
// CHECK: %[[S:.*]] = "graph.add"(%arg0,
// CHECK: %[[Y:.*]] = "graph.mul"(%[[S]],
// CHECK: return %[[Y]]
func.func @constant_would_grow(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %a = "graph.constant"() {value = dense<2.0> : tensor<1x2x1x1xf32>} : () -> tensor<1x2x1x1xf32>
  %s = "graph.add"(%x, %a) : (tensor<1x1x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %b = "graph.constant"() {value = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %y = "graph.mul"(%s, %b) : (tensor<1x2x4x4xf32>, tensor<4xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}
