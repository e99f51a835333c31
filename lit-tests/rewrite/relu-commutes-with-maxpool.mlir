// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=relu-commutes-with-maxpool | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=relu-commutes-with-maxpool | %mlir-opt --split-input-file > /dev/null

// Law: MaxPool(Relu(x)) = Relu(MaxPool(x)), GlobalMaxPool(Relu(x)) = Relu(GlobalMaxPool(x)):
// ReLU is monotone, so it commutes with max as long as every window holds an input element.
// The swap only pays when pooling shrinks the tensor, as here: a 2x2 stride-2 pool of [1, 2, 8, 8]
// gives [1, 2, 4, 4]. ReLU then pool costs 128 + 3*32 vector ops (3 compares per output); pool then
// ReLU 3*32 + 32.
// CHECK-LABEL: func.func @pool_2x2
// CHECK: %[[P:.*]] = "graph.max_pool"(%arg0)
// CHECK-SAME: {ceil_mode = 0 : i64, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>}
// CHECK-SAME: (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT: %[[R:.*]] = "graph.relu"(%[[P]]) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT: return %[[R]]
func.func @pool_2x2(%x: tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32> {
  %r = "graph.relu"(%x) : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %p = "graph.max_pool"(%r) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
  return %p : tensor<1x2x4x4xf32>
}

// -----

// Padding does not block the rule (max-pool padding never wins a max, and pads are smaller than
// the kernel, so every window still covers an input element): 3x3 stride 2 pad 1 on [1, 2, 8, 8]
// gives [1, 2, 4, 4], with the pool moved before the ReLU.
// CHECK-LABEL: func.func @padded
// CHECK: %[[P:.*]] = "graph.max_pool"(%arg0)
// CHECK-SAME: pads = array<i64: 1, 1, 1, 1>
// CHECK-NEXT: %[[R:.*]] = "graph.relu"(%[[P]]) : (tensor<1x2x4x4xf32>)
// CHECK-NEXT: return %[[R]]
func.func @padded(%x: tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32> {
  %r = "graph.relu"(%x) : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %p = "graph.max_pool"(%r) {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
  return %p : tensor<1x2x4x4xf32>
}

// -----

// Global max-pool: ReLU on [1, 2, 8, 8] (128 ops) then the pool (128) becomes the pool (128) then a
// ReLU on [1, 2, 1, 1] (2 ops).
// CHECK-LABEL: func.func @global
// CHECK: %[[P:.*]] = "graph.global_max_pool"(%arg0) : (tensor<1x2x8x8xf32>) -> tensor<1x2x1x1xf32>
// CHECK-NEXT: %[[R:.*]] = "graph.relu"(%[[P]]) : (tensor<1x2x1x1xf32>)
// CHECK-NEXT: return %[[R]]
func.func @global(%x: tensor<1x2x8x8xf32>) -> tensor<1x2x1x1xf32> {
  %r = "graph.relu"(%x) : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %p = "graph.global_max_pool"(%r) : (tensor<1x2x8x8xf32>) -> tensor<1x2x1x1xf32>
  return %p : tensor<1x2x1x1xf32>
}

// -----

// The law is an equality, so the order the input already has is kept when it is the cheaper one:
// pool then ReLU stays as it is.
// CHECK-LABEL: func.func @already_pooled_first
// CHECK: %[[P:.*]] = "graph.max_pool"(%arg0)
// CHECK-NEXT: %[[R:.*]] = "graph.relu"(%[[P]])
// CHECK-NEXT: return %[[R]]
func.func @already_pooled_first(%x: tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32> {
  %p = "graph.max_pool"(%x) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
  %r = "graph.relu"(%p) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %r : tensor<1x2x4x4xf32>
}

// -----

// Condition: dilations all 1. A dilated window can land only on padding (e.g. width 1, pads 1 on
// both sides, kernel 2, dilation 2: both taps are padding), where MaxPool(Relu(x)) is the lowest
// float but Relu(MaxPool(x)) is 0, so the rule excludes dilation outright. With dilation 2 it must
// not fire here even though pooling shrinks the tensor ([1, 1, 8, 8] -> [1, 1, 3, 3], so the swap
// would be cheaper: 64 + 3*9 vector ops against 3*9 + 9): the ReLU stays first.
// CHECK-LABEL: func.func @dilated
// CHECK: %[[R:.*]] = "graph.relu"(%arg0) : (tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32>
// CHECK-NEXT: %[[P:.*]] = "graph.max_pool"(%[[R]])
// CHECK-SAME: dilations = array<i64: 2, 2>
// CHECK-NEXT: return %[[P]]
func.func @dilated(%x: tensor<1x1x8x8xf32>) -> tensor<1x1x3x3xf32> {
  %r = "graph.relu"(%x) : (tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32>
  %p = "graph.max_pool"(%r) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 2>, ceil_mode = 0 : i64} : (tensor<1x1x8x8xf32>) -> tensor<1x1x3x3xf32>
  return %p : tensor<1x1x3x3xf32>
}
