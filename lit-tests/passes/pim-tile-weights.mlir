// RUN: %pimc-opt %s --split-input-file --pim-tile-weights | FileCheck %s
// RUN: %pimc-opt %s --split-input-file --pim-tile-weights | %mlir-opt --split-input-file > /dev/null
// RUN: %pimc-opt %s --split-input-file --pim-tile-weights --pim-tile-weights | FileCheck %s --check-prefix=CHECK-TWICE
// RUN: %pimc-opt %s --split-input-file --pim-tile-weights --target=isaac-rram | FileCheck %s --check-prefix=CHECK-ISAAC
// RUN: not %pimc-opt %s --split-input-file --pim-tile-weights=granularity=page 2>&1 | FileCheck %s --check-prefix=CHECK-OPTION

// compact-4x4: 128x128 crossbars of 1-bit cells, 8-bit weights: 8 columns per weight, so a
// crossbar holds 128 rows x 16 weights. An 18x4 conv matrix takes one crossbar.
// CHECK-LABEL: func.func @small_conv
// CHECK: %[[W:.*]] = "pim.constant"
// CHECK: %[[T:.*]] = "pim.tile"(%[[W]]) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64}
// CHECK: "pim.mvm"(%arg0, %[[T]], %{{.*}})
// CHECK-TWICE-LABEL: func.func @small_conv
// CHECK-TWICE-COUNT-1: "pim.tile"
// CHECK-TWICE-NOT: "pim.tile"
// ISAAC: 2-bit cells and 16-bit weights: 8 columns per weight too.
// CHECK-ISAAC-LABEL: func.func @small_conv
// CHECK-ISAAC: "pim.tile"({{.*}}) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64
func.func @small_conv(%x: tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w = "pim.constant"() {value = dense<5.000000e-01> : tensor<1x18x4xf32>} : () -> tensor<1x18x4xf32>
  %b = "pim.constant"() {value = dense<0.000000e+00> : tensor<4xf32>} : () -> tensor<4xf32>
  %y = "pim.mvm"(%x, %w, %b) {cols = 4 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, kind = "conv", pads = array<i64: 1, 1, 1, 1>, rows = 18 : i64, strides = array<i64: 1, 1>, vectors = 16 : i64} : (tensor<1x2x4x4xf32>, tensor<1x18x4xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// A 300x40 fully connected matrix: 3 row tiles (128 + 128 + 44 rows, partial sums added) and
// 3 column tiles (40 weights x 8 columns = 320 cells over 128-cell crossbars): 9 crossbars.
// CHECK-LABEL: func.func @fc
// CHECK-TWICE-LABEL: func.func @fc
// CHECK: "pim.tile"({{.*}}) {col_tiles = 3 : i64, columns_per_weight = 8 : i64, crossbars = 9 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 3 : i64}
func.func @fc(%x: tensor<1x300xf32>) -> tensor<1x40xf32> {
  %w = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x300x40xf32>} : () -> tensor<1x300x40xf32>
  %b = "pim.constant"() {value = dense<0.000000e+00> : tensor<40xf32>} : () -> tensor<40xf32>
  %y = "pim.mvm"(%x, %w, %b) {cols = 40 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 300 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x300xf32>, tensor<1x300x40xf32>, tensor<40xf32>) -> tensor<1x40xf32>
  return %y : tensor<1x40xf32>
}

// -----

// A depthwise conv: eight 9x1 matrices packed block-diagonally on one crossbar.
// CHECK-LABEL: func.func @depthwise
// CHECK: "pim.tile"({{.*}}) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 8 : i64, parts = 1 : i64, row_tiles = 1 : i64}
func.func @depthwise(%x: tensor<1x8x6x6xf32>) -> tensor<1x8x6x6xf32> {
  %w = "pim.constant"() {value = dense<1.000000e+00> : tensor<8x9x1xf32>} : () -> tensor<8x9x1xf32>
  %b = "pim.constant"() {value = dense<0.000000e+00> : tensor<8xf32>} : () -> tensor<8xf32>
  %y = "pim.mvm"(%x, %w, %b) {cols = 1 : i64, dilations = array<i64: 1, 1>, group = 8 : i64, kernel = array<i64: 3, 3>, kind = "conv", pads = array<i64: 1, 1, 1, 1>, rows = 9 : i64, strides = array<i64: 1, 1>, vectors = 36 : i64} : (tensor<1x8x6x6xf32>, tensor<8x9x1xf32>, tensor<8xf32>) -> tensor<1x8x6x6xf32>
  return %y : tensor<1x8x6x6xf32>
}

// -----

// 4096x4096 weights need 32 x 256 = 8192 crossbars, the chip has 4096: two column parts.
// CHECK-LABEL: func.func @larger_than_the_chip
// CHECK: "pim.tile"({{.*}}) {col_tiles = 256 : i64, columns_per_weight = 8 : i64, crossbars = 8192 : i64, groups_per_crossbar = 1 : i64, parts = 2 : i64, row_tiles = 32 : i64}
func.func @larger_than_the_chip(%x: tensor<1x4096xf32>) -> tensor<1x4096xf32> {
  %w = "pim.constant"() {value = dense<1.000000e-03> : tensor<1x4096x4096xf32>} : () -> tensor<1x4096x4096xf32>
  %b = "pim.constant"() {value = dense<0.000000e+00> : tensor<4096xf32>} : () -> tensor<4096xf32>
  %y = "pim.mvm"(%x, %w, %b) {cols = 4096 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 4096 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x4096xf32>, tensor<1x4096x4096xf32>, tensor<4096xf32>) -> tensor<1x4096xf32>
  return %y : tensor<1x4096xf32>
}

// CHECK-OPTION: option `granularity`: invalid variant: page
