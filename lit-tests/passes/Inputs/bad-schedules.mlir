// Input of pim-lower-to-isa.mlir: hand-edited schedules that the target cannot run or that do not
// describe the network, one per chunk; every reader of the schedule refuses them.
func.func @wrong_tiling(%x: tensor<2x64xf32>) -> tensor<2x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x64x32xf32>} : () -> tensor<1x64x32xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 2 : i64, columns_per_weight = 8 : i64, crossbars = 2 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 2 : i64} : (tensor<1x64x32xf32>) -> tensor<1x64x32xf32>
  %b1 = "pim.constant"() {value = dense<1.000000e-01> : tensor<32xf32>} : () -> tensor<32xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 32 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 64 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>) -> tensor<2x32xf32> loc("h")
  %r = "pim.act"(%h) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"} : (tensor<2x32xf32>) -> tensor<2x32xf32> loc("r")
  %w2 = "pim.constant"() {value = dense<2.000000e-02> : tensor<1x32x10xf32>} : () -> tensor<1x32x10xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x32x10xf32>) -> tensor<1x32x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%r, %t2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 32 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x32xf32>, tensor<1x32x10xf32>, tensor<10xf32>) -> tensor<2x10xf32> loc("y")
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<2x32xf32>) -> ()
        "pim.layer"(%r) : (tensor<2x32xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<2x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 2 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 2 : i64, granularity = "crossbar", images = 2 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<2x10xf32>
}

// -----

func.func @no_copies(%x: tensor<2x64xf32>) -> tensor<2x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x64x32xf32>} : () -> tensor<1x64x32xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 2 : i64, columns_per_weight = 8 : i64, crossbars = 2 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x64x32xf32>) -> tensor<1x64x32xf32>
  %b1 = "pim.constant"() {value = dense<1.000000e-01> : tensor<32xf32>} : () -> tensor<32xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 32 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 64 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>) -> tensor<2x32xf32> loc("h")
  %r = "pim.act"(%h) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"} : (tensor<2x32xf32>) -> tensor<2x32xf32> loc("r")
  %w2 = "pim.constant"() {value = dense<2.000000e-02> : tensor<1x32x10xf32>} : () -> tensor<1x32x10xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x32x10xf32>) -> tensor<1x32x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%r, %t2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 32 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x32xf32>, tensor<1x32x10xf32>, tensor<10xf32>) -> tensor<2x10xf32> loc("y")
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<2x32xf32>) -> ()
        "pim.layer"(%r) : (tensor<2x32xf32>) -> ()
        ub.unreachable
      }) {copies = 0 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<2x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 2 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 2 : i64, granularity = "crossbar", images = 2 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<2x10xf32>
}

// -----

func.func @too_many_copies(%x: tensor<2x64xf32>) -> tensor<2x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x64x32xf32>} : () -> tensor<1x64x32xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 2 : i64, columns_per_weight = 8 : i64, crossbars = 2 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x64x32xf32>) -> tensor<1x64x32xf32>
  %b1 = "pim.constant"() {value = dense<1.000000e-01> : tensor<32xf32>} : () -> tensor<32xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 32 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 64 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>) -> tensor<2x32xf32> loc("h")
  %r = "pim.act"(%h) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"} : (tensor<2x32xf32>) -> tensor<2x32xf32> loc("r")
  %w2 = "pim.constant"() {value = dense<2.000000e-02> : tensor<1x32x10xf32>} : () -> tensor<1x32x10xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x32x10xf32>) -> tensor<1x32x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%r, %t2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 32 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x32xf32>, tensor<1x32x10xf32>, tensor<10xf32>) -> tensor<2x10xf32> loc("y")
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<2x32xf32>) -> ()
        "pim.layer"(%r) : (tensor<2x32xf32>) -> ()
        ub.unreachable
      }) {copies = 3 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<2x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 3 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 2 : i64, granularity = "crossbar", images = 2 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<2x10xf32>
}

