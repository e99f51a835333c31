// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fuse-silu | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=fuse-silu | %mlir-opt --split-input-file > /dev/null

// Law: x * Sigmoid(x) = SiLU(x): torch exports SiLU (EfficientNet, Swish) as Sigmoid then Mul.
// CHECK-LABEL: func.func @silu
// CHECK-NOT: graph.sigmoid
// CHECK: %[[S:.*]] = "graph.unary"(%arg0) {{{.*}}kind = "silu"}
// CHECK-NEXT: return %[[S]]
func.func @silu(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %s = "graph.sigmoid"(%x) : (tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %y = "graph.mul"(%x, %s) : (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}

// -----

// A gate (x * Sigmoid(z), squeeze-and-excitation) is not SiLU: it stays.
// CHECK-LABEL: func.func @gate
// CHECK: graph.sigmoid
// CHECK: graph.mul
func.func @gate(%x: tensor<1x8x4x4xf32>, %z: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %s = "graph.sigmoid"(%z) : (tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %y = "graph.mul"(%x, %s) : (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}
