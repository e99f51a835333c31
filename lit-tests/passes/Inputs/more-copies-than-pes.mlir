// Input of pim-place-crossbars.mlir: a 3x3 conv of one crossbar with 10000 output pixels per
// image, scheduled by hand with 300 copies: more than compact-4x4's 256 PEs.
func.func @two_per_pe(%x: tensor<1x3x100x100xf32>) -> tensor<1x16x100x100xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x27x16xf32>} : () -> tensor<1x27x16xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x27x16xf32>) -> tensor<1x27x16xf32>
  %b1 = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 16 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, kind = "conv", pads = array<i64: 1, 1, 1, 1>, rows = 27 : i64, strides = array<i64: 1, 1>, vectors = 10000 : i64} : (tensor<1x3x100x100xf32>, tensor<1x27x16xf32>, tensor<16xf32>) -> tensor<1x16x100x100xf32>
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<1x16x100x100xf32>) -> ()
        ub.unreachable
      }) {copies = 300 : i64, copy_stride = -1 : i64, first_crossbar = -1 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 1 : i64, granularity = "crossbar", images = 1 : i64, pipeline = "full", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %h : tensor<1x16x100x100xf32>
}
