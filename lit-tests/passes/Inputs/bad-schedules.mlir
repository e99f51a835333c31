// Input of pim-lower-to-isa.mlir: hand-edited schedules the back end refuses, one per chunk.
func.func @wrong_tiling(%x: tensor<1x300xf32>) -> tensor<1x16xf32> {
  %w = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x300x16xf32>} : () -> tensor<1x300x16xf32>
  %t = "pim.tile"(%w) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 3 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 2 : i64} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %l = "pim.load_weights"(%t) {copies = array<i64: 1>, first_crossbars = array<i64: 0>, images = 1 : i64, pipeline = "full", runs = 1 : i64, segments = array<i64: 0>} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %b = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %y = "pim.mvm"(%x, %l, %b) {cols = 16 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 300 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x300xf32>, tensor<1x300x16xf32>, tensor<16xf32>) -> tensor<1x16xf32> loc("wrong_tiling")
  return %y : tensor<1x16xf32>
}

// -----

func.func @two_segments_one_part(%x: tensor<1x300xf32>) -> tensor<1x16xf32> {
  %w = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x300x16xf32>} : () -> tensor<1x300x16xf32>
  %t = "pim.tile"(%w) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 3 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 3 : i64} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %l = "pim.load_weights"(%t) {copies = array<i64: 1>, first_crossbars = array<i64: 0>, images = 1 : i64, pipeline = "full", runs = 1 : i64, segments = array<i64: 0, 0>} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %b = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %y = "pim.mvm"(%x, %l, %b) {cols = 16 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 300 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x300xf32>, tensor<1x300x16xf32>, tensor<16xf32>) -> tensor<1x16xf32> loc("two_segments_one_part")
  return %y : tensor<1x16xf32>
}

// -----

func.func @no_copies(%x: tensor<1x300xf32>) -> tensor<1x16xf32> {
  %w = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x300x16xf32>} : () -> tensor<1x300x16xf32>
  %t = "pim.tile"(%w) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 3 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 3 : i64} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %l = "pim.load_weights"(%t) {copies = array<i64: 0>, first_crossbars = array<i64: 0>, images = 1 : i64, pipeline = "full", runs = 1 : i64, segments = array<i64: 0>} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %b = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %y = "pim.mvm"(%x, %l, %b) {cols = 16 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 300 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x300xf32>, tensor<1x300x16xf32>, tensor<16xf32>) -> tensor<1x16xf32> loc("no_copies")
  return %y : tensor<1x16xf32>
}

// -----

func.func @segment_gap(%x: tensor<1x300xf32>) -> tensor<1x16xf32> {
  %w = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x300x16xf32>} : () -> tensor<1x300x16xf32>
  %t = "pim.tile"(%w) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 3 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 3 : i64} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %l = "pim.load_weights"(%t) {copies = array<i64: 1>, first_crossbars = array<i64: 0>, images = 1 : i64, pipeline = "full", runs = 1 : i64, segments = array<i64: 1>} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %b = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %y = "pim.mvm"(%x, %l, %b) {cols = 16 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 300 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x300xf32>, tensor<1x300x16xf32>, tensor<16xf32>) -> tensor<1x16xf32> loc("segment_gap")
  return %y : tensor<1x16xf32>
}

// -----

func.func @unknown_pipeline(%x: tensor<1x300xf32>) -> tensor<1x16xf32> {
  %w = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x300x16xf32>} : () -> tensor<1x300x16xf32>
  %t = "pim.tile"(%w) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 3 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 3 : i64} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %l = "pim.load_weights"(%t) {copies = array<i64: 1>, first_crossbars = array<i64: 0>, images = 1 : i64, pipeline = "fast", runs = 1 : i64, segments = array<i64: 0>} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %b = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %y = "pim.mvm"(%x, %l, %b) {cols = 16 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 300 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x300xf32>, tensor<1x300x16xf32>, tensor<16xf32>) -> tensor<1x16xf32> loc("unknown_pipeline")
  return %y : tensor<1x16xf32>
}

// -----

func.func @unplaced(%x: tensor<1x300xf32>) -> tensor<1x16xf32> {
  %w = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x300x16xf32>} : () -> tensor<1x300x16xf32>
  %t = "pim.tile"(%w) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 3 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 3 : i64} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %l = "pim.load_weights"(%t) {copies = array<i64: 1>, first_crossbars = array<i64: -1>, images = 1 : i64, pipeline = "full", runs = 1 : i64, segments = array<i64: 0>} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %b = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %y = "pim.mvm"(%x, %l, %b) {cols = 16 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 300 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x300xf32>, tensor<1x300x16xf32>, tensor<16xf32>) -> tensor<1x16xf32> loc("unplaced")
  return %y : tensor<1x16xf32>
}
