// RUN: %pimc-opt %s --pim-place-crossbars | FileCheck %s
// RUN: %pimc-opt %s --pim-place-crossbars | %mlir-opt > /dev/null
// RUN: not %pimc-opt %S/Inputs/too-many-copies.mlir --pim-place-crossbars 2>&1 | FileCheck %s --check-prefix=CHECK-BIG

// Scheduled IR (as pim-duplicate-layers leaves it): in segment 0 a layer of 3 crossbars with
// 2 copies takes crossbars 0..5, the next layer starts at 6; segment 1 starts again at 0.
// CHECK-LABEL: func.func @segments
// CHECK: "pim.load_weights"({{.*}}) {copies = array<i64: 2>, first_crossbars = array<i64: 0>,
// CHECK: "pim.load_weights"({{.*}}) {copies = array<i64: 1>, first_crossbars = array<i64: 6>,
// CHECK: "pim.load_weights"({{.*}}) {copies = array<i64: 1>, first_crossbars = array<i64: 0>,
func.func @segments(%x: tensor<1x300xf32>) -> tensor<1x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x300x16xf32>} : () -> tensor<1x300x16xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 3 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 3 : i64} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %l1 = "pim.load_weights"(%t1) {copies = array<i64: 2>, first_crossbars = array<i64: -1>, images = 1 : i64, pipeline = "baseline", runs = 1 : i64, segments = array<i64: 0>} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %b1 = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %h = "pim.mvm"(%x, %l1, %b1) {cols = 16 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 300 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x300xf32>, tensor<1x300x16xf32>, tensor<16xf32>) -> tensor<1x16xf32>
  %w2 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x16x16xf32>} : () -> tensor<1x16x16xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %l2 = "pim.load_weights"(%t2) {copies = array<i64: 1>, first_crossbars = array<i64: -1>, images = 1 : i64, pipeline = "baseline", runs = 1 : i64, segments = array<i64: 0>} : (tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %g = "pim.mvm"(%h, %l2, %b2) {cols = 16 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 16 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x16xf32>, tensor<1x16x16xf32>, tensor<16xf32>) -> tensor<1x16xf32>
  %w3 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x16x10xf32>} : () -> tensor<1x16x10xf32>
  %t3 = "pim.tile"(%w3) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x16x10xf32>) -> tensor<1x16x10xf32>
  %l3 = "pim.load_weights"(%t3) {copies = array<i64: 1>, first_crossbars = array<i64: -1>, images = 1 : i64, pipeline = "baseline", runs = 1 : i64, segments = array<i64: 1>} : (tensor<1x16x10xf32>) -> tensor<1x16x10xf32>
  %b3 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%g, %l3, %b3) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 16 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x16xf32>, tensor<1x16x10xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  return %y : tensor<1x10xf32>
}

// A hand-edited schedule asking for more copies than the chip holds is refused
// (Inputs/too-many-copies.mlir asks for 10000 copies of a 3-crossbar layer).
// CHECK-BIG: pass pim-place-crossbars: segment 0 needs 30000 crossbars, the target has 4096