// -----

func.func @unknown_pipeline(%x: tensor<2x64xf32>) -> tensor<2x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x64x32xf32>} : () -> tensor<1x64x32xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 2 : i64, columns_per_weight = 8 : i64, crossbars = 2 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x64x32xf32>) -> tensor<1x64x32xf32>
  %b1 = "pim.constant"() {value = dense<1.000000e-01> : tensor<32xf32>} : () -> tensor<32xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 32 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 64 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>) -> tensor<2x32xf32> loc("h")
  %r = "pim.act"(%h) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"} : (tensor<2x32xf32>) -> tensor<2x32xf32> loc("r")
  %w2 = "pim.constant"() {value = dense<2.000000e-02> : tensor<1x32x10xf32>} : () -> tensor<1x32x10xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x32x10xf32>) -> tensor<1x32x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%r, %t2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 32 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x32xf32>, tensor<1x32x10xf32>, tensor<10xf32>) -> tensor<2x10xf32> loc("y")
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<2x32xf32>) -> ()
        "pim.layer"(%r) : (tensor<2x32xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<2x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 2 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 2 : i64, granularity = "crossbar", images = 2 : i64, pipeline = "fast", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<2x10xf32>
}

// -----

func.func @runs_and_images(%x: tensor<2x64xf32>) -> tensor<2x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x64x32xf32>} : () -> tensor<1x64x32xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 2 : i64, columns_per_weight = 8 : i64, crossbars = 2 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x64x32xf32>) -> tensor<1x64x32xf32>
  %b1 = "pim.constant"() {value = dense<1.000000e-01> : tensor<32xf32>} : () -> tensor<32xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 32 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 64 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>) -> tensor<2x32xf32> loc("h")
  %r = "pim.act"(%h) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"} : (tensor<2x32xf32>) -> tensor<2x32xf32> loc("r")
  %w2 = "pim.constant"() {value = dense<2.000000e-02> : tensor<1x32x10xf32>} : () -> tensor<1x32x10xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x32x10xf32>) -> tensor<1x32x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%r, %t2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 32 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x32xf32>, tensor<1x32x10xf32>, tensor<10xf32>) -> tensor<2x10xf32> loc("y")
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<2x32xf32>) -> ()
        "pim.layer"(%r) : (tensor<2x32xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<2x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 2 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 2 : i64, granularity = "crossbar", images = 4 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<2x10xf32>
}

// -----

func.func @missing_layer(%x: tensor<2x64xf32>) -> tensor<2x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x64x32xf32>} : () -> tensor<1x64x32xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 2 : i64, columns_per_weight = 8 : i64, crossbars = 2 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x64x32xf32>) -> tensor<1x64x32xf32>
  %b1 = "pim.constant"() {value = dense<1.000000e-01> : tensor<32xf32>} : () -> tensor<32xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 32 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 64 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>) -> tensor<2x32xf32> loc("h")
  %r = "pim.act"(%h) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"} : (tensor<2x32xf32>) -> tensor<2x32xf32> loc("r")
  %w2 = "pim.constant"() {value = dense<2.000000e-02> : tensor<1x32x10xf32>} : () -> tensor<1x32x10xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x32x10xf32>) -> tensor<1x32x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%r, %t2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 32 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x32xf32>, tensor<1x32x10xf32>, tensor<10xf32>) -> tensor<2x10xf32> loc("y")
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<2x32xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<2x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 2 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 2 : i64, granularity = "crossbar", images = 2 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<2x10xf32>
}

// -----

