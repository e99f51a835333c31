// Every graph op parses, verifies and prints unchanged through MLIR alone and through pimc-opt
// (which reads it into the typed IR and builds it again).
// RUN: %mlir-opt %s | FileCheck %s
// RUN: %pimc-opt %s | FileCheck %s
// RUN: %pimc-opt %s | %mlir-opt | FileCheck %s

// CHECK-LABEL: func.func @main
// CHECK-SAME: pim.input_names = ["x"]
func.func @main(%x: tensor<1x2x4x4xf32>) -> tensor<1x8xf32> attributes {pim.input_names = ["x"], pim.output_names = ["y"]} {
  // CHECK: "graph.constant"() {value = dense<5.000000e-01> : tensor<2x2x3x3xf32>}
  %w = "graph.constant"() {value = dense<0.5> : tensor<2x2x3x3xf32>} : () -> tensor<2x2x3x3xf32>
  %b = "graph.constant"() {value = dense<[1.0, -1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  // CHECK: "graph.conv"(%{{.*}}, %{{.*}}, %{{.*}}) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
  %c = "graph.conv"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  // CHECK: "graph.leaky_relu"
  %r = "graph.leaky_relu"(%c) {alpha = 0.1 : f32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  // CHECK: "graph.max_pool"
  %p = "graph.max_pool"(%r) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  // CHECK: "graph.concat"
  %k = "graph.concat"(%p, %p) {axis = 1 : i64} : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x4x2x2xf32>
  // CHECK: "graph.average_pool"
  %a = "graph.average_pool"(%k) {kernel = array<i64: 2, 1>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, ceil_mode = 0 : i64, count_include_pad = 0 : i64} : (tensor<1x4x2x2xf32>) -> tensor<1x4x1x2xf32>
  // CHECK: "graph.flatten"
  %f = "graph.flatten"(%a) {axis = 1 : i64} : (tensor<1x4x1x2xf32>) -> tensor<1x8xf32>
  // CHECK: "graph.softmax"
  %s = "graph.softmax"(%f) {axis = -1 : i64} : (tensor<1x8xf32>) -> tensor<1x8xf32>
  // CHECK: return
  return %s : tensor<1x8xf32>
}
