// RUN: %pimc-opt %s --pim-tile-weights --pim-segment-layers --pim-duplicate-layers --pim-place-crossbars --pim-lower-to-isa | FileCheck %s
// RUN: %pimc-opt %s --pim-tile-weights --pim-segment-layers --pim-duplicate-layers --pim-place-crossbars --pim-lower-to-isa | %mlir-opt > /dev/null
// RUN: not %pimc-opt %s --pim-tile-weights --pim-lower-to-isa 2>&1 | FileCheck %s --check-prefix=CHECK-UNSCHEDULED
// RUN: not %pimc-opt %S/Inputs/bad-schedules.mlir --split-input-file --pim-lower-to-isa 2>&1 | FileCheck %s --check-prefix=CHECK-BAD

// Two fully connected layers with a ReLU, batch 2, on compact-4x4 (`auto` picks `full`: both fit,
// pipelined). Crossbars are written once for the batch (the first layer's 32 outputs take two
// crossbars of 16 weights). The segment is a software pipeline over its 2 + 2 - 1 = 3 steps, each
// stage's code guarded by the steps it runs in (stage 0 in steps 0..2, stage 1 in 1..3) on the
// step counter r2. The activation between the stages stays on chip, in a ring of two slots at the
// top of the global buffer (docs/backend.md §2), so the loop runs two steps per iteration (2
// iterations) with its body unrolled once per slot: in the first copy stage 0 loads image t
// through r3 (the input binding), computes the first layer, its bias and ReLU and copies the
// activation into slot 0; stage 1 copies image t - 1 out of slot 1, computes the second layer and
// stores into the output binding (r4) one image back; the second copy works on the next images
// with the slots swapped. Stage 0 runs in the first iteration only, so only r4 and the step
// counter move on (two images, two steps).
// CHECK: "isa.target"() {{{.*}}name = "compact-4x4"
// CHECK: "isa.weight"() {addr = 0 : i64, name = "h.w0.r0.c0", value = dense<0.00999999977> : tensor<64x16xf32>}
// CHECK: "isa.weight"() {addr = 1024 : i64, name = "h.w0.r0.c16", value = dense<0.00999999977> : tensor<64x16xf32>}
// CHECK: "isa.binding"() {{{.*}}direction = "input", {{.*}}name = "input0", shape = array<i64: 2, 64>}
// CHECK: "isa.binding"() {{{.*}}direction = "output", {{.*}}name = "output0", shape = array<i64: 2, 10>}
// CHECK: func.func @main()
// CHECK: "isa.seg_begin"() {id = 0 : i64}
// CHECK: "isa.wload"() {{{.*}}rows = 64 : i64, {{.*}}xbar = 0 : i64, xstride = 0 : i64}
// CHECK: "isa.wload"() {{{.*}}rows = 64 : i64, {{.*}}xbar = 1 : i64, xstride = 0 : i64}
// CHECK: "isa.wload"() {{{.*}}rows = 32 : i64, {{.*}}xbar = 2 : i64, xstride = 0 : i64}
// CHECK: "isa.loop"() {count = 2 : i64}
// CHECK-NEXT: "isa.guard"() {hi = 2 : i64, len = {{[0-9]+}} : i64, lo = 0 : i64, reg = 2 : i64}
// CHECK: "isa.load"() {{{.*}}src = "dram[r3+0x80000000]"
// CHECK-NEXT: "isa.mvm"() {{{.*}}mode = "dense"{{.*}}xbar = 0 : i64}
// CHECK: "isa.copy"() {{{.*}}dst = "global[[[SLOT0:0x[0-9a-f]+]]]"
// CHECK: "isa.guard"() {hi = 3 : i64, len = {{[0-9]+}} : i64, lo = 2 : i64, reg = 2 : i64}
// CHECK: "isa.copy"() {{{.*}}src = "global[[[SLOT1:0x[0-9a-f]+]]]"
// CHECK-NEXT: "isa.mvm"() {{{.*}}xbar = 2 : i64}
// CHECK: "isa.store"() {{{.*}}dst = "dram[r4+0x800000f6]"
// CHECK: "isa.guard"() {hi = 1 : i64, len = {{[0-9]+}} : i64, lo = 0 : i64, reg = 2 : i64}
// CHECK: "isa.load"() {{{.*}}src = "dram[r3+0x80000040]"
// CHECK: "isa.copy"() {{{.*}}dst = "global[[[SLOT1]]]"
// CHECK: "isa.guard"() {hi = 2 : i64, len = {{[0-9]+}} : i64, lo = 0 : i64, reg = 2 : i64}
// CHECK: "isa.copy"() {{{.*}}src = "global[[[SLOT0]]]"
// CHECK: "isa.store"() {{{.*}}dst = "dram[r4+0x80000100]"
// CHECK: "isa.radd"() {reg = 4 : i64, value = 20 : i64}
// CHECK-NEXT: "isa.radd"() {reg = 2 : i64, value = 2 : i64}
// CHECK-NEXT: "isa.endloop"()
// CHECK-NEXT: "isa.rset"() {reg = 4 : i64, value = 0 : i64}
// CHECK-NEXT: "isa.rset"() {reg = 2 : i64, value = 0 : i64}
// CHECK-NEXT: "isa.seg_end"() {id = 0 : i64}
// CHECK: "isa.halt"()
// Hand-edited schedules that do not describe what the back end would do are refused, naming
// the layer (Inputs/bad-schedules.mlir, one case per chunk).
// CHECK-BAD: layer `h`: Tile { columns_per_weight: 8, row_tiles: 2, {{.*}} } is not its tiling on this target with crossbar granularity, Tile { columns_per_weight: 8, row_tiles: 1,
// CHECK-BAD: stage 0: 0 copies; at least 1
// CHECK-BAD: stage `h`: 3 copies, at most 1 (one per input vector of an image)
// CHECK-BAD: pim.schedule: unknown pipeline `fast` (layer, baseline, reuse or full)
// CHECK-BAD: pim.schedule: 1 runs of 4 images are not the batch of 2
// CHECK-BAD: stage 1: layer `y` reads `r`, which no earlier stage computes (completely)
// CHECK-BAD: layer `r` is in 2 stages, it must be in 1
// CHECK-BAD: stage 0: layer `y` reads `r`, which no earlier stage computes (completely)
// CHECK-BAD: stage 0: crossbar layer `y` must be the first layer of its stage
// CHECK-BAD: stage 1 names value 0, which is not a layer
// CHECK-BAD: layer `h` has no crossbars (run pim-place-crossbars)
// CHECK-BAD: segment 0: stages `h` and `y` share crossbars
// CHECK-BAD: stage `h` is prefetched but its segment is the first
// CHECK-BAD: stage `y` is prefetched into crossbars that `h` of the previous segment uses
// CHECK-BAD: pim.schedule: pipeline `full` has one segment, not 2
// CHECK-BAD: stage `y` is placed on crossbars 4096..4097, the target has 4096
// CHECK-UNSCHEDULED: pass pim-lower-to-isa: the function has no pim.schedule (run pim-segment-layers)
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