func.func @twice(%x: tensor<2x64xf32>) -> tensor<2x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x64x32xf32>} : () -> tensor<1x64x32xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 2 : i64, columns_per_weight = 8 : i64, crossbars = 2 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x64x32xf32>) -> tensor<1x64x32xf32>
  %b1 = "pim.constant"() {value = dense<1.000000e-01> : tensor<32xf32>} : () -> tensor<32xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 32 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 64 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>) -> tensor<2x32xf32> loc("h")
  %r = "pim.act"(%h) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"} : (tensor<2x32xf32>) -> tensor<2x32xf32> loc("r")
  %w2 = "pim.constant"() {value = dense<2.000000e-02> : tensor<1x32x10xf32>} : () -> tensor<1x32x10xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x32x10xf32>) -> tensor<1x32x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%r, %t2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 32 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x32xf32>, tensor<1x32x10xf32>, tensor<10xf32>) -> tensor<2x10xf32> loc("y")
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<2x32xf32>) -> ()
        "pim.layer"(%r) : (tensor<2x32xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<2x10xf32>) -> ()
        "pim.layer"(%r) : (tensor<2x32xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 2 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 2 : i64, granularity = "crossbar", images = 2 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<2x10xf32>
}

// -----

func.func @out_of_order(%x: tensor<2x64xf32>) -> tensor<2x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x64x32xf32>} : () -> tensor<1x64x32xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 2 : i64, columns_per_weight = 8 : i64, crossbars = 2 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x64x32xf32>) -> tensor<1x64x32xf32>
  %b1 = "pim.constant"() {value = dense<1.000000e-01> : tensor<32xf32>} : () -> tensor<32xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 32 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 64 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>) -> tensor<2x32xf32> loc("h")
  %r = "pim.act"(%h) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"} : (tensor<2x32xf32>) -> tensor<2x32xf32> loc("r")
  %w2 = "pim.constant"() {value = dense<2.000000e-02> : tensor<1x32x10xf32>} : () -> tensor<1x32x10xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x32x10xf32>) -> tensor<1x32x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%r, %t2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 32 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x32xf32>, tensor<1x32x10xf32>, tensor<10xf32>) -> tensor<2x10xf32> loc("y")
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<2x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<2x32xf32>) -> ()
        "pim.layer"(%r) : (tensor<2x32xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 2 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 2 : i64, granularity = "crossbar", images = 2 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<2x10xf32>
}

// -----

func.func @crossbar_layer_second(%x: tensor<2x64xf32>) -> tensor<2x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x64x32xf32>} : () -> tensor<1x64x32xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 2 : i64, columns_per_weight = 8 : i64, crossbars = 2 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x64x32xf32>) -> tensor<1x64x32xf32>
  %b1 = "pim.constant"() {value = dense<1.000000e-01> : tensor<32xf32>} : () -> tensor<32xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 32 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 64 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>) -> tensor<2x32xf32> loc("h")
  %r = "pim.act"(%h) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"} : (tensor<2x32xf32>) -> tensor<2x32xf32> loc("r")
  %w2 = "pim.constant"() {value = dense<2.000000e-02> : tensor<1x32x10xf32>} : () -> tensor<1x32x10xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x32x10xf32>) -> tensor<1x32x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%r, %t2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 32 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x32xf32>, tensor<1x32x10xf32>, tensor<10xf32>) -> tensor<2x10xf32> loc("y")
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<2x32xf32>) -> ()
        "pim.layer"(%r) : (tensor<2x32xf32>) -> ()
        "pim.layer"(%y) : (tensor<2x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 2 : i64, granularity = "crossbar", images = 2 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<2x10xf32>
}

// -----

