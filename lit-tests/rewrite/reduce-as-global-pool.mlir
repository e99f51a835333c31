// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=reduce-as-global-pool | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-rewrite-graph=rules=reduce-as-global-pool | %mlir-opt --split-input-file > /dev/null

// Law: ReduceMean(x, spatial axes) = GlobalAveragePool(x) (and ReduceMax = GlobalMaxPool),
// reshaped without the axes when keepdims = 0. torch's default exporter writes ResNet's
// adaptive average pooling as ReduceMean over axes [2, 3] with keepdims = 1.
// CHECK-LABEL: func.func @mean_keepdims
// CHECK-NOT: graph.reduce
// CHECK: %[[P:.*]] = "graph.global_average_pool"(%arg0) : (tensor<1x8x7x7xf32>) -> tensor<1x8x1x1xf32>
// CHECK-NEXT: return %[[P]]
func.func @mean_keepdims(%x: tensor<1x8x7x7xf32>) -> tensor<1x8x1x1xf32> {
  %r = "graph.reduce"(%x) {kind = "mean", axes = array<i64: 2, 3>, keepdims = 1 : i64} : (tensor<1x8x7x7xf32>) -> tensor<1x8x1x1xf32>
  return %r : tensor<1x8x1x1xf32>
}

// -----

// keepdims = 0: the pool, then a (free) reshape to [N, C].
// CHECK-LABEL: func.func @max_dropped
// CHECK: %[[P:.*]] = "graph.global_max_pool"(%arg0) : (tensor<1x8x7x7xf32>) -> tensor<1x8x1x1xf32>
// CHECK-NEXT: %[[R:.*]] = "graph.reshape"(%[[P]]) {shape = array<i64: 1, 8>}
// CHECK-NEXT: return %[[R]]
func.func @max_dropped(%x: tensor<1x8x7x7xf32>) -> tensor<1x8xf32> {
  %r = "graph.reduce"(%x) {kind = "max", axes = array<i64: 2, 3>, keepdims = 0 : i64} : (tensor<1x8x7x7xf32>) -> tensor<1x8xf32>
  return %r : tensor<1x8xf32>
}

// -----

// Over the channels, or a sum: no pooling says that; the reduction stays.
// CHECK-LABEL: func.func @channels
// CHECK: "graph.reduce"
// CHECK-NOT: global
func.func @channels(%x: tensor<1x8x7x7xf32>) -> tensor<1x1x7x7xf32> {
  %r = "graph.reduce"(%x) {kind = "mean", axes = array<i64: 1>, keepdims = 1 : i64} : (tensor<1x8x7x7xf32>) -> tensor<1x1x7x7xf32>
  return %r : tensor<1x1x7x7xf32>
}
