// RUN: %pimc-opt --split-input-file %s --pim-place-crossbars | FileCheck %s
// RUN: %pimc-opt --split-input-file %s --pim-place-crossbars | %mlir-opt --split-input-file > /dev/null
// RUN: %pimc %models/nets/lenet.onnx --pipeline=full --batch=16 --compile-to=scheduled | FileCheck %s --check-prefix=CHECK-SPREAD
// RUN: %pimc-opt %S/Inputs/more-copies-than-pes.mlir --pim-place-crossbars | FileCheck %s --check-prefix=CHECK-TWO
// RUN: %pimc-opt %S/Inputs/runs-first.mlir --pim-place-crossbars | FileCheck %s --check-prefix=CHECK-RUNS
// RUN: not %pimc-opt %S/Inputs/too-many-copies.mlir --pim-place-crossbars 2>&1 | FileCheck %s --check-prefix=CHECK-BIG

// A hand-written schedule (as pim-duplicate-layers leaves it). The paper's scheduler places every
// segment from crossbar 0: in segment 0 a layer of 3 crossbars takes crossbars 0..2, the next
// layer starts at 3; segment 1 starts again at 0. The pimc scheduler places odd
// segments at the top of the chip instead, so that pim-prefetch-weights can load them while
// segment 0 drains.
// CHECK-LABEL: func.func @segments
// CHECK: }) {copies = 1 : i64, copy_stride = 3 : i64, first_crossbar = 0 : i64,
// CHECK: }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 3 : i64,
// CHECK: }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 0 : i64,
// CHECK-LABEL: func.func @pimc
// CHECK: }) {copies = 1 : i64, copy_stride = 3 : i64, first_crossbar = 0 : i64,
// CHECK: }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 3 : i64,
// CHECK: }) {copies = 1 : i64, copy_stride = 1 : i64, first_crossbar = 4095 : i64,
func.func @segments(%x: tensor<1x300xf32>) -> tensor<1x10xf32> {
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
      }) {copies = 1 : i64, copy_stride = -1 : i64, first_crossbar = -1 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%g) : (tensor<1x16xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = -1 : i64, first_crossbar = -1 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<1x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = -1 : i64, first_crossbar = -1 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 1 : i64, granularity = "crossbar", images = 1 : i64, pipeline = "baseline", runs = 1 : i64, scheduler = "paper"} : () -> ()
  return %y : tensor<1x10xf32>
}

// -----

func.func @pimc(%x: tensor<1x300xf32>) -> tensor<1x10xf32> {
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
      }) {copies = 1 : i64, copy_stride = -1 : i64, first_crossbar = -1 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      "pim.stage"() ({
        "pim.layer"(%g) : (tensor<1x16xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = -1 : i64, first_crossbar = -1 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    "pim.segment"() ({
      "pim.stage"() ({
        "pim.layer"(%y) : (tensor<1x10xf32>) -> ()
        ub.unreachable
      }) {copies = 1 : i64, copy_stride = -1 : i64, first_crossbar = -1 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
      ub.unreachable
    }) : () -> ()
    ub.unreachable
  }) {batch = 1 : i64, granularity = "crossbar", images = 1 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "pimc"} : () -> ()
  return %y : tensor<1x10xf32>
}

// Under the crossbar granularity the copies of a duplicated layer go one per PE (16 crossbars
// on compact-4x4), at the lowest free offset within the PEs, the largest copies first: LeNet's
// conv2 (2 crossbars a copy, 50 copies at batch 16) at offset 0 of PEs 0..49; conv1 (1
// crossbar) has 262 copies, more than the PEs, so two per PE (8 crossbars apart) from PE 50
// (crossbar 800); the undivided fully connected layers in the first free runs.
// CHECK-SPREAD: "pim.layer"(%4)
// CHECK-SPREAD: copies = 262 : i64, copy_stride = 8 : i64, first_crossbar = 800 : i64
// CHECK-SPREAD: "pim.layer"(%10)
// CHECK-SPREAD: copies = 50 : i64, copy_stride = 16 : i64, first_crossbar = 0 : i64

// A layer with more copies than PEs goes k copies per PE, the least k that fits: 300 copies of
// one crossbar on 256 PEs two per PE, half a PE (8 crossbars) apart, so no PE link carries more
// than two copies' vectors (it used to be packed, 16 copies behind one link).
// CHECK-TWO: copies = 300 : i64, copy_stride = 8 : i64, first_crossbar = 0 : i64

// Where the duplicated layers, spread first, leave no free run for a layer that needs one, the
// runs go first and the copies spread over the PEs left: 256 one-crossbar copies take offset 0
// of every PE, so the 32-crossbar layer of Inputs/runs-first.mlir finds no run after them; it
// takes crossbars 0..31 (PEs 0 and 1), and the copies go two per PE from PE 2. The segment
// used to be packed, 16 copies behind each of 16 PE links.
// CHECK-RUNS: copies = 256 : i64, copy_stride = 8 : i64, first_crossbar = 32 : i64
// CHECK-RUNS: copies = 1 : i64, copy_stride = 32 : i64, first_crossbar = 0 : i64

// A hand-edited schedule asking for more copies than the chip holds is refused
// (Inputs/too-many-copies.mlir asks for 10000 copies of a 3-crossbar layer).
// CHECK-BIG: pass pim-place-crossbars: segment 0 needs 30000 crossbars, the target `compact-4x4` has 4096
