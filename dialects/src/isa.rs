//! The `isa` dialect (phase `isa`): a compiled [`Program`] as MLIR, one op per instruction, and
//! the lossless conversion both ways ([`to_module`], [`from_module`]).
//!
//! The ops are generated from the ISA table (`runtime/src/isa/table.rs`): an instruction is the op
//! `isa.<mnemonic>` (`.` -> `_`: `isa.seg_begin`) with one attribute per field, built from
//! [`Instruction::field_values`](pim_runtime::isa::Instruction::field_values): integers `i64`,
//! flags `i1`, enumerations (`MvmMode`, `VOp`) as their assembly names, memory operands as strings
//! in the assembly syntax (`"tile3[r2+0x40]"`). [`irdl_text`] renders `dialects/isa.irdl.mlir`,
//! [`readme_markdown`] the op tables of `dialects/README.md`; tests hold both files to them.
//!
//! A module holds, in this order:
//! - `isa.target` (chip name, hash, and the canonical TOML unless the target is the built-in
//!   preset of that name) and `isa.program` (producer, DRAM base of the weights);
//! - `isa.weight` per weight blob (name, DRAM address, values shaped as the blob; built as
//!   `dense_resource<__elided__>` above [`BuildOptions::elide_above`]) in blob order, then
//!   `isa.weight_data` for weights no blob names;
//! - `isa.binding` per input/output, then the constants table in index order (`isa.const_floats`,
//!   `isa.const_window`, `isa.const_lrn`, each with its `index`);
//! - `func.func @main()`: one op per instruction, with `isa.symbol {id, name, kind}` before a
//!   symbol's first instruction and `isa.symbol_end {id}` after its last (`id` = its index in
//!   the symbols section).
//!
//! ```text
//! "isa.target"() {hash = "0e29d9f697836e31", name = "compact-4x4", toml = ""} : () -> ()
//! "isa.weight"() {addr = 0 : i64, name = "fc.w0.r0.c0", value = dense<...> : tensor<4x2xf32>} : () -> ()
//! func.func @main() {
//!   "isa.symbol"() {id = 0 : i64, kind = "layer", name = "fc"} : () -> ()
//!   "isa.wload"() {clear = true, col = 0 : i64, cols = 2 : i64, copies = 1 : i64, row = 0 : i64, rows = 4 : i64, src = "dram[0x0]", stride = 2 : i64, xbar = 0 : i64, xstride = 0 : i64} : () -> ()
//!   "isa.symbol_end"() {id = 0 : i64} : () -> ()
//!   "isa.halt"() : () -> ()
//!   return
//! }
//! ```
//!
//! Print with [`print_module`](crate::func::print_module), parse with
//! [`parse_module`](crate::func::parse_module).

mod attrs;
mod build;
mod read;
mod schema;
mod text;

pub use text::{irdl_text, readme_markdown, README_BEGIN, README_END};

use crate::{BuildOptions, DialectError};
use melior::{ir::Module, Context};
use pim_runtime::container::Program;

/// Builds the `isa` module of a program and verifies it (the `isa` dialect must be loaded:
/// [`Dialects::load`](crate::Dialects::load)). The program must pass
/// [`Program::validate`]. Weight blobs and float constants with more than
/// [`BuildOptions::elide_above`] elements are built elided, and such a module cannot be read
/// back.
pub fn to_module<'c>(
    context: &'c Context,
    program: &Program,
    options: BuildOptions,
) -> Result<Module<'c>, DialectError> {
    build::to_module(context, program, options)
}

/// Reads a program back from an `isa` module (built by [`to_module`] or parsed from its text).
/// Errors name the op (instructions by their index in the code) and say what is wrong: an
/// unknown op or attribute, a field that does not fit its encoding, unbalanced symbol markers,
/// elided weights (the program cannot be rebuilt without them), an inconsistent program.
pub fn from_module(module: &Module<'_>) -> Result<Program, DialectError> {
    read::from_module(module)
}
