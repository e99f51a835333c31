// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-bn-into-conv | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-bn-into-conv | %mlir-opt --split-input-file > /dev/null

// Law: BatchNormalization(Conv(x, W, b), s, t, m, v)
//        = Conv(x, W * k per output channel, (b - m) * k + t) with k = s / sqrt(v + eps).
// Here k = 4 / sqrt(3 + 1) = 2 for both channels, so
//   W' = 0.5 * 2 = 1.0 and b' = (1 - 0.5) * 2 + 3 = 4.0.
// The batch norm (4 vector ops per element) disappears into the conv's constants.
// CHECK-LABEL: func.func @fold
// CHECK-DAG: %[[W:.*]] = "graph.constant"() {value = dense<1.000000e+00> : tensor<2x2x3x3xf32>}
// CHECK-DAG: %[[B:.*]] = "graph.constant"() {value = dense<4.000000e+00> : tensor<2xf32>}
// CHECK: %[[C:.*]] = "graph.conv"(%arg0, %[[W]], %[[B]])
// CHECK-SAME: {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
// CHECK-NOT: graph.batch_norm
// CHECK: return %[[C]]
func.func @fold(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = "graph.constant"() {value = dense<0.5> : tensor<2x2x3x3xf32>} : () -> tensor<2x2x3x3xf32>
  %b = "graph.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "graph.conv"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %s = "graph.constant"() {value = dense<4.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %t = "graph.constant"() {value = dense<3.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %m = "graph.constant"() {value = dense<0.5> : tensor<2xf32>} : () -> tensor<2xf32>
  %v = "graph.constant"() {value = dense<3.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %y = "graph.batch_norm"(%c, %s, %t, %m, %v) {epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// Condition: the BN statistics must be constants. Here the scale is a function argument, so there
// is nothing to fold at compile time: conv and batch norm both remain.
// CHECK-LABEL: func.func @scale_not_constant
// CHECK: %[[C:.*]] = "graph.conv"(%arg0,
// CHECK: "graph.batch_norm"(%[[C]], %arg1,
func.func @scale_not_constant(%x: tensor<1x2x4x4xf32>, %s: tensor<2xf32>) -> tensor<1x2x4x4xf32> {
  %w = "graph.constant"() {value = dense<0.5> : tensor<2x2x3x3xf32>} : () -> tensor<2x2x3x3xf32>
  %b = "graph.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "graph.conv"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %t = "graph.constant"() {value = dense<3.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %m = "graph.constant"() {value = dense<0.5> : tensor<2xf32>} : () -> tensor<2xf32>
  %v = "graph.constant"() {value = dense<3.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %y = "graph.batch_norm"(%c, %s, %t, %m, %v) {epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// Condition: the folded values must be finite. With v + eps = 0, k = 4 / sqrt(0) = +inf, so the
// folded weights would be infinite: the rule must not fire and the batch norm stays.
// CHECK-LABEL: func.func @infinite_factor
// CHECK: %[[C:.*]] = "graph.conv"(%arg0,
// CHECK: %[[Y:.*]] = "graph.batch_norm"(%[[C]],
// CHECK-SAME: {epsilon = 0.000000e+00 : f32}
// CHECK: return %[[Y]]
func.func @infinite_factor(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = "graph.constant"() {value = dense<0.5> : tensor<2x2x3x3xf32>} : () -> tensor<2x2x3x3xf32>
  %b = "graph.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "graph.conv"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %s = "graph.constant"() {value = dense<4.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %t = "graph.constant"() {value = dense<3.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %m = "graph.constant"() {value = dense<0.5> : tensor<2xf32>} : () -> tensor<2xf32>
  %v = "graph.constant"() {value = dense<0.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %y = "graph.batch_norm"(%c, %s, %t, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// The rule adds an equality, it does not force the fold: when the conv output is also returned,
// folding would need a second conv (its crossbar work again) to keep the unnormalised output, which
// costs more than the batch norm. Extraction keeps one conv and the batch norm.
// CHECK-LABEL: func.func @shared_conv
// CHECK: %[[C:.*]] = "graph.conv"(%arg0,
// CHECK-NOT: graph.conv
// CHECK: %[[Y:.*]] = "graph.batch_norm"(%[[C]],
// CHECK-NOT: graph.conv
// CHECK: return %[[Y]], %[[C]]
func.func @shared_conv(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = "graph.constant"() {value = dense<0.5> : tensor<2x2x3x3xf32>} : () -> tensor<2x2x3x3xf32>
  %b = "graph.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "graph.conv"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %s = "graph.constant"() {value = dense<4.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %t = "graph.constant"() {value = dense<3.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %m = "graph.constant"() {value = dense<0.5> : tensor<2xf32>} : () -> tensor<2xf32>
  %v = "graph.constant"() {value = dense<3.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %y = "graph.batch_norm"(%c, %s, %t, %m, %v) {epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y, %c : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}
