// RUN: %pimc-opt %s --pim-tile-weights --pim-segment-layers=pipeline=full --pim-duplicate-layers | FileCheck %s --check-prefix=CHECK-FULL
// RUN: %pimc-opt %s --pim-tile-weights --pim-segment-layers=pipeline=reuse --pim-duplicate-layers | FileCheck %s --check-prefix=CHECK-FULL
// RUN: %pimc-opt %s --pim-tile-weights --pim-segment-layers=pipeline=baseline --pim-duplicate-layers | FileCheck %s --check-prefix=CHECK-BASELINE
// RUN: %pimc-opt %s --pim-tile-weights=scheduler=paper --pim-segment-layers=pipeline=reuse,scheduler=paper --pim-duplicate-layers | FileCheck %s --check-prefix=CHECK-PAPER
// RUN: %pimc-opt %s --pim-tile-weights --pim-segment-layers=pipeline=full --pim-duplicate-layers | %mlir-opt > /dev/null
// RUN: not %pimc-opt %s --pim-tile-weights --pim-duplicate-layers 2>&1 | FileCheck %s --check-prefix=CHECK-UNSCHEDULED
// RUN: not %pimc-opt %s --pim-tile-weights --pim-segment-layers --pim-duplicate-layers=copies=3 2>&1 | FileCheck %s --check-prefix=CHECK-OPTION

// A conv with 64 output pixels (input vectors) per image then a fully connected layer. In the
// pipelined modes (`full`, `reuse`) pimc's duplication gives the bottleneck conv spare crossbars
// (at most one copy per input vector, here 32: past that its stage is no longer the segment's
// slowest, docs/cost-model.md §6); the fc layer has one vector per image and keeps one copy.
// `baseline` never duplicates. The paper's scheduler gives the conv's tile copies until the tiles
// run out (each tile copy holds NeuroSim's 32 in-tile copies; the cap is the 64 vectors).
// CHECK-FULL:      "pim.layer"(%{{.*}}) : (tensor<1x4x8x8xf32>)
// CHECK-FULL-NEXT: ub.unreachable
// CHECK-FULL-NEXT: }) {copies = 32 : i64,
// CHECK-FULL:      "pim.layer"(%{{.*}}) : (tensor<1x10xf32>)
// CHECK-FULL-NEXT: ub.unreachable
// CHECK-FULL-NEXT: }) {copies = 1 : i64,
// CHECK-BASELINE-COUNT-2: }) {copies = 1 : i64,
// CHECK-PAPER: }) {copies = 64 : i64,
// CHECK-PAPER: }) {copies = 1 : i64,
func.func @main(%x: tensor<1x2x8x8xf32>) -> tensor<1x10xf32> {
  %w = "pim.constant"() {value = dense<5.000000e-01> : tensor<1x18x4xf32>} : () -> tensor<1x18x4xf32>
  %b = "pim.constant"() {value = dense<0.000000e+00> : tensor<4xf32>} : () -> tensor<4xf32>
  %c = "pim.mvm"(%x, %w, %b) {cols = 4 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, kind = "conv", pads = array<i64: 1, 1, 1, 1>, rows = 18 : i64, strides = array<i64: 1, 1>, vectors = 64 : i64} : (tensor<1x2x8x8xf32>, tensor<1x18x4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %f = "pim.reshape"(%c) {shape = array<i64: 1, 256>} : (tensor<1x4x8x8xf32>) -> tensor<1x256xf32>
  %w2 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x256x10xf32>} : () -> tensor<1x256x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%f, %w2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 256 : i64, strides = array<i64>, vectors = 1 : i64} : (tensor<1x256xf32>, tensor<1x256x10xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  return %y : tensor<1x10xf32>
}

// CHECK-UNSCHEDULED: pass pim-duplicate-layers: the function has no pim.schedule (run pim-segment-layers)
// CHECK-OPTION: pass pim-duplicate-layers: unknown option `copies`; it takes none
