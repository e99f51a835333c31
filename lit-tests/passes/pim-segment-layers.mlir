// RUN: %pimc-opt %s --pim-tile-weights --pim-segment-layers=pipeline=baseline,batch=4 | FileCheck %s --check-prefix=CHECK-BASELINE
// RUN: %pimc-opt %s --pim-tile-weights --pim-segment-layers=pipeline=layer,batch=4 | FileCheck %s --check-prefix=CHECK-LAYER
// RUN: %pimc-opt %s --pim-tile-weights --pim-segment-layers=pipeline=full,batch=4 | FileCheck %s --check-prefix=CHECK-FULL
// RUN: %pimc-opt %s --pim-tile-weights --pim-segment-layers=batch=4 | %mlir-opt > /dev/null
// RUN: not %pimc-opt %s --pim-segment-layers 2>&1 | FileCheck %s --check-prefix=CHECK-UNTILED
// RUN: not %pimc-opt %s --pim-tile-weights --pim-segment-layers --pim-segment-layers 2>&1 | FileCheck %s --check-prefix=CHECK-AGAIN
// RUN: not %pimc-opt %s --pim-tile-weights --pim-segment-layers=pipeline=fast 2>&1 | FileCheck %s --check-prefix=CHECK-OPTION
// RUN: not %pimc-opt %s --pim-tile-weights --pim-segment-layers=batch=0 2>&1 | FileCheck %s --check-prefix=CHECK-BATCH
// RUN: not %pimc-opt %s --pim-tile-weights --pim-segment-layers=batch=3 2>&1 | FileCheck %s --check-prefix=CHECK-IR-BATCH

// Two crossbar layers and a ReLU between them. `baseline` puts both in one segment when they
// fit; the batch of 4 streams through it in one run. `layer` makes every crossbar layer its
// own segment and runs the schedule once per image. Every layer gets one copy, unplaced.
// The load sits between the tile and the layer.
// CHECK-BASELINE: %[[T:.*]] = "pim.tile"
// CHECK-BASELINE-NEXT: %[[L:.*]] = "pim.load_weights"(%[[T]]) {copies = array<i64: 1>, first_crossbars = array<i64: -1>, images = 4 : i64, pipeline = "baseline", runs = 1 : i64, segments = array<i64: 0>}
// CHECK-BASELINE-NEXT: "pim.mvm"(%{{.*}}, %[[L]], %{{.*}})
// CHECK-BASELINE: "pim.load_weights"({{.*}}) {copies = array<i64: 1>, first_crossbars = array<i64: -1>, images = 4 : i64, pipeline = "baseline", runs = 1 : i64, segments = array<i64: 0>}
// CHECK-LAYER: "pim.load_weights"({{.*}}) {{{.*}}images = 1 : i64, pipeline = "layer", runs = 4 : i64, segments = array<i64: 0>}
// CHECK-LAYER: "pim.load_weights"({{.*}}) {{{.*}}images = 1 : i64, pipeline = "layer", runs = 4 : i64, segments = array<i64: 1>}
// CHECK-FULL-COUNT-2: pipeline = "full", runs = 1 : i64, segments = array<i64: 0>
func.func @main(%x: tensor<4x64xf32>) -> tensor<4x10xf32> {
  %w1 = "pim.constant"() {value = dense<1.000000e-02> : tensor<1x64x32xf32>} : () -> tensor<1x64x32xf32>
  %b1 = "pim.constant"() {value = dense<0.000000e+00> : tensor<32xf32>} : () -> tensor<32xf32>
  %h = "pim.mvm"(%x, %w1, %b1) {cols = 32 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 64 : i64, strides = array<i64>, vectors = 4 : i64} : (tensor<4x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  %r = "pim.act"(%h) {alpha = 0.000000e+00 : f32, beta = 0.000000e+00 : f32, kind = "relu"} : (tensor<4x32xf32>) -> tensor<4x32xf32>
  %w2 = "pim.constant"() {value = dense<2.000000e-02> : tensor<1x32x10xf32>} : () -> tensor<1x32x10xf32>
  %b2 = "pim.constant"() {value = dense<0.000000e+00> : tensor<10xf32>} : () -> tensor<10xf32>
  %y = "pim.mvm"(%r, %w2, %b2) {cols = 10 : i64, dilations = array<i64>, group = 1 : i64, kernel = array<i64>, kind = "fc", pads = array<i64>, rows = 32 : i64, strides = array<i64>, vectors = 4 : i64} : (tensor<4x32xf32>, tensor<1x32x10xf32>, tensor<10xf32>) -> tensor<4x10xf32>
  return %y : tensor<4x10xf32>
}

// CHECK-UNTILED: pass pim-segment-layers: layer `{{.*}}`: its weight is not tiled (run pim-tile-weights)
// CHECK-AGAIN: pass pim-segment-layers: layer `{{.*}}` is already scheduled
// CHECK-OPTION: option `pipeline`: invalid variant: fast
// CHECK-BATCH: option `batch`: `0` is not a positive integer
// CHECK-IR-BATCH: batch 3 asked for, but the IR's batch (dimension 0 of its inputs) is 4
