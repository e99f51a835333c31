// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=merge-constant-adds | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=merge-constant-adds | %mlir-opt --split-input-file > /dev/null

// Law: (x + a) + b = x + (a + b), for constant a and b.
// a = 1 and b = 2.5, both of shape [2, 1, 1]: a + b = 3.5 of shape [2, 1, 1]. Two Adds over the
// tensor become one.
// CHECK-LABEL: func.func @merge
// CHECK-NOT: graph.add
// CHECK: %[[K:.*]] = "graph.constant"() {value = dense<3.500000e+00> : tensor<2x1x1xf32>}
// CHECK: %[[Y:.*]] = "graph.add"(%arg0, %[[K]])
// CHECK-NOT: graph.add
// CHECK: return %[[Y]]
func.func @merge(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %a = "graph.constant"() {value = dense<1.0> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %s1 = "graph.add"(%x, %a) : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %b = "graph.constant"() {value = dense<2.5> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %s2 = "graph.add"(%s1, %b) : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %s2 : tensor<1x2x4x4xf32>
}

// -----

// Operands on the other sides: b + (a + x), with a scalar b = -1 and a = 1 of shape [2, 1, 1]:
// a + b = 0 of shape [2, 1, 1] (the rule does not simplify x + 0 further).
// CHECK-LABEL: func.func @commuted
// CHECK: %[[K:.*]] = "graph.constant"() {value = dense<0.000000e+00> : tensor<2x1x1xf32>}
// CHECK: %[[Y:.*]] = "graph.add"(%arg0, %[[K]])
// CHECK-NOT: graph.add
// CHECK: return %[[Y]]
func.func @commuted(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %a = "graph.constant"() {value = dense<1.0> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %s1 = "graph.add"(%a, %x) : (tensor<2x1x1xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %b = "graph.constant"() {value = dense<-1.0> : tensor<f32>} : () -> tensor<f32>
  %s2 = "graph.add"(%b, %s1) : (tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %s2 : tensor<1x2x4x4xf32>
}

// -----

// Condition: a + b must have no more elements than a or b. a of shape [2, 1, 1] plus b of shape
// [4] would make a [2, 1, 4] constant (8 elements): not merged, both Adds remain.
// CHECK-LABEL: func.func @constant_would_grow
// CHECK: %[[S:.*]] = "graph.add"(%arg0,
// CHECK: %[[Y:.*]] = "graph.add"(%[[S]],
// CHECK: return %[[Y]]
func.func @constant_would_grow(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %a = "graph.constant"() {value = dense<1.0> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %s1 = "graph.add"(%x, %a) : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %b = "graph.constant"() {value = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %s2 = "graph.add"(%s1, %b) : (tensor<1x2x4x4xf32>, tensor<4xf32>) -> tensor<1x2x4x4xf32>
  return %s2 : tensor<1x2x4x4xf32>
}
