//! `pim-prefetch-weights` (phase `scheduled`): loads a stage's weights during the previous
//! segment's drain when its crossbars are free then (partial prefetch: some stages of a segment
//! may qualify and others not). A pipelined segment drains for `stages - 1` periods after its
//! first stage has taken its last image; the weights of the next segment that land on crossbars
//! the draining segment does not use can be written meanwhile, hiding (part of) the next
//! segment's load. The `pimc` scheduler prefetches in the pipelined modes (`reuse`); the `paper`
//! scheduler never does (the paper loads each segment after the previous one).
//!
//! ```text
//! // segment 0 on crossbars 0..3000, segment 1's first stage placed on 3900..4096:
//! "pim.stage"() ({ ... }) {first_crossbar = 3900, load = "segment", ...}
//! // after:
//! "pim.stage"() ({ ... }) {first_crossbar = 3900, load = "prefetch", ...}
//! ```

use super::{run_on_layers, Ir, PassContext};
use crate::program::{Program, ProgramError};
use crate::schedule::ir::{copy_ranges, read, write, Occupancy};
use crate::schedule::{Execution, Load, Schedule, Scheduler};
use crate::Result;
use pim_dialects::{Func, PimOp};
use pim_runtime::target::Target;

/// The pass flag.
pub const FLAG: &str = "pim-prefetch-weights";

/// Runs the pass (no options).
pub fn run(ir: Ir, options: &str, cx: &PassContext) -> Result<Ir> {
    run_on_layers(FLAG, ir, options, cx, &[], |f, _| {
        prefetch_weights(f, &cx.target).map_err(|e| e.to_string())
    })
}

/// Marks the stages of placed, scheduled IR whose weights can be loaded during the previous
/// segment's drain.
pub fn prefetch_weights(
    func: &Func<PimOp>,
    target: &Target,
) -> std::result::Result<Func<PimOp>, ProgramError> {
    let scheduled = read(func, target)?;
    let schedule = prefetch(&scheduled.program, target, scheduled.schedule);
    Ok(write(func, &scheduled.network, &schedule))
}

/// `schedule` with every stage that can be prefetched marked so (the `pimc` scheduler, pipelined
/// modes, placed stages whose crossbars the previous segment does not use).
pub fn prefetch(program: &Program, _target: &Target, mut schedule: Schedule) -> Schedule {
    if schedule.scheduler != Scheduler::Pimc || schedule.execution() != Execution::Pipelined {
        return schedule;
    }
    let ranges = copy_ranges(program, &schedule);
    for (k, segment) in schedule.segments.clone().into_iter().enumerate().skip(1) {
        // Placement was checked when the IR was read: no stages share crossbars.
        let Ok(busy) = Occupancy::of(&ranges, &schedule.segments[k - 1]) else {
            continue;
        };
        for s in segment {
            let mut copies = ranges.iter().filter(|(t, _)| *t == s).peekable();
            let placed = copies.peek().is_some();
            if placed && copies.all(|(_, r)| busy.holder(r).is_none()) {
                schedule.stages[s].load = Load::Prefetch;
            }
        }
    }
    schedule
}