func.func @not_a_layer(%x: tensor<2x64xf32>) -> tensor<2x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x64x32xf32>} : () -> tensor<1x64x32xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 2 : i64, columns_per_weight = 8 : i64, crossbars = 2 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x64x32xf32>) -> tensor<1x64x32xf32>
  %b1 = "pim.constant"() {value = dense<1.000000e-01> : tensor<32xf32>} : () -> tensor<32xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 32 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 64 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>) -> tensor<2x32xf32> loc("h")
  %r = "pim.act"(%h) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"} : (tensor<2x32xf32>) -> tensor<2x32xf32> loc("r")
  %w2 = "pim.constant"() {value = dense<2.000000e-02> : tensor<1x32x10xf32>} : () -> tensor<1x32x10xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x32x10xf32>) -> tensor<1x32x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%r, %t2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 32 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x32xf32>, tensor<1x32x10xf32>, tensor<10xf32>) -> tensor<2x10xf32> loc("y")
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<2x32xf32>) -> ()
        "pim.layer"(%r) : (tensor<2x32xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<2x10xf32>) -> ()
        "pim.layer"(%x) : (tensor<2x64xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 2 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 2 : i64, granularity = "crossbar", images = 2 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<2x10xf32>
}

// -----

func.func @unplaced(%x: tensor<2x64xf32>) -> tensor<2x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x64x32xf32>} : () -> tensor<1x64x32xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 2 : i64, columns_per_weight = 8 : i64, crossbars = 2 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x64x32xf32>) -> tensor<1x64x32xf32>
  %b1 = "pim.constant"() {value = dense<1.000000e-01> : tensor<32xf32>} : () -> tensor<32xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 32 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 64 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>) -> tensor<2x32xf32> loc("h")
  %r = "pim.act"(%h) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"} : (tensor<2x32xf32>) -> tensor<2x32xf32> loc("r")
  %w2 = "pim.constant"() {value = dense<2.000000e-02> : tensor<1x32x10xf32>} : () -> tensor<1x32x10xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x32x10xf32>) -> tensor<1x32x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%r, %t2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 32 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x32xf32>, tensor<1x32x10xf32>, tensor<10xf32>) -> tensor<2x10xf32> loc("y")
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<2x32xf32>) -> ()
        "pim.layer"(%r) : (tensor<2x32xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = -1 : i64, first_crossbar = -1 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<2x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 2 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 2 : i64, granularity = "crossbar", images = 2 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<2x10xf32>
}

// -----

func.func @shared_crossbars(%x: tensor<2x64xf32>) -> tensor<2x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x64x32xf32>} : () -> tensor<1x64x32xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 2 : i64, columns_per_weight = 8 : i64, crossbars = 2 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x64x32xf32>) -> tensor<1x64x32xf32>
  %b1 = "pim.constant"() {value = dense<1.000000e-01> : tensor<32xf32>} : () -> tensor<32xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 32 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 64 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>) -> tensor<2x32xf32> loc("h")
  %r = "pim.act"(%h) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"} : (tensor<2x32xf32>) -> tensor<2x32xf32> loc("r")
  %w2 = "pim.constant"() {value = dense<2.000000e-02> : tensor<1x32x10xf32>} : () -> tensor<1x32x10xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x32x10xf32>) -> tensor<1x32x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%r, %t2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 32 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x32xf32>, tensor<1x32x10xf32>, tensor<10xf32>) -> tensor<2x10xf32> loc("y")
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<2x32xf32>) -> ()
        "pim.layer"(%r) : (tensor<2x32xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<2x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 2 : i64, granularity = "crossbar", images = 2 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<2x10xf32>
}

// -----

func.func @prefetch_first(%x: tensor<2x64xf32>) -> tensor<2x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x64x32xf32>} : () -> tensor<1x64x32xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 2 : i64, columns_per_weight = 8 : i64, crossbars = 2 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x64x32xf32>) -> tensor<1x64x32xf32>
  %b1 = "pim.constant"() {value = dense<1.000000e-01> : tensor<32xf32>} : () -> tensor<32xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 32 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 64 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>) -> tensor<2x32xf32> loc("h")
  %r = "pim.act"(%h) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"} : (tensor<2x32xf32>) -> tensor<2x32xf32> loc("r")
  %w2 = "pim.constant"() {value = dense<2.000000e-02> : tensor<1x32x10xf32>} : () -> tensor<1x32x10xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x32x10xf32>) -> tensor<1x32x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%r, %t2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 32 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x32xf32>, tensor<1x32x10xf32>, tensor<10xf32>) -> tensor<2x10xf32> loc("y")
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<2x32xf32>) -> ()
        "pim.layer"(%r) : (tensor<2x32xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "prefetch", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<2x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 2 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 2 : i64, granularity = "crossbar", images = 2 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<2x10xf32>
}

