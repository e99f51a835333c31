//! `pim-duplicate-layers` (phase `scheduled`): gives the spare crossbars of every segment to its
//! bottleneck layers by duplicating their weights (`DESIGN.md` §1, the paper's bubble-aware
//! duplication; `docs/cost-model.md` §6). The mode decides whether it duplicates (`layer`,
//! `reuse` and `full` do, `baseline` does not), the schedule's scheduler how:
//!
//! - `paper`: while spare capacity remains, one more unit (a tile copy under tile granularity)
//!   to the stage with the largest `ceil(vectors / copies)` among those whose unit fits and that
//!   can use more copies;
//! - `pimc`: driven by the modelled times: the slowest crossbar stage gets the fewest extra copies
//!   that make it faster, step by step while the spare capacity lasts. Two stops are candidates:
//!   the first step that raises the segment's estimated latency (copies cost write time and
//!   energy), and the cheapest assignment of the whole walk (copies that pay only together, when
//!   several stages are almost as slow as the slowest). Each is placed and prefetched as the
//!   later passes would and costed as placed; the cheaper is kept. The segmentation's estimates
//!   use the first stop.
//!
//! Copies never exceed a layer's input vectors per image, so fully connected layers keep one.
//! The back end gives each copy its share of the output pixels.
//!
//! ```text
//! "pim.stage"() ({ "pim.layer"(%conv1) ... }) {copies = 1, ...}
//! // after (a 1-crossbar conv in a segment with spare crossbars):
//! "pim.stage"() ({ "pim.layer"(%conv1) ... }) {copies = 12, ...}
//! ```

use super::place_crossbars::place;
use super::prefetch_weights::prefetch;
use super::segment_layers::Planner;
use super::{run_on_layers, Ir, PassContext};
use crate::cost::model::evaluate;
use crate::program::ProgramError;
use crate::program::{Program, Stage};
use crate::schedule::ir::as_placed;
use crate::schedule::ir::{read, write};
use crate::schedule::{Schedule, Scheduler};
use crate::Result;
use pim_dialects::{Func, PimOp};
use pim_runtime::target::Target;
use std::ops::Range;

/// The pass flag.
pub const FLAG: &str = "pim-duplicate-layers";

/// Runs the pass (no options: the mode and scheduler are the schedule's).
pub fn run(ir: Ir, options: &str, cx: &PassContext) -> Result<Ir> {
    run_on_layers(FLAG, ir, options, cx, &[], |f, _| {
        duplicate_layers(f, &cx.target).map_err(|e| e.to_string())
    })
}

/// Sets the copies of every stage of scheduled IR by the mode's duplication rule.
pub fn duplicate_layers(
    func: &Func<PimOp>,
    target: &Target,
) -> std::result::Result<Func<PimOp>, crate::program::ProgramError> {
    let scheduled = read(func, target)?;
    let schedule = duplicate(&scheduled.program, target, scheduled.schedule)?;
    Ok(write(func, &scheduled.network, &schedule))
}

/// `schedule` with every stage's copies set by its mode's and scheduler's rule. pimc's rule has
/// two candidates ([`Walk`]); each is placed and prefetched as the later passes would, costed as
/// placed, and the cheaper kept (by latency, then energy; ties keep the first stop).
pub fn duplicate(
    program: &Program,
    target: &Target,
    schedule: Schedule,
) -> Result<Schedule, ProgramError> {
    let planner = Planner::new(
        program,
        target,
        schedule.scheduler,
        schedule.pipeline,
        schedule.images,
    );
    let first_stop = with_copies(&planner, &schedule, Walk::FirstStop);
    let cheapest_seen = with_copies(&planner, &schedule, Walk::CheapestSeen);
    if first_stop == cheapest_seen {
        return Ok(first_stop);
    }
    let cost = |s: &Schedule| placed_cost(program, target, s);
    Ok(if cost(&cheapest_seen)? < cost(&first_stop)? {
        cheapest_seen
    } else {
        first_stop
    })
}

/// `schedule` with the copies `planner`'s rule gives every segment, pimc's walk stopped as
/// `walk` says.
pub fn with_copies(planner: &Planner<'_>, schedule: &Schedule, walk: Walk) -> Schedule {
    let mut schedule = schedule.clone();
    for range in schedule.segments.clone() {
        let copies = planner.copies_by(range.clone(), walk);
        for (plan, copies) in schedule.stages[range].iter_mut().zip(copies) {
            plan.copies = copies;
        }
    }
    schedule
}

/// The latency and energy of `schedule` (copies set) once placed and prefetched as the later
/// passes do, its links costed as placed.
pub fn placed_cost(
    program: &Program,
    target: &Target,
    schedule: &Schedule,
) -> Result<(f64, f64), ProgramError> {
    let placed = prefetch(program, target, place(program, target, schedule.clone())?);
    let cost = evaluate(
        &as_placed(program.clone(), &placed, target),
        target,
        &placed,
    );
    Ok((cost.latency_ns, cost.energy.total()))
}

/// Where pimc's duplication stops walking the stages' frontiers. The estimate spreads every
/// stage's copies over all the PEs; where the segment is too full for that, placement puts
/// several copies on a PE, so the walk's end can lose to its first stop once placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// At the first step that raises the segment's estimated latency.
    FirstStop,
    /// At the end (the spare capacity or a frontier exhausted), keeping the cheapest assignment
    /// seen: copies that pay only together (several stages almost as slow as the slowest)
    /// are reached past a step that does not pay alone.
    CheapestSeen,
}

