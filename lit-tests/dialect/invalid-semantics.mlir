// IR that satisfies IRDL (MLIR accepts it) but makes no sense is rejected by pimc-opt's semantic
// verifier with a message naming the op, instead of reaching a pass.
// RUN: %mlir-opt %s --split-input-file > /dev/null
// RUN: not %pimc-opt %s --split-input-file --pim-lower-to-layers 2>&1 | FileCheck %s

func.func @wrong_result_shape(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x3x3xf32> {
  // CHECK: pimc-opt: error: node `pool`: result type has shape [1, 2, 3, 3], but the op gives [1, 2, 2, 2]
  %y = "graph.max_pool"(%x) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x3x3xf32> loc("pool")
  return %y : tensor<1x2x3x3xf32>
}

// -----

func.func @conv_weight_of_rank_one(%x: tensor<1x2x4x4xf32>, %w: tensor<8xf32>, %b: tensor<2xf32>) -> tensor<1x2x4x4xf32> {
  // CHECK: pimc-opt: error: node `conv`: Conv:
  %y = "graph.conv"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<8xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32> loc("conv")
  return %y : tensor<1x2x4x4xf32>
}

// -----

func.func @mvm_weight_mismatch(%x: tensor<1x4xf32>, %w: tensor<1x4x3xf32>, %b: tensor<2xf32>) -> tensor<1x2xf32> {
  // CHECK: pimc-opt: error: node `fc`: weight shape [1, 4, 3] is not [group, rows, cols] = [1, 4, 2]
  %y = "pim.mvm"(%x, %w, %b) {kind = "fc", kernel = array<i64>, strides = array<i64>, pads = array<i64>, dilations = array<i64>, group = 1 : i64, rows = 4 : i64, cols = 2 : i64, vectors = 1 : i64} : (tensor<1x4xf32>, tensor<1x4x3xf32>, tensor<2xf32>) -> tensor<1x2xf32> loc("fc")
  return %y : tensor<1x2xf32>
}

// -----

func.func @unknown_activation(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: pimc-opt: error: node `act`: unknown activation `swish`
  %y = "pim.act"(%x) {kind = "swish", alpha = 0.0 : f32, beta = 0.0 : f32} : (tensor<4xf32>) -> tensor<4xf32> loc("act")
  return %y : tensor<4xf32>
}
