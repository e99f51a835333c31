// Input of pim-place-crossbars.mlir.
func.func @too_many(%x: tensor<1x300xf32>) -> tensor<1x16xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x300x16xf32>} : () -> tensor<1x300x16xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 3 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 3 : i64} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %l1 = "pim.load_weights"(%t1) {copies = array<i64: 10000>, first_crossbars = array<i64: -1>, images = 1 : i64, pipeline = "full", runs = 1 : i64, segments = array<i64: 0>} : (tensor<1x300x16xf32>) -> tensor<1x300x16xf32>
  %b1 = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %h = "pim.mvm"(%x, %l1, %b1) {cols = 16 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 300 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x300xf32>, tensor<1x300x16xf32>, tensor<16xf32>) -> tensor<1x16xf32>
  return %h : tensor<1x16xf32>
}