/// The copies of the stages of the segment over `range` under the planner's scheduler (`walk`:
/// where pimc's rule stops).
pub fn segment_copies(planner: &Planner<'_>, range: Range<usize>, walk: Walk) -> Vec<u64> {
    let program = planner.program();
    let units = match planner.scheduler() {
        Scheduler::Paper => paper_units(planner, range.clone()),
        Scheduler::Pimc => time_units(planner, range.clone(), walk),
    };
    program.stages[range]
        .iter()
        .zip(units)
        .map(|(stage, units)| stage.mvm.as_ref().map_or(1, |m| m.mapping.copies(units)))
        .collect()
}

/// Spare allocation units of the segment over `range` at one unit per stage.
fn spare(planner: &Planner<'_>, range: Range<usize>) -> u64 {
    let capacity = planner.program().granularity.capacity(planner.target());
    capacity.saturating_sub(planner.program().footprint(range))
}

/// The paper's bubble mitigation: while spare capacity remains, one more unit for the stage with
/// the largest `ceil(vectors / copies)` among those whose unit fits and that can use more copies.
fn paper_units(planner: &Planner<'_>, range: Range<usize>) -> Vec<u64> {
    let stages = &planner.program().stages[range.clone()];
    let mut units = vec![1u64; stages.len()];
    let mut spare = spare(planner, range);
    loop {
        let pick = stages
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((i, s.mvm.as_ref()?)))
            .filter(|(i, m)| units[*i] < m.mapping.max_units() && m.mapping.unit_footprint <= spare)
            .map(|(i, m)| (m.vectors.div_ceil(m.mapping.copies(units[i])), i))
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let Some((_, i)) = pick else {
            return units;
        };
        units[i] += 1;
        spare -= stages[i].unit_footprint();
    }
}

/// The allocation units worth giving a stage and its crossbar time with each (its duplication
/// frontier): the unit counts from 1 at which its time drops below that of every smaller count, up
/// to its cap and `capacity` units. A stage without a crossbar layer has the one point (1, 0).
pub fn frontier(stage: &Stage, target: &Target, capacity: u64) -> Vec<(u64, f64)> {
    let Some(m) = &stage.mvm else {
        return vec![(1, 0.0)];
    };
    let last = m
        .mapping
        .max_units()
        .min(capacity / m.mapping.unit_footprint.max(1))
        .max(1);
    let mut points: Vec<(u64, f64)> = Vec::new();
    for units in 1..=last {
        let time = crate::cost::model::mvm_ns(target, stage, m.mapping.copies(units));
        if points.last().is_none_or(|&(_, best)| time < best) {
            points.push((units, time));
        }
    }
    points
}

/// pimc's duplication: every stage that is the slowest (ties included) moves to the next point of
/// its frontier (the fewest extra units that make it faster), all together, while the spare
/// capacity lasts, stopping as `walk` says.
fn time_units(planner: &Planner<'_>, range: Range<usize>, walk: Walk) -> Vec<u64> {
    let program = planner.program();
    let stages = &program.stages[range.clone()];
    let fronts: Vec<&[(u64, f64)]> = range.clone().map(|s| planner.frontier(s)).collect();
    let crossbars = |i: usize, units: u64| {
        stages[i]
            .mvm
            .as_ref()
            .map_or(0, |m| m.mapping.copies(units) * m.mapping.tiling.crossbars)
    };
    let footprint = |i: usize| stages[i].unit_footprint();
    let mut at = vec![0usize; stages.len()];
    let mut written: u64 = (0..stages.len()).map(|i| crossbars(i, 1)).sum();
    let mut spare = spare(planner, range.clone());
    let latency =
        |at: &[usize], written: u64| planner.latency_at(range.clone(), &fronts, at, written);
    let mut current = latency(&at, written);
    let mut best = (current, at.clone());
    loop {
        let slowest = (0..stages.len())
            .map(|i| fronts[i][at[i]].1)
            .fold(0.0, f64::max);
        let mut next = at.clone();
        let (mut used, mut more) = (0u64, 0u64);
        for i in (0..stages.len()).filter(|&i| fronts[i][at[i]].1 >= slowest * (1.0 - 1e-12)) {
            let Some(&(units, _)) = fronts[i].get(at[i] + 1) else {
                return unit_counts(&fronts, &best.1);
            };
            let now = fronts[i][at[i]].0;
            used += (units - now) * footprint(i);
            more += crossbars(i, units) - crossbars(i, now);
            next[i] += 1;
        }
        if used > spare || slowest <= 0.0 {
            break;
        }
        let now = latency(&next, written + more);
        if walk == Walk::FirstStop && now > current {
            break;
        }
        (current, at, written) = (now, next, written + more);
        spare -= used;
        if current <= best.0 {
            best = (current, at.clone());
        }
    }
    unit_counts(&fronts, &best.1)
}

/// The units at frontier positions `at`.
fn unit_counts(fronts: &[&[(u64, f64)]], at: &[usize]) -> Vec<u64> {
    fronts.iter().zip(at).map(|(f, &i)| f[i].0).collect()
}
