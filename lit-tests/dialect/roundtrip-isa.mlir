// A small program in the isa dialect (one op per instruction, the program's non-code parts at the
// top) parses, verifies against the generated IRDL definition and prints unchanged through MLIR.
// RUN: %mlir-opt %s | FileCheck %s
// RUN: %mlir-opt %s | %mlir-opt | FileCheck %s

// CHECK: "isa.target"() {hash = "0e29d9f697836e31", name = "compact-4x4", toml = ""}
"isa.target"() {name = "compact-4x4", hash = "0e29d9f697836e31", toml = ""} : () -> ()
// CHECK: "isa.program"() {producer = "hand-written", weights_base = 0 : i64}
"isa.program"() {producer = "hand-written", weights_base = 0 : i64} : () -> ()
// CHECK: "isa.weight"() {addr = 0 : i64, name = "fc.w0.r0.c0", value = dense<{{\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>}
"isa.weight"() {name = "fc.w0.r0.c0", addr = 0 : i64, value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>} : () -> ()
// CHECK: "isa.weight_data"() {addr = 4 : i64, value = dense<0.000000e+00> : tensor<2xf32>}
"isa.weight_data"() {addr = 4 : i64, value = dense<0.0> : tensor<2xf32>} : () -> ()
// CHECK: "isa.binding"() {addr = 2147483648 : i64, direction = "input", dtype = "f32", name = "x", shape = array<i64: 1, 2>}
"isa.binding"() {name = "x", direction = "input", shape = array<i64: 1, 2>, dtype = "f32", addr = 0x80000000 : i64} : () -> ()
"isa.binding"() {name = "y", direction = "output", shape = array<i64: 1, 2>, dtype = "f32", addr = 0x80000002 : i64} : () -> ()
// CHECK: "isa.const_floats"() {index = 0 : i64, name = "fc.bias", value = dense<[5.000000e-01, -5.000000e-01]> : tensor<2xf32>}
"isa.const_floats"() {index = 0 : i64, name = "fc.bias", value = dense<[0.5, -0.5]> : tensor<2xf32>} : () -> ()
// CHECK: "isa.const_lrn"() {alpha = 9.99999974E-5 : f32, beta = 7.500000e-01 : f32, bias = 1.000000e+00 : f32, index = 1 : i64, name = "lrn", size = 5 : i64}
"isa.const_lrn"() {index = 1 : i64, name = "lrn", size = 5 : i64, alpha = 1.0e-4 : f32, beta = 0.75 : f32, bias = 1.0 : f32} : () -> ()
// CHECK: "isa.const_window"() {c0 = 0 : i64, {{.*}} include_pad = false, index = 2 : i64,
"isa.const_window"() {index = 2 : i64, name = "pool.window", in_h = 2 : i64, in_w = 2 : i64, channels = 1 : i64, c0 = 0 : i64, cn = 1 : i64, kernel_h = 2 : i64, kernel_w = 2 : i64, stride_h = 2 : i64, stride_w = 2 : i64, dilation_h = 1 : i64, dilation_w = 1 : i64, pad_top = 0 : i64, pad_left = 0 : i64, pad_bottom = 0 : i64, pad_right = 0 : i64, row0 = 0 : i64, include_pad = false} : () -> ()

// CHECK-LABEL: func.func @main()
func.func @main() {
  // CHECK: "isa.symbol"() {id = 0 : i64, kind = "segment", name = "segment0"}
  "isa.symbol"() {id = 0 : i64, name = "segment0", kind = "segment"} : () -> ()
  // CHECK: "isa.seg_begin"() {id = 0 : i64}
  "isa.seg_begin"() {id = 0 : i64} : () -> ()
  // CHECK: "isa.wload"() {clear = true, col = 0 : i64, cols = 2 : i64, copies = 1 : i64, row = 0 : i64, rows = 2 : i64, src = "dram[0x0]", stride = 2 : i64, xbar = 0 : i64, xstride = 0 : i64}
  "isa.wload"() {xbar = 0 : i64, src = "dram[0x0]", stride = 2 : i64, row = 0 : i64, col = 0 : i64, rows = 2 : i64, cols = 2 : i64, clear = true, copies = 1 : i64, xstride = 0 : i64} : () -> ()
  "isa.symbol"() {id = 1 : i64, name = "fc", kind = "layer"} : () -> ()
  // CHECK: "isa.load"() {count = 1 : i64, dst = "global[0x0]", dstride = 0 : i64, len = 2 : i64, src = "dram[0x80000000]", sstride = 0 : i64}
  "isa.load"() {src = "dram[0x80000000]", dst = "global[0x0]", len = 2 : i64, count = 1 : i64, sstride = 0 : i64, dstride = 0 : i64} : () -> ()
  // CHECK: "isa.rset"() {reg = 1 : i64, value = 16 : i64}
  "isa.rset"() {reg = 1 : i64, value = 16 : i64} : () -> ()
  // CHECK: "isa.mvm"() {accumulate = 0 : i64, bits = 8 : i64, count = 1 : i64, dst = "global[r1+0x0]", dstride = 2 : i64, mode = "dense", pix = 0 : i64, src = "global[0x0]", sstride = 2 : i64, win = 0 : i64, xbar = 0 : i64}
  "isa.mvm"() {xbar = 0 : i64, src = "global[0x0]", dst = "global[r1+0x0]", count = 1 : i64, sstride = 2 : i64, dstride = 2 : i64, pix = 0 : i64, bits = 8 : i64, mode = "dense", win = 0 : i64, accumulate = 0 : i64} : () -> ()
  // CHECK: "isa.vop"() {a = "global[0x10]", b = "dram[0x0]", count = 1 : i64, dst = "global[0x10]", len = 2 : i64, op = "bias", param = 0 : i64}
  "isa.vop"() {op = "bias", dst = "global[0x10]", a = "global[0x10]", b = "dram[0x0]", len = 2 : i64, count = 1 : i64, param = 0 : i64} : () -> ()
  // CHECK: "isa.radd"() {reg = 1 : i64, value = -16 : i64}
  "isa.radd"() {reg = 1 : i64, value = -16 : i64} : () -> ()
  "isa.symbol_end"() {id = 1 : i64} : () -> ()
  // CHECK: "isa.store"() {count = 1 : i64, dst = "dram[0x80000002]", dstride = 0 : i64, len = 2 : i64, src = "global[0x10]", sstride = 0 : i64}
  "isa.store"() {src = "global[0x10]", dst = "dram[0x80000002]", len = 2 : i64, count = 1 : i64, sstride = 0 : i64, dstride = 0 : i64} : () -> ()
  // CHECK: "isa.seg_end"() {id = 0 : i64}
  "isa.seg_end"() {id = 0 : i64} : () -> ()
  // CHECK: "isa.barrier"() : () -> ()
  "isa.barrier"() : () -> ()
  "isa.symbol_end"() {id = 0 : i64} : () -> ()
  // CHECK: "isa.halt"() : () -> ()
  "isa.halt"() : () -> ()
  return
}
