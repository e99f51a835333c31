//! `pim-lower-to-isa` (phase `isa`): lowers scheduled, placed layer-level IR to the machine's
//! instructions on physical units (the `isa` dialect, one op per instruction of the ISA table):
//! per run and segment the weight loads into the placed crossbars, then per image and layer the
//! moves between DRAM and on-chip buffers, window-mode `mvm`s split over a layer's copies,
//! partial-sum `acc`s and vector-unit `vop`s, with buffer addresses allocated
//! ([`crate::backend`], `docs/backend.md`). The result is the whole `.pimbin` program: code,
//! weights, bindings, symbols, constants and target.
//!
//! ```text
//! %y = "pim.mvm"(%x, %t, %b) {kind = "conv", vectors = 784, ...}
//! "pim.schedule"() ({ ... "pim.stage"() ({ "pim.layer"(%y) ... }) {copies = 2, first_crossbar = 0, ...} ... })
//! // after:
//! "isa.wload"() {xbar = 0 : i64, src = "dram[0x0]", rows = 25 : i64, cols = 6 : i64, ...}
//! "isa.wload"() {xbar = 1 : i64, src = "dram[0x0]", ...}
//! "isa.load"() {src = "dram[0x80000000]", dst = "global[0x0]", len = 1024 : i64, ...}
//! "isa.mvm"() {xbar = 0 : i64, count = 392 : i64, pix = 0 : i64, mode = "window", ...}
//! "isa.mvm"() {xbar = 1 : i64, count = 392 : i64, pix = 392 : i64, mode = "window", ...}
//! ```

use super::{no_options, pass_error, wrong_level, Ir, PassContext};
use crate::Result;

/// The pass flag.
pub const FLAG: &str = "pim-lower-to-isa";

/// Runs the pass (no options: everything comes from the schedule).
pub fn run(ir: Ir, options: &str, cx: &PassContext) -> Result<Ir> {
    no_options(FLAG, options)?;
    match ir {
        Ir::Pim(f) => crate::backend::compile(&f, &cx.target)
            .map(|program| Ir::Isa(Box::new(program)))
            .map_err(|e| pass_error(FLAG, e.to_string())),
        other => Err(wrong_level(FLAG, &other, "scheduled pim")),
    }
}
