//! `pim-duplicate-layers` (phase `scheduled`): gives the spare crossbars of every segment to its
//! bottleneck layers by duplicating their weights (DESIGN.md §1, the paper's bubble-aware
//! duplication; `docs/cost-model.md` §4): the copies of each column part go into its
//! `pim.load_weights`. The mode decides: `full` and `layer` duplicate, `baseline` does not
//! (copies stay 1). Copies never exceed a layer's input vectors per image, so fully connected
//! layers keep one. The back end gives each copy its share of the output rows.
//!
//! ```text
//! %l = "pim.load_weights"(%t) {copies = array<i64: 1>, pipeline = "full", ...}
//! // after (a 1-crossbar conv in a segment with spare crossbars):
//! %l = "pim.load_weights"(%t) {copies = array<i64: 12>, pipeline = "full", ...}
//! ```

use super::scheduled::read;
use super::{run_on_layers, Ir, PassContext};
use crate::cost::schedule::segment_units;
use crate::cost::Granularity;
use crate::Result;
use pim_dialects::{Func, PimOp};
use pim_runtime::target::Target;

/// The pass flag.
pub const FLAG: &str = "pim-duplicate-layers";

/// Runs the pass (option `granularity=`, default the compiler's).
pub fn run(ir: Ir, options: &str, cx: &PassContext) -> Result<Ir> {
    run_on_layers(FLAG, ir, options, cx, &["granularity"], |f, o| {
        duplicate_layers(f, &cx.target, o.granularity)
    })
}

/// Sets the copies of every column part of scheduled IR by the mode's duplication rule.
pub fn duplicate_layers(
    func: &Func<PimOp>,
    target: &Target,
    granularity: Granularity,
) -> std::result::Result<Func<PimOp>, String> {
    let sched = read(func, target, granularity, 1)?;
    let mut out = func.clone();
    for range in &sched.segments {
        let units = segment_units(
            &sched.program,
            target,
            sched.pipeline,
            sched.images,
            range.clone(),
        );
        for (s, units) in range.clone().zip(units) {
            let (Some(mvm), Some((index, part))) = (&sched.program.stages[s].mvm, sched.loads[s])
            else {
                continue;
            };
            let copies = i64::try_from(mvm.mapping.copies(units)).map_err(|_| "too many copies")?;
            if let PimOp::LoadWeights { copies: c, .. } = &mut out.nodes[index].op {
                c[part] = copies;
            }
        }
    }
    Ok(out)
}
