// RUN: %pimc-opt %s --pim-tile-weights --pim-segment-layers --pim-duplicate-layers --pim-place-crossbars --pim-lower-to-isa | FileCheck %s
// RUN: %pimc-opt %s --pim-tile-weights --pim-segment-layers --pim-duplicate-layers --pim-place-crossbars --pim-lower-to-isa | %mlir-opt > /dev/null
// RUN: not %pimc-opt %s --pim-tile-weights --pim-lower-to-isa 2>&1 | FileCheck %s --check-prefix=CHECK-UNSCHEDULED
// RUN: not %pimc-opt %S/Inputs/bad-schedules.mlir --split-input-file --pim-lower-to-isa 2>&1 | FileCheck %s --check-prefix=CHECK-BAD

// Two fully connected layers with a ReLU, batch 2, on compact-4x4 (mode full: both fit).
// Crossbars are written once for the batch (the first layer's 32 outputs take two crossbars
// of 16 weights); each image loads its input vector into the global buffer, multiplies it on
// the crossbars, adds the bias and applies the ReLU on the vector unit, and stores the result;
// the output lands in its binding.
// CHECK: "isa.target"() {{{.*}}name = "compact-4x4"
// CHECK: "isa.weight"() {addr = 0 : i64, name = "h.w0.r0.c0", value = dense<0.00999999977> : tensor<64x16xf32>}
// CHECK: "isa.weight"() {addr = 1024 : i64, name = "h.w0.r0.c16", value = dense<0.00999999977> : tensor<64x16xf32>}
// CHECK: "isa.binding"() {{{.*}}direction = "input", {{.*}}name = "input0", shape = array<i64: 2, 64>}
// CHECK: "isa.binding"() {{{.*}}direction = "output", {{.*}}name = "output0", shape = array<i64: 2, 10>}
// CHECK: func.func @main()
// CHECK: "isa.seg_begin"() {id = 0 : i64}
// CHECK: "isa.wload"() {{{.*}}rows = 64 : i64, {{.*}}xbar = 0 : i64}
// CHECK: "isa.wload"() {{{.*}}rows = 64 : i64, {{.*}}xbar = 1 : i64}
// CHECK: "isa.wload"() {{{.*}}rows = 32 : i64, {{.*}}xbar = 2 : i64}
// The code of one image runs in a loop over the batch: the input and output bindings are
// addressed through r2 and r3, moved one image on per iteration; the scratch is shared and
// absolute, since each image passes the whole segment before the next.
// CHECK: "isa.loop"() {count = 2 : i64}
// CHECK-NEXT: "isa.symbol"
// CHECK-NEXT: "isa.load"() {{{.*}}src = "dram[r2+0x80000000]"
// CHECK-NEXT: "isa.mvm"() {{{.*}}mode = "dense"{{.*}}xbar = 0 : i64}
// CHECK: "isa.store"() {{{.*}}dst = "dram[0x80000200]"
// CHECK: "isa.store"() {{{.*}}dst = "dram[r3+0x80000100]"
// CHECK: "isa.radd"() {reg = 2 : i64, value = 64 : i64}
// CHECK-NEXT: "isa.radd"() {reg = 3 : i64, value = 10 : i64}
// CHECK-NEXT: "isa.endloop"()
// CHECK-NEXT: "isa.rset"() {reg = 2 : i64, value = 0 : i64}
// CHECK-NEXT: "isa.rset"() {reg = 3 : i64, value = 0 : i64}
// CHECK-NEXT: "isa.seg_end"() {id = 0 : i64}
// CHECK: "isa.halt"()
// Hand-edited schedules that do not describe what the back end would do are refused, naming
// the layer (Inputs/bad-schedules.mlir, one case per chunk).
// CHECK-BAD: layer `wrong_tiling`: Tile { columns_per_weight: 8, row_tiles: 2, {{.*}} } is not its tiling on this target with crossbar granularity, Tile { columns_per_weight: 8, row_tiles: 3,
// CHECK-BAD: layer `two_segments_one_part`: pim.load_weights has 2 segments for 1 column parts
// CHECK-BAD: layer `no_copies`: 0 copies; at least 1
// CHECK-BAD: stage 0 is in segment 1, not 0: segments must be numbered 0, 1, ... in layer order
// CHECK-BAD: unknown pipeline `fast` (layer, baseline or full)
// CHECK-BAD: layer `unplaced` has no crossbars (run pim-place-crossbars)
// CHECK-UNSCHEDULED: pass pim-lower-to-isa: {{.*}}its weight is not loaded by a pim.load_weights (run pim-segment-layers)
func.func @main(%x: tensor<2x64xf32>) -> tensor<2x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x64x32xf32>} : () -> tensor<1x64x32xf32>
  %b1 = "pim.constant"() {value = dense<1.000000e-01> : tensor<32xf32>} : () -> tensor<32xf32>
  %h = "pim.mvm"(%x, %w1, %b1) {cols = 32 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 64 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>) -> tensor<2x32xf32> loc("h")
  %r = "pim.act"(%h) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"} : (tensor<2x32xf32>) -> tensor<2x32xf32>
  %w2 = "pim.constant"() {value = dense<2.000000e-02> : tensor<1x32x10xf32>} : () -> tensor<1x32x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%r, %w2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 32 : i64, strides = array<i64>, vectors = 2 : i64} : (tensor<2x32xf32>, tensor<1x32x10xf32>, tensor<10xf32>) -> tensor<2x10xf32>
  return %y : tensor<2x10xf32>
}
