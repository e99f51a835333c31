//! `pim-eliminate-dead-code`: removes ops whose results reach no function output, at any level.
//! IRDL ops carry no side-effect information, so MLIR's own DCE cannot do this for pimc's dialects.
//!
//! ```text
//! %a = "graph.relu"(%x) ...      // unused
//! %b = "graph.sigmoid"(%x) ...
//! return %b                       // -> %a is removed
//! ```

use super::{no_options, Ir, PassContext};
use crate::graph::dce::eliminate_dead_code;
use crate::Result;

/// The pass flag.
pub const FLAG: &str = "pim-eliminate-dead-code";

/// Runs the pass.
pub fn run(ir: Ir, options: &str, _: &PassContext) -> Result<Ir> {
    no_options(FLAG, options)?;
    Ok(match ir {
        Ir::Graph(f) => Ir::Graph(eliminate_dead_code(&f)),
        Ir::Pim(f) => Ir::Pim(eliminate_dead_code(&f)),
        Ir::Isa(_) => return Err(super::wrong_level(FLAG, &ir, "graph or pim")),
    })
}
