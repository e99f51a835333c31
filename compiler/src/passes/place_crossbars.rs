//! `pim-place-crossbars` (phase `scheduled`): gives every stage's copies their physical
//! crossbars. Within a segment the stages take consecutive crossbar ranges in stage order (copy
//! after copy, each `crossbars` of its `pim.tile` long: the chip's crossbars are numbered tile by
//! tile, PE by PE, so consecutive ids share tiles and PEs); the next segment rewrites crossbars.
//!
//! Where the segments start depends on the scheduler: the `paper` scheduler places every segment
//! from crossbar 0; `pimc` alternates, odd segments ending at the chip's last crossbar, so that a
//! segment's stages avoid the crossbars the previous segment uses wherever the two do not fill
//! the chip together, and `pim-prefetch-weights` can load them during the previous segment.
//!
//! ```text
//! "pim.stage"() ({ "pim.layer"(%c1) ... }) {copies = 2, first_crossbar = -1, ...}   // 3 crossbars a copy
//! "pim.stage"() ({ "pim.layer"(%c2) ... }) {copies = 1, first_crossbar = -1, ...}
//! // after:
//! "pim.stage"() ({ "pim.layer"(%c1) ... }) {copies = 2, first_crossbar = 0, ...}    // crossbars 0..6
//! "pim.stage"() ({ "pim.layer"(%c2) ... }) {copies = 1, first_crossbar = 6, ...}
//! ```

use super::{run_on_layers, Ir, PassContext};
use crate::program::{Program, ProgramError};
use crate::schedule::ir::{read, write};
use crate::schedule::{Schedule, Scheduler};
use crate::Result;
use pim_dialects::{Func, PimOp};
use pim_runtime::target::Target;

/// The pass flag.
pub const FLAG: &str = "pim-place-crossbars";

/// Runs the pass (no options).
pub fn run(ir: Ir, options: &str, cx: &PassContext) -> Result<Ir> {
    run_on_layers(FLAG, ir, options, cx, &[], |f, _| {
        place_crossbars(f, &cx.target).map_err(|e| e.to_string())
    })
}

/// Sets the first crossbar of every stage of scheduled IR.
pub fn place_crossbars(
    func: &Func<PimOp>,
    target: &Target,
) -> std::result::Result<Func<PimOp>, ProgramError> {
    let scheduled = read(func, target)?;
    let schedule = place(&scheduled.program, target, scheduled.schedule)?;
    Ok(write(func, &scheduled.network, &schedule))
}

/// `schedule` with every crossbar stage placed.
pub fn place(
    program: &Program,
    target: &Target,
    mut schedule: Schedule,
) -> Result<Schedule, ProgramError> {
    let total = target.total_crossbars();
    for (id, range) in schedule.segments.clone().into_iter().enumerate() {
        let sizes: Vec<u64> = range
            .clone()
            .map(|s| {
                let crossbars = program.stages[s]
                    .mvm
                    .as_ref()
                    .map_or(0, |m| m.mapping.tiling.crossbars);
                schedule.stages[s].copies.saturating_mul(crossbars)
            })
            .collect();
        let used: u64 = sizes.iter().sum();
        if used > total {
            return Err(ProgramError::InvalidSchedule(format!(
                "segment {id} needs {used} crossbars, the target has {total}"
            )));
        }
        let from_top = schedule.scheduler == Scheduler::Pimc && id % 2 == 1;
        let mut next = if from_top { total - used } else { 0 };
        for (s, size) in range.zip(sizes) {
            let plan = &mut schedule.stages[s];
            plan.first_crossbar = (size > 0).then_some(next);
            next += size;
        }
    }
    Ok(schedule)
}