// -----

func.func @prefetch_busy(%x: tensor<2x64xf32>) -> tensor<2x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x64x32xf32>} : () -> tensor<1x64x32xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 2 : i64, columns_per_weight = 8 : i64, crossbars = 2 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x64x32xf32>) -> tensor<1x64x32xf32>
  %b1 = "pim.constant"() {value = dense<1.000000e-01> : tensor<32xf32>} : () -> tensor<32xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 32 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 64 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>) -> tensor<2x32xf32> loc("h")
  %r = "pim.act"(%h) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"} : (tensor<2x32xf32>) -> tensor<2x32xf32> loc("r")
  %w2 = "pim.constant"() {value = dense<2.000000e-02> : tensor<1x32x10xf32>} : () -> tensor<1x32x10xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x32x10xf32>) -> tensor<1x32x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%r, %t2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 32 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x32xf32>, tensor<1x32x10xf32>, tensor<10xf32>) -> tensor<2x10xf32> loc("y")
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<2x32xf32>) -> ()
        "pim.layer"(%r) : (tensor<2x32xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<2x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "prefetch", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 2 : i64, granularity = "crossbar", images = 2 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<2x10xf32>
}

// -----

func.func @full_two_segments(%x: tensor<2x64xf32>) -> tensor<2x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x64x32xf32>} : () -> tensor<1x64x32xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 2 : i64, columns_per_weight = 8 : i64, crossbars = 2 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x64x32xf32>) -> tensor<1x64x32xf32>
  %b1 = "pim.constant"() {value = dense<1.000000e-01> : tensor<32xf32>} : () -> tensor<32xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 32 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 64 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>) -> tensor<2x32xf32> loc("h")
  %r = "pim.act"(%h) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"} : (tensor<2x32xf32>) -> tensor<2x32xf32> loc("r")
  %w2 = "pim.constant"() {value = dense<2.000000e-02> : tensor<1x32x10xf32>} : () -> tensor<1x32x10xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x32x10xf32>) -> tensor<1x32x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%r, %t2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 32 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x32xf32>, tensor<1x32x10xf32>, tensor<10xf32>) -> tensor<2x10xf32> loc("y")
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<2x32xf32>) -> ()
        "pim.layer"(%r) : (tensor<2x32xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<2x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 2 : i64, granularity = "crossbar", images = 2 : i64, pipeline = "full", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<2x10xf32>
}

// -----

func.func @off_chip(%x: tensor<2x64xf32>) -> tensor<2x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x64x32xf32>} : () -> tensor<1x64x32xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 2 : i64, columns_per_weight = 8 : i64, crossbars = 2 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x64x32xf32>) -> tensor<1x64x32xf32>
  %b1 = "pim.constant"() {value = dense<1.000000e-01> : tensor<32xf32>} : () -> tensor<32xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 32 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 64 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>) -> tensor<2x32xf32> loc("h")
  %r = "pim.act"(%h) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"} : (tensor<2x32xf32>) -> tensor<2x32xf32> loc("r")
  %w2 = "pim.constant"() {value = dense<2.000000e-02> : tensor<1x32x10xf32>} : () -> tensor<1x32x10xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x32x10xf32>) -> tensor<1x32x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%r, %t2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 32 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x32xf32>, tensor<1x32x10xf32>, tensor<10xf32>) -> tensor<2x10xf32> loc("y")
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<2x32xf32>) -> ()
        "pim.layer"(%r) : (tensor<2x32xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 4094 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<2x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 4096 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 2 : i64, granularity = "crossbar", images = 2 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<2x10xf32>
}
