//! `pim-place-crossbars` (phase `scheduled`): gives every column part's copies their physical
//! crossbars. Within a segment the stages take consecutive crossbar ranges from crossbar 0 in
//! layer order (copy after copy, each `crossbars` of its `pim.tile` long: the chip's crossbars
//! are numbered tile by tile, PE by PE, so consecutive ids share tiles and PEs); the next
//! segment rewrites the same crossbars. A segment that needs more crossbars than the target has
//! is an error naming it.
//!
//! ```text
//! %l1 = "pim.load_weights"(%t1) {segments = array<i64: 0>, copies = array<i64: 2>, first_crossbars = array<i64: -1>, ...}
//! %l2 = "pim.load_weights"(%t2) {segments = array<i64: 0>, copies = array<i64: 1>, first_crossbars = array<i64: -1>, ...}
//! // after (pim.tile of %t1 says crossbars = 3):
//! %l1 = ... first_crossbars = array<i64: 0> ...     // crossbars 0..6
//! %l2 = ... first_crossbars = array<i64: 6> ...
//! ```

use super::scheduled::read;
use super::{run_on_layers, Ir, PassContext};
use crate::cost::Granularity;
use crate::Result;
use pim_dialects::{Func, PimOp};
use pim_runtime::target::Target;

/// The pass flag.
pub const FLAG: &str = "pim-place-crossbars";

/// Runs the pass (option `granularity=`, default the compiler's).
pub fn run(ir: Ir, options: &str, cx: &PassContext) -> Result<Ir> {
    run_on_layers(FLAG, ir, options, cx, &["granularity"], |f, o| {
        place_crossbars(f, &cx.target, o.granularity)
    })
}

/// Sets the first crossbar of every column part of scheduled IR.
pub fn place_crossbars(
    func: &Func<PimOp>,
    target: &Target,
    granularity: Granularity,
) -> std::result::Result<Func<PimOp>, String> {
    let sched = read(func, target, granularity, 1)?;
    let mut out = func.clone();
    for (id, range) in sched.segments.iter().enumerate() {
        let mut next = 0u64;
        for s in range.clone() {
            let (Some(mvm), Some((index, part))) = (&sched.program.stages[s].mvm, sched.loads[s])
            else {
                continue;
            };
            let first = next;
            next =
                next.saturating_add(sched.copies[s].saturating_mul(mvm.mapping.tiling.crossbars));
            if let PimOp::LoadWeights {
                first_crossbars, ..
            } = &mut out.nodes[index].op
            {
                first_crossbars[part] = i64::try_from(first).map_err(|_| "too many crossbars")?;
            }
        }
        if next > target.total_crossbars() {
            return Err(format!(
                "segment {id} needs {next} crossbars, the target has {}",
                target.total_crossbars()
            ));
        }
    }
    Ok(out)
}
