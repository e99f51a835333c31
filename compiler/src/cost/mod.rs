//! pimc's evaluator: the analytic cost of a schedule on a target (`DESIGN.md` §1, §7; equations
//! and constants in `docs/cost-model.md`). It depends on the program description
//! ([`crate::program`]) and the schedule ([`crate::schedule`]) and on nothing that plans.
//!
//! - [`units`]: time and energy of every unit of work (crossbar layer, vector layer, weight load,
//!   DRAM transfer);
//! - [`model`]: stage and segment costs, a whole schedule's cost, the lower bound (a pipeline's
//!   fill row by row: `fill`; its steady state on the units its stages share: `steady`; its whole
//!   run band by band on them: `run`);
//! - [`mod@report`]: [`report()`] and the [`Report`] (JSON and text);
//! - [`mod@op_cost`]: the op-level work of graph-level ops that graph rewriting extracts with, built
//!   from the same target and tiling.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let func: pim_dialects::Func<pim_dialects::PimOp> = pim_dialects::Func::new("main");
//! // `func` is scheduled IR (phase `scheduled`: it holds a pim.schedule).
//! let target = pim_runtime::target::Target::preset("compact-4x4")?;
//! let scheduled = pimc::schedule::ir::read(&func, &target)?;
//! let report = pimc::cost::report(&scheduled, "vgg8", &target);
//! println!("{}", report.to_text());
//! # Ok(()) }
//! ```

mod fill;
pub mod model;
pub mod op_cost;
pub mod report;
mod run;
mod steady;
#[cfg(test)]
mod tests;
pub mod units;

pub use op_cost::{op_cost, OpCost, OpCostModel};
pub use report::{report, Report};

use pim_dialects::{Func, GraphOp};
use pim_runtime::target::Target;
use std::sync::OnceLock;

/// The target the cost model uses when none is given (graph rewriting's default).
pub const DEFAULT_TARGET: &str = "compact-4x4";

/// The [`DEFAULT_TARGET`] preset, parsed once.
#[allow(clippy::expect_used)] // A built-in preset, embedded at compile time and validated by the
                              // runtime's tests: failing here is a build defect, not an input error.
pub fn default_target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        Target::preset(DEFAULT_TARGET).expect("the built-in compact-4x4 preset is valid")
    })
}

/// The summed op-level work of every node of `func` (dead nodes included: run dead-code
/// elimination first to cost only what the outputs need).
pub fn graph_cost(func: &Func<GraphOp>, model: &OpCostModel) -> OpCost {
    func.nodes
        .iter()
        .map(|node| {
            let operands: Vec<&[usize]> = node
                .operands
                .iter()
                .map(|&v| func.shapes.get(v).map_or(&[][..], Vec::as_slice))
                .collect();
            let result = func.shapes.get(node.result).map_or(&[][..], Vec::as_slice);
            op_cost(&node.op, &operands, result, model)
        })
        .sum()
}
