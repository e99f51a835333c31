// IR that breaks the isa dialect's IRDL definition (generated from the ISA table) is rejected by
// mlir-opt: a missing field, a field of the wrong attribute kind, an enumeration value or a flag
// that is not one.
// RUN: %mlir-opt %s -split-input-file -verify-diagnostics

func.func @loop_without_count() {
  // expected-error @+1 {{attribute "count" is expected but not provided}}
  "isa.loop"() : () -> ()
  return
}

// -----

func.func @memory_operand_not_a_string() {
  // expected-error @+1 {{expected base attribute 'builtin.string' but got 'builtin.integer'}}
  "isa.load"() {src = 0 : i64, dst = "global[0x0]", len = 1 : i64, count = 1 : i64, sstride = 0 : i64, dstride = 0 : i64} : () -> ()
  return
}

// -----

func.func @unknown_vector_op() {
  // expected-error @+1 {{'"gelu"' does not satisfy the constraint}}
  "isa.vop"() {op = "gelu", dst = "global[0x0]", a = "global[0x0]", b = "dram[0x0]", len = 1 : i64, count = 1 : i64, param = 0 : i64} : () -> ()
  return
}

// -----

func.func @flag_not_a_boolean() {
  // expected-error @+1 {{'2 : i64' does not satisfy the constraint}}
  "isa.wload"() {xbar = 0 : i64, src = "dram[0x0]", stride = 2 : i64, row = 0 : i64, col = 0 : i64, rows = 2 : i64, cols = 2 : i64, clear = 2 : i64, copies = 1 : i64, xstride = 0 : i64} : () -> ()
  return
}

// -----

// expected-error @+1 {{attribute "hash" is expected but not provided}}
"isa.target"() {name = "compact-4x4", toml = ""} : () -> ()

// -----

// expected-error @+1 {{'"both"' does not satisfy the constraint}}
"isa.binding"() {name = "x", direction = "both", shape = array<i64: 1>, dtype = "f32", addr = 0 : i64} : () -> ()
