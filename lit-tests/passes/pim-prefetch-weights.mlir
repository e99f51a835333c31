// RUN: %pimc-opt --split-input-file %s --pim-prefetch-weights | FileCheck %s
// RUN: %pimc-opt --split-input-file %s --pim-prefetch-weights | %mlir-opt --split-input-file > /dev/null
// RUN: not %pimc-opt %s --pim-prefetch-weights=all 2>&1 | FileCheck %s --check-prefix=CHECK-OPTION

// Placed schedules of three fc layers in two segments (segment 0 on crossbars 0..3). With the
// pimc scheduler in a pipelined mode, a stage of segment 1 whose crossbars segment 0 does not
// use is loaded while segment 0 drains (`load = "prefetch"`); one on crossbars segment 0 uses is
// not. The paper's scheduler never prefetches, nor does a sequential mode (no drain to hide it in).
// CHECK-LABEL: func.func @free
// CHECK: first_crossbar = 4095 : i64, load = "prefetch"
// CHECK-LABEL: func.func @busy
// CHECK: first_crossbar = 2 : i64, load = "segment"
// CHECK-LABEL: func.func @paper
// CHECK: first_crossbar = 4095 : i64, load = "segment"
// CHECK-LABEL: func.func @baseline
// CHECK: first_crossbar = 4095 : i64, load = "segment"
// CHECK-OPTION: pass pim-prefetch-weights: unknown option `all`; it takes none
func.func @free(%x: tensor<1x300xf32>) -> tensor<1x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x300x16xf32>} : () -> tensor<1x300x16xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 3 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 3 : i64} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %b1 = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 16 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 300 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x300xf32>, tensor<1x300x16xf32>, tensor<16xf32>) -> tensor<1x16xf32>
  %w2 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x16x16xf32>} : () -> tensor<1x16x16xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %g = "pim.mvm"(%h, %t2, %b2) {cols = 16 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 16 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x16xf32>, tensor<1x16x16xf32>, tensor<16xf32>) -> tensor<1x16xf32>
  %w3 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x16x10xf32>} : () -> tensor<1x16x10xf32>
  %t3 = "pim.tile"(%w3) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x16x10xf32>) -> tensor<1x16x10xf32>
  %b3 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%g, %t3, %b3) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 16 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x16xf32>, tensor<1x16x10xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<1x16xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%g) : (tensor<1x16xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 3 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<1x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 4095 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 1 : i64, granularity = "crossbar", images = 1 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<1x10xf32>
}

// -----

func.func @busy(%x: tensor<1x300xf32>) -> tensor<1x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x300x16xf32>} : () -> tensor<1x300x16xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 3 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 3 : i64} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %b1 = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 16 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 300 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x300xf32>, tensor<1x300x16xf32>, tensor<16xf32>) -> tensor<1x16xf32>
  %w2 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x16x16xf32>} : () -> tensor<1x16x16xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %g = "pim.mvm"(%h, %t2, %b2) {cols = 16 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 16 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x16xf32>, tensor<1x16x16xf32>, tensor<16xf32>) -> tensor<1x16xf32>
  %w3 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x16x10xf32>} : () -> tensor<1x16x10xf32>
  %t3 = "pim.tile"(%w3) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x16x10xf32>) -> tensor<1x16x10xf32>
  %b3 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%g, %t3, %b3) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 16 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x16xf32>, tensor<1x16x10xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<1x16xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%g) : (tensor<1x16xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 3 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<1x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 2 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 1 : i64, granularity = "crossbar", images = 1 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<1x10xf32>
}

// -----

func.func @paper(%x: tensor<1x300xf32>) -> tensor<1x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x300x16xf32>} : () -> tensor<1x300x16xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 3 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 3 : i64} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %b1 = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 16 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 300 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x300xf32>, tensor<1x300x16xf32>, tensor<16xf32>) -> tensor<1x16xf32>
  %w2 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x16x16xf32>} : () -> tensor<1x16x16xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %g = "pim.mvm"(%h, %t2, %b2) {cols = 16 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 16 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x16xf32>, tensor<1x16x16xf32>, tensor<16xf32>) -> tensor<1x16xf32>
  %w3 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x16x10xf32>} : () -> tensor<1x16x10xf32>
  %t3 = "pim.tile"(%w3) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x16x10xf32>) -> tensor<1x16x10xf32>
  %b3 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%g, %t3, %b3) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 16 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x16xf32>, tensor<1x16x10xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<1x16xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%g) : (tensor<1x16xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 3 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<1x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 4095 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 1 : i64, granularity = "crossbar", images = 1 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "paper"} : () -> ()
  return %y : tensor<1x10xf32>
}

// -----

func.func @baseline(%x: tensor<1x300xf32>) -> tensor<1x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x300x16xf32>} : () -> tensor<1x300x16xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 3 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 3 : i64} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %b1 = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 16 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 300 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x300xf32>, tensor<1x300x16xf32>, tensor<16xf32>) -> tensor<1x16xf32>
  %w2 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x16x16xf32>} : () -> tensor<1x16x16xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %g = "pim.mvm"(%h, %t2, %b2) {cols = 16 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 16 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x16xf32>, tensor<1x16x16xf32>, tensor<16xf32>) -> tensor<1x16xf32>
  %w3 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x16x10xf32>} : () -> tensor<1x16x10xf32>
  %t3 = "pim.tile"(%w3) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x16x10xf32>) -> tensor<1x16x10xf32>
  %b3 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%g, %t3, %b3) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 16 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x16xf32>, tensor<1x16x10xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<1x16xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%g) : (tensor<1x16xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 3 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<1x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 4095 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 1 : i64, granularity = "crossbar", images = 1 : i64, pipeline = "baseline", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<1x10xf32>
}
