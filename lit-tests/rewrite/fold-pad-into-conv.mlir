// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-pad-into-conv | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fold-pad-into-conv | %mlir-opt --split-input-file > /dev/null

// Law: Conv(Pad(x, p, 0), W, b; pads) = Conv(x, W, b; pads + p's spatial pads), for a constant-0
// Pad of the spatial axes only (a conv's own padding is zeros).
// Pad pads [0, 0, 1, 2, 0, 0, 2, 1] (begins N, C, H, W then ends N, C, H, W) and conv pads
// [1, 1, 1, 1] (begins H, W then ends H, W) merge to [1+1, 1+2, 1+2, 1+1] = [2, 3, 3, 2].
// Shapes: x [1, 2, 5, 5] -> padded [1, 2, 8, 8] -> conv 3x3 pad 1 -> [1, 3, 8, 8]; the merged conv
// gives (5 + 2 + 3 - 3 + 1) x (5 + 3 + 2 - 3 + 1) = 8 x 8. The Pad's data move disappears.
// CHECK-LABEL: func.func @zero_pad
// CHECK-NOT: graph.pad
// CHECK: %[[C:.*]] = "graph.conv"(%arg0, %{{[0-9]+}}, %{{[0-9]+}})
// CHECK-SAME: {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 2, 3, 3, 2>, strides = array<i64: 1, 1>}
// CHECK-SAME: (tensor<1x2x5x5xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x8x8xf32>
// CHECK-NOT: graph.pad
// CHECK: return %[[C]]
func.func @zero_pad(%x: tensor<1x2x5x5xf32>) -> tensor<1x3x8x8xf32> {
  %p = "graph.pad"(%x) {pads = array<i64: 0, 0, 1, 2, 0, 0, 2, 1>, value = 0.0 : f32} : (tensor<1x2x5x5xf32>) -> tensor<1x2x8x8xf32>
  %w = "graph.constant"() {value = dense<0.5> : tensor<3x2x3x3xf32>} : () -> tensor<3x2x3x3xf32>
  %b = "graph.constant"() {value = dense<1.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %c = "graph.conv"(%p, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x8x8xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x8x8xf32>
  return %c : tensor<1x3x8x8xf32>
}

// -----

// Strides and dilations are kept: pad [0, 0, 1, 1, 0, 0, 1, 1] into a stride-2, dilation-2 conv
// without padding gives pads [1, 1, 1, 1]. Shapes: [1, 2, 7, 7] -> padded 9x9 -> 5x5 extent,
// stride 2 -> 3x3.
// CHECK-LABEL: func.func @strided_dilated
// CHECK-NOT: graph.pad
// CHECK: %[[C:.*]] = "graph.conv"(%arg0, %{{[0-9]+}}, %{{[0-9]+}})
// CHECK-SAME: {dilations = array<i64: 2, 2>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
// CHECK-SAME: -> tensor<1x3x3x3xf32>
// CHECK: return %[[C]]
func.func @strided_dilated(%x: tensor<1x2x7x7xf32>) -> tensor<1x3x3x3xf32> {
  %p = "graph.pad"(%x) {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 0.0 : f32} : (tensor<1x2x7x7xf32>) -> tensor<1x2x9x9xf32>
  %w = "graph.constant"() {value = dense<0.5> : tensor<3x2x3x3xf32>} : () -> tensor<3x2x3x3xf32>
  %b = "graph.constant"() {value = dense<1.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %c = "graph.conv"(%p, %w, %b) {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 2>, group = 1 : i64} : (tensor<1x2x9x9xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x3x3xf32>
  return %c : tensor<1x3x3x3xf32>
}

// -----

// A 1-D conv: Pad pads [0, 0, 1, 0, 0, 2] (begins N, C, W then ends N, C, W) into conv pads [0, 0]
// gives [1, 2]. Shapes: [1, 2, 5] -> padded [1, 2, 8] -> conv 3 -> [1, 3, 6] = (5 + 1 + 2 - 3 + 1).
// CHECK-LABEL: func.func @one_dimensional
// CHECK-NOT: graph.pad
// CHECK: %[[C:.*]] = "graph.conv"(%arg0, %{{[0-9]+}}, %{{[0-9]+}})
// CHECK-SAME: {dilations = array<i64: 1>, group = 1 : i64, pads = array<i64: 1, 2>, strides = array<i64: 1>}
// CHECK-SAME: -> tensor<1x3x6xf32>
// CHECK: return %[[C]]
func.func @one_dimensional(%x: tensor<1x2x5xf32>) -> tensor<1x3x6xf32> {
  %p = "graph.pad"(%x) {pads = array<i64: 0, 0, 1, 0, 0, 2>, value = 0.0 : f32} : (tensor<1x2x5xf32>) -> tensor<1x2x8xf32>
  %w = "graph.constant"() {value = dense<0.5> : tensor<3x2x3xf32>} : () -> tensor<3x2x3xf32>
  %b = "graph.constant"() {value = dense<1.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %c = "graph.conv"(%p, %w, %b) {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x2x8xf32>, tensor<3x2x3xf32>, tensor<3xf32>) -> tensor<1x3x6xf32>
  return %c : tensor<1x3x6xf32>
}

// -----

// Condition: the Pad must pad with 0 (a conv pads with zeros). Padding with 1.0 is not
// expressible as conv pads: the Pad stays and the conv keeps its own pads.
// CHECK-LABEL: func.func @one_pad
// CHECK: %[[P:.*]] = "graph.pad"(%arg0) {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 1.000000e+00 : f32}
// CHECK: %[[C:.*]] = "graph.conv"(%[[P]],
// CHECK-SAME: pads = array<i64: 0, 0, 0, 0>
// CHECK: return %[[C]]
func.func @one_pad(%x: tensor<1x2x5x5xf32>) -> tensor<1x3x5x5xf32> {
  %p = "graph.pad"(%x) {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 1.0 : f32} : (tensor<1x2x5x5xf32>) -> tensor<1x2x7x7xf32>
  %w = "graph.constant"() {value = dense<0.5> : tensor<3x2x3x3xf32>} : () -> tensor<3x2x3x3xf32>
  %b = "graph.constant"() {value = dense<1.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %c = "graph.conv"(%p, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x7x7xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x5x5xf32>
  return %c : tensor<1x3x5x5xf32>
}

// -----

// Condition: no padding of the batch and channel axes. Here the Pad adds a zero channel in front
// ([1, 2, 5, 5] -> [1, 3, 7, 7]), which conv pads cannot express: the Pad stays.
// CHECK-LABEL: func.func @channel_pad
// CHECK: %[[P:.*]] = "graph.pad"(%arg0) {pads = array<i64: 0, 1, 1, 1, 0, 0, 1, 1>, value = 0.000000e+00 : f32}
// CHECK: %[[C:.*]] = "graph.conv"(%[[P]],
// CHECK: return %[[C]]
func.func @channel_pad(%x: tensor<1x2x5x5xf32>) -> tensor<1x3x5x5xf32> {
  %p = "graph.pad"(%x) {pads = array<i64: 0, 1, 1, 1, 0, 0, 1, 1>, value = 0.0 : f32} : (tensor<1x2x5x5xf32>) -> tensor<1x3x7x7xf32>
  %w = "graph.constant"() {value = dense<0.5> : tensor<3x3x3x3xf32>} : () -> tensor<3x3x3x3xf32>
  %b = "graph.constant"() {value = dense<1.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %c = "graph.conv"(%p, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x3x7x7xf32>, tensor<3x3x3x3xf32>, tensor<3xf32>) -> tensor<1x3x5x5xf32>
  return %c : tensor<1x3x5x5xf32>
}

// -----

// Condition: non-negative pads. A Pad with pads -1 crops a border ([1, 2, 7, 7] -> [1, 2, 5, 5]);
// conv pads cannot be negative, so the Pad stays.
// CHECK-LABEL: func.func @crop
// CHECK: %[[P:.*]] = "graph.pad"(%arg0) {pads = array<i64: 0, 0, -1, -1, 0, 0, -1, -1>, value = 0.000000e+00 : f32}
// CHECK: %[[C:.*]] = "graph.conv"(%[[P]],
// CHECK-SAME: pads = array<i64: 0, 0, 0, 0>
// CHECK: return %[[C]]
func.func @crop(%x: tensor<1x2x7x7xf32>) -> tensor<1x3x3x3xf32> {
  %p = "graph.pad"(%x) {pads = array<i64: 0, 0, -1, -1, 0, 0, -1, -1>, value = 0.0 : f32} : (tensor<1x2x7x7xf32>) -> tensor<1x2x5x5xf32>
  %w = "graph.constant"() {value = dense<0.5> : tensor<3x2x3x3xf32>} : () -> tensor<3x2x3x3xf32>
  %b = "graph.constant"() {value = dense<1.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %c = "graph.conv"(%p, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x5x5xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x3x3xf32>
  return %c : tensor<1x3x3x3xf32>
}
