// Every layer-level pim op parses, verifies and prints unchanged through MLIR and through pimc-opt.
// RUN: %mlir-opt %s | FileCheck %s
// RUN: %pimc-opt %s | FileCheck %s
// RUN: %pimc-opt %s | %mlir-opt | FileCheck %s

// CHECK-LABEL: func.func @main
func.func @main(%x: tensor<1x2x4x4xf32>) -> tensor<1x10xf32> attributes {pim.input_names = ["x"], pim.output_names = ["y"]} {
  %w = "pim.constant"() {value = dense<0.25> : tensor<1x18x4xf32>} : () -> tensor<1x18x4xf32>
  %b = "pim.constant"() {value = dense<0.0> : tensor<4xf32>} : () -> tensor<4xf32>
  // CHECK: "pim.mvm"({{.*}}) {cols = 4 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, kind = "conv", pads = array<i64: 1, 1, 1, 1>, rows = 18 : i64, strides = array<i64: 1, 1>, vectors = 16 : i64}
  %c = "pim.mvm"(%x, %w, %b) {kind = "conv", kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, rows = 18 : i64, cols = 4 : i64, vectors = 16 : i64} : (tensor<1x2x4x4xf32>, tensor<1x18x4xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  // CHECK: "pim.act"({{.*}}) {alpha = 0.000000e+00 : f32, beta = 6.000000e+00 : f32, kind = "clip"}
  %r = "pim.act"(%c) {kind = "clip", alpha = 0.0 : f32, beta = 6.0 : f32} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  // CHECK: "pim.pool"({{.*}}) {ceil_mode = 0 : i64, count_include_pad = 0 : i64, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, kind = "max"
  %p = "pim.pool"(%r) {kind = "max", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64, count_include_pad = 0 : i64} : (tensor<1x4x4x4xf32>) -> tensor<1x4x2x2xf32>
  // CHECK: "pim.binary"({{.*}}) {kind = "add"}
  %s = "pim.binary"(%p, %p) {kind = "add"} : (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  // CHECK: "pim.reshape"({{.*}}) {shape = array<i64: 1, 16>}
  %f = "pim.reshape"(%s) {shape = array<i64: 1, 16>} : (tensor<1x4x2x2xf32>) -> tensor<1x16xf32>
  %w2 = "pim.constant"() {value = dense<0.125> : tensor<1x16x10xf32>} : () -> tensor<1x16x10xf32>
  %b2 = "pim.constant"() {value = dense<1.0> : tensor<10xf32>} : () -> tensor<10xf32>
  // CHECK: "pim.mvm"({{.*}}) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 16 : i64, strides = array<i64>, vectors = 1 : i64}
  %g = "pim.mvm"(%f, %w2, %b2) {kind = "fc", kernel = array<i64>, strides = array<i64>, pads = array<i64>, dilations = array<i64>, group = 1 : i64, rows = 16 : i64, cols = 10 : i64, vectors = 1 : i64} : (tensor<1x16xf32>, tensor<1x16x10xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  // CHECK: "pim.softmax"({{.*}}) {axis = -1 : i64, log = 0 : i64}
  %y = "pim.softmax"(%g) {axis = -1 : i64, log = 0 : i64} : (tensor<1x10xf32>) -> tensor<1x10xf32>
  return %y : tensor<1x10xf32>
}
