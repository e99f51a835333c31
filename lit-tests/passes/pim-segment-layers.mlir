// RUN: %pimc-opt %s --pim-tile-weights --pim-segment-layers=pipeline=baseline,batch=4 | FileCheck %s --check-prefix=CHECK-BASELINE
// RUN: %pimc-opt %s --pim-tile-weights --pim-segment-layers=pipeline=layer,batch=4 | FileCheck %s --check-prefix=CHECK-LAYER
// RUN: %pimc-opt %s --pim-tile-weights --pim-segment-layers=pipeline=reuse,batch=4 | FileCheck %s --check-prefix=CHECK-REUSE
// RUN: %pimc-opt %s --pim-tile-weights --pim-segment-layers=pipeline=full,batch=4 | FileCheck %s --check-prefix=CHECK-FULL
// RUN: %pimc-opt %s --pim-tile-weights --pim-segment-layers=pipeline=auto,batch=4 | FileCheck %s --check-prefix=CHECK-AUTO
// RUN: %pimc-opt %s --pim-tile-weights=scheduler=paper --pim-segment-layers=pipeline=reuse,scheduler=paper,batch=4 | FileCheck %s --check-prefix=CHECK-PAPER
// RUN: %pimc-opt %s --pim-tile-weights --pim-segment-layers=batch=4 | %mlir-opt > /dev/null
// RUN: not %pimc-opt %s --pim-segment-layers 2>&1 | FileCheck %s --check-prefix=CHECK-UNTILED
// RUN: not %pimc-opt %s --pim-tile-weights --pim-segment-layers --pim-segment-layers 2>&1 | FileCheck %s --check-prefix=CHECK-AGAIN
// RUN: not %pimc-opt %s --pim-tile-weights --pim-segment-layers=pipeline=fast 2>&1 | FileCheck %s --check-prefix=CHECK-OPTION
// RUN: not %pimc-opt %s --pim-tile-weights --pim-segment-layers=batch=0 2>&1 | FileCheck %s --check-prefix=CHECK-BATCH
// RUN: not %pimc-opt %s --pim-tile-weights --pim-segment-layers=batch=3 2>&1 | FileCheck %s --check-prefix=CHECK-IR-BATCH

// Two crossbar layers and a ReLU between them. The pass writes the function's pim.schedule: its
// segments in order, each with its stages (a crossbar layer and its vector epilogue, named by
// their results), every stage with one copy and no crossbar yet. `baseline`, `reuse` and `full`
// put both stages in one segment (they fit) and stream the batch of 4 through it in one run;
// `layer` makes every stage its own segment and runs the schedule once per image; `auto` picks
// the cheapest. The paper's scheduler maps whole tiles.
// CHECK-BASELINE:      %[[H:.*]] = "pim.mvm"
// CHECK-BASELINE-NEXT: %[[R:.*]] = "pim.act"(%[[H]])
// CHECK-BASELINE:      %[[Y:.*]] = "pim.mvm"
// CHECK-BASELINE:      "pim.schedule"() ({
// CHECK-BASELINE-NEXT:   "pim.segment"() ({
// CHECK-BASELINE-NEXT:     "pim.stage"() ({
// CHECK-BASELINE-NEXT:       "pim.layer"(%[[H]]) : (tensor<4x32xf32>) -> ()
// CHECK-BASELINE-NEXT:       "pim.layer"(%[[R]]) : (tensor<4x32xf32>) -> ()
// CHECK-BASELINE-NEXT:       ub.unreachable
// CHECK-BASELINE-NEXT:     }) {copies = 1 : i64, copy_stride = -1 : i64, first_crossbar = -1 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
// CHECK-BASELINE-NEXT:     "pim.stage"() ({
// CHECK-BASELINE-NEXT:       "pim.layer"(%[[Y]]) : (tensor<4x10xf32>) -> ()
// CHECK-BASELINE-NEXT:       ub.unreachable
// CHECK-BASELINE-NEXT:     }) {copies = 1 : i64, copy_stride = -1 : i64, first_crossbar = -1 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
// CHECK-BASELINE-NEXT:     ub.unreachable
// CHECK-BASELINE-NEXT:   }) : () -> ()
// CHECK-BASELINE-NEXT:   ub.unreachable
// CHECK-BASELINE-NEXT: }) {batch = 4 : i64, granularity = "crossbar", images = 4 : i64, pipeline = "baseline", runs = 1 : i64, scheduler = "pimc"} : () -> ()
// CHECK-LAYER-COUNT-2: "pim.segment"() ({
// CHECK-LAYER: {batch = 4 : i64, granularity = "crossbar", images = 1 : i64, pipeline = "layer", runs = 4 : i64, scheduler = "pimc"}
// CHECK-REUSE-COUNT-1: "pim.segment"() ({
// CHECK-REUSE: pipeline = "reuse", runs = 1 : i64
// CHECK-FULL-COUNT-1: "pim.segment"() ({
// CHECK-FULL: pipeline = "full", runs = 1 : i64
// CHECK-AUTO: pipeline = "full", runs = 1 : i64, scheduler = "pimc"
// CHECK-PAPER: granularity = "tile", images = 4 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "paper"
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
// CHECK-AGAIN: pass pim-segment-layers: the function is already scheduled (it has a pim.schedule)
// CHECK-OPTION: option `pipeline`: invalid variant: fast
// CHECK-BATCH: option `batch`: `0` is not a positive integer
// CHECK-IR-BATCH: the model's batch is fixed at 4 (dimension 0 of its inputs); --batch 3 cannot be applied
