// Input of pim-place-crossbars.mlir: a 3x3 conv of one crossbar with 256 copies, one per PE of
// compact-4x4, and a fully connected layer of 32 crossbars (one copy) in the same segment.
func.func @runs_first(%x: tensor<1x3x100x100xf32>, %z: tensor<1x4096xf32>) -> (tensor<1x16x100x100xf32>, tensor<1x16xf32>) {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x27x16xf32>} : () -> tensor<1x27x16xf32>
  %t1 = "pim.tile"(%w1) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 1 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 1 : i64} : (tensor<1x27x16xf32>) -> tensor<1x27x16xf32>
  %b1 = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %h = "pim.mvm"(%x, %t1, %b1) {cols = 16 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, kind = "conv", pads = array<i64: 1, 1, 1, 1>, rows = 27 : i64, strides = array<i64: 1, 1>, vectors = 10000 : i64} : (tensor<1x3x100x100xf32>, tensor<1x27x16xf32>, tensor<16xf32>) -> tensor<1x16x100x100xf32>
  %w2 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x4096x16xf32>} : () -> tensor<1x4096x16xf32>
  %t2 = "pim.tile"(%w2) {col_tiles = 1 : i64, columns_per_weight = 8 : i64, crossbars = 32 : i64, groups_per_crossbar = 1 : i64, parts = 1 : i64, row_tiles = 32 : i64} : (tensor<1x4096x16xf32>) -> tensor<1x4096x16xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<16xf32>} : () -> tensor<16xf32>
  %g = "pim.mvm"(%z, %t2, %b2) {cols = 16 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 4096 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x4096xf32>, tensor<1x4096x16xf32>, tensor<16xf32>) -> tensor<1x16xf32>
  "pim.schedule"() ({
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%h) : (tensor<1x16x100x100xf32>) -> ()
        ub.unreachable
      }) {copies = 256 : i64, copy_stride = -1 : i64, first_crossbar = -1 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%g) : (tensor<1x16xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = -1 : i64, first_crossbar = -1 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 1 : i64, granularity = "crossbar", images = 1 : i64, pipeline = "full", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %h, %g : tensor<1x16x100x100xf32>, tensor<1x16xf32>
}
