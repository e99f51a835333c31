//! `pim-segment-layers` (phase `scheduled`): orders the layers into stages, splits the stages into
//! segments (weight groups) that fit the chip, and fixes the pipeline mode and the batch
//! (`DESIGN.md` §1). It writes the function's `pim.schedule` with one copy per stage and nothing
//! placed (`pim-duplicate-layers`, `pim-place-crossbars` and `pim-prefetch-weights` decide those).
//!
//! - **Stages** ([`StageSpec::group`]): in a topological order of the layers, each crossbar layer
//!   (each column part of one larger than the chip) opens a stage, and vector layers join the
//!   stage before them.
//! - **Segmentation**: the paper's greedy first fit (add stages in order while their footprint
//!   fits the chip), or the optimal contiguous segmentation by dynamic programming,
//!   `best[b] = min over a of best[a] + latency(a..b)` over segments that fit, `latency` being the
//!   evaluator's segment latency at the duplication `pim-duplicate-layers` would give it. With
//!   the optimal segmentation the **order of the layers in the DAG is searched too**: the
//!   segmentation is run on several topological orders (the function's, depth-first and
//!   breadth-first list orders) and the cheapest kept, since the order decides which activations
//!   cross a segment boundary (residual, inception and dense connections).
//! - **Mode**: the one asked for, else (`auto`) every mode that fits is planned completely
//!   (segments, duplication, placement, prefetch) and evaluated, and the cheapest kept.
//!
//! ```text
//! %y = "pim.mvm"(%x, %t, %b) {...}
//! // after, --pipeline=reuse at batch 16 (the layer in segment 1):
//! "pim.schedule"() ({
//!   ...
//!   "pim.segment"() ({
//!     "pim.stage"() ({ "pim.layer"(%y) ... ub.unreachable })
//!         {copies = 1, first_crossbar = -1, load = "segment", part = 0, parts = 1}
//!     ...
//! }) {batch = 16, granularity = "crossbar", images = 16, pipeline = "reuse", runs = 1, scheduler = "pimc"}
//! ```

use super::duplicate_layers::{duplicate, Walk};
use super::place_crossbars::place;
use super::prefetch_weights::prefetch;
use super::{run_on_layers, Ir, PassContext};
use crate::cost::model::{
    evaluate, segment_cost, stage_costs, stage_time, Detail, PipelinedSegment, SegmentPlan,
    StageCost,
};
use crate::program::layers::{Layer, LayerId, Source};
use crate::program::{Images, Network, Program, ProgramError, StageSpec};
use crate::schedule::ir::{placed_program, scheduled_program, tiled, write};
use crate::schedule::{Execution, Options, Pipeline, Schedule, Scheduler, Segmentation, StagePlan};
use crate::Result;
use pim_dialects::{Func, PimOp};
use pim_runtime::target::Target;
use std::ops::Range;

/// The pass flag.
pub const FLAG: &str = "pim-segment-layers";

/// Runs the pass (options `pipeline=`, `scheduler=`, `segmentation=`, `granularity=`, `batch=`;
/// defaults: the compiler's).
pub fn run(ir: Ir, options: &str, cx: &PassContext) -> Result<Ir> {
    run_on_layers(
        FLAG,
        ir,
        options,
        cx,
        &[
            "pipeline",
            "scheduler",
            "segmentation",
            "granularity",
            "batch",
        ],
        |f, o| segment_layers(f, &cx.target, o).map_err(|e| e.to_string()),
    )
}

/// Schedules tiled IR: the stages, segments, mode and batch, recorded in a `pim.schedule`.
pub fn segment_layers(
    func: &Func<PimOp>,
    target: &Target,
    options: &Options,
) -> std::result::Result<Func<PimOp>, ProgramError> {
    if func.schedule.is_some() {
        return Err(ProgramError::InvalidSchedule(
            "the function is already scheduled (it has a pim.schedule)".into(),
        ));
    }
    let network = tiled(func, target, options.granularity())?;
    let batch = Images::of(func, options.batch)?.count;
    let schedule = match options.pipeline {
        Some(pipeline) => plan_segments(&network, target, options, pipeline, batch)?,
        None => cheapest_mode(&network, target, options, batch)?,
    };
    Ok(write(func, &network, &schedule))
}

/// Segments as ranges of stages.
type Segments = Vec<Range<usize>>;

/// The segments of `pipeline`'s schedule: the best over the candidate stage orders.
pub fn plan_segments(
    network: &Network,
    target: &Target,
    options: &Options,
    pipeline: Pipeline,
    batch: u64,
) -> std::result::Result<Schedule, ProgramError> {
    let granularity = options.granularity();
    let (runs, images) = if pipeline.per_image() {
        (batch, 1)
    } else {
        (1, batch)
    };
    let search = options.segmentation() == Segmentation::Optimal && pipeline != Pipeline::Layer;
    let orders = if search {
        candidate_orders(&network.layers)
    } else {
        vec![(0..network.layers.len()).collect()]
    };
    // The best order's schedule, and its optimal segmentations into one or two segments fewer
    // and more.
    let mut best: Option<(f64, Schedule, Vec<Segments>)> = None;
    for order in orders {
        let specs = StageSpec::group(&network.layers, &order, target, granularity)?;
        let program = Program::new(network.layers.clone(), &specs, target, granularity)?;
        let planner = Planner::new(&program, target, options.scheduler, pipeline, images);
        let (cost, segments) = planner.segments(options.segmentation())?;
        if best.as_ref().is_none_or(|(b, _, _)| cost < *b) {
            let neighbours = if search && matches!(pipeline, Pipeline::Baseline | Pipeline::Reuse) {
                planner.neighbours(segments.len())
            } else {
                Vec::new()
            };
            let schedule = Schedule {
                pipeline,
                scheduler: options.scheduler,
                granularity,
                batch,
                runs,
                images,
                stages: specs.into_iter().map(StagePlan::new).collect(),
                segments,
            };
            best = Some((cost, schedule, neighbours));
        }
    }
    let (_, searched, neighbours) = best.ok_or_else(|| {
        ProgramError::InvalidSchedule("internal error: no stage order to schedule".into())
    })?;
    if !search {
        return Ok(searched);
    }
    // The search's estimates spread a stage's copies over the PEs, see neither bands nor the
    // DRAM channel's queue, and do not overlap a segment's load with the previous segment
    // (prefetch is decided later); placement packs copies where a segment's region is too full
    // to spread them, and the evaluator charges all of it. So the greedy segmentation and the
    // optimal ones into one or two segments fewer and more are completed and evaluated too, and the
    // cheapest kept: the result is never worse than greedy's.
    let greedy = Options {
        segmentation: Some(Segmentation::Greedy),
        ..*options
    };
    let greedy = plan_segments(network, target, &greedy, pipeline, batch)?;
    let mut candidates = vec![searched.clone()];
    let others = neighbours.into_iter().map(|segments| Schedule {
        segments,
        ..searched.clone()
    });
    for candidate in std::iter::once(greedy).chain(others) {
        if !candidates.contains(&candidate) {
            candidates.push(candidate);
        }
    }
    if candidates.len() == 1 {
        return Ok(searched);
    }
    cheapest(network, target, candidates)?.ok_or_else(|| {
        ProgramError::InvalidSchedule("internal error: no segmentation to schedule".into())
    })
}

/// Of `candidates` (segments only), the cheapest once completed and evaluated (by latency, then
/// energy), recorded as segments only; `None` when none completes (an error then is the last
/// candidate's).
fn cheapest(
    network: &Network,
    target: &Target,
    candidates: impl IntoIterator<Item = Schedule>,
) -> std::result::Result<Option<Schedule>, ProgramError> {
    let mut best: Option<((f64, f64), Schedule)> = None;
    let mut last_error = None;
    for candidate in candidates {
        let schedule = match complete(network, target, candidate) {
            Ok(schedule) => schedule,
            Err(error) => {
                last_error = Some(error);
                continue;
            }
        };
        let program = placed_program(network, &schedule, target)?;
        let cost = evaluate(&program, target, &schedule);
        let key = (cost.latency_ns, cost.energy.total());
        if best.as_ref().is_none_or(|(b, _)| key < *b) {
            // Record the segments only; the later passes decide the rest again, identically.
            let segments_only = Schedule {
                stages: schedule.specs().into_iter().map(StagePlan::new).collect(),
                ..schedule
            };
            best = Some((key, segments_only));
        }
    }
    match (best, last_error) {
        (Some((_, schedule)), _) => Ok(Some(schedule)),
        (None, Some(error)) => Err(error),
        (None, None) => Ok(None),
    }
}

/// `auto`: every mode planned completely and evaluated; the cheapest (by latency, then energy)
/// of those that fit.
fn cheapest_mode(
    network: &Network,
    target: &Target,
    options: &Options,
    batch: u64,
) -> std::result::Result<Schedule, ProgramError> {
    let mut planned = Vec::new();
    let mut last_error = None;
    for pipeline in Pipeline::ALL {
        match plan_segments(network, target, options, pipeline, batch) {
            Ok(schedule) => planned.push(schedule),
            Err(error) => last_error = Some(error),
        }
    }
    match (cheapest(network, target, planned)?, last_error) {
        (Some(schedule), _) => Ok(schedule),
        (None, Some(error)) => Err(error),
        (None, None) => Err(ProgramError::InvalidSchedule(
            "no pipeline mode applies".into(),
        )),
    }
}

/// `schedule` with copies, placement and prefetch decided as the later passes of the phase decide
/// them.
fn complete(
    network: &Network,
    target: &Target,
    schedule: Schedule,
) -> std::result::Result<Schedule, ProgramError> {
    let program = scheduled_program(network, &schedule, target)?;
    let schedule = duplicate(&program, target, schedule)?;
    let schedule = place(&program, target, schedule)?;
    Ok(prefetch(&program, target, schedule))
}

/// Segment planning over one program (one stage order).
pub struct Planner<'p> {
    program: &'p Program,
    costs: Vec<StageCost>,
    target: &'p Target,
    scheduler: Scheduler,
    pipeline: Pipeline,
    images: u64,
    /// Each stage's duplication frontier, computed when first asked for.
    frontiers: Vec<std::cell::OnceCell<Vec<(u64, f64)>>>,
}

impl<'p> Planner<'p> {
    /// A planner of `pipeline` segments of `program` with `images` images per run.
    pub fn new(
        program: &'p Program,
        target: &'p Target,
        scheduler: Scheduler,
        pipeline: Pipeline,
        images: u64,
    ) -> Self {
        Self {
            costs: stage_costs(program, target),
            frontiers: vec![std::cell::OnceCell::new(); program.stages.len()],
            program,
            target,
            scheduler,
            pipeline,
            images,
        }
    }

    /// Stage `s`'s duplication frontier ([`super::duplicate_layers::frontier`]) in stage times
    /// ([`stage_time`]: with its vector epilogue and DRAM latency), the points that still gain.
    pub fn frontier(&self, s: usize) -> &[(u64, f64)] {
        self.frontiers[s].get_or_init(|| {
            let points = super::duplicate_layers::frontier(
                &self.program.stages[s],
                self.target,
                self.capacity(),
            );
            let mut times: Vec<(u64, f64)> = Vec::with_capacity(points.len());
            for (units, mvm) in points {
                let time = stage_time(&self.costs[s], mvm);
                if times.last().is_none_or(|&(_, best)| time < best) {
                    times.push((units, time));
                }
            }
            times
        })
    }

    /// The modelled latency of the segment over `range` with each stage at point `at` of its
    /// frontier `fronts` and `written` crossbars written: the pipelined formula directly, else
    /// the full segment cost.
    pub fn latency_at(
        &self,
        range: Range<usize>,
        fronts: &[&[(u64, f64)]],
        at: &[usize],
        written: u64,
    ) -> f64 {
        if self.pipeline.execution() == Execution::Pipelined {
            let start = range.start;
            let segment =
                PipelinedSegment::new(self.program, &self.costs, self.target, range, self.images);
            let times = fronts.iter().zip(at).map(|(f, &i)| f[i].1);
            let stages = times.zip(&self.costs[start..]);
            return segment.latency(self.target, stages, written);
        }
        let copies: Vec<u64> = self.program.stages[range.clone()]
            .iter()
            .zip(fronts.iter().zip(at))
            .map(|(s, (f, &i))| s.mvm.as_ref().map_or(1, |m| m.mapping.copies(f[i].0)))
            .collect();
        self.latency_with(range, &copies)
    }

    fn capacity(&self) -> u64 {
        self.program.granularity.capacity(self.target)
    }

    /// The segments and their summed modelled latency (one run).
    fn segments(
        &self,
        segmentation: Segmentation,
    ) -> std::result::Result<(f64, Vec<Range<usize>>), ProgramError> {
        let count = self.program.stages.len();
        let ranges = match self.pipeline {
            Pipeline::Layer => (0..count).map(|s| s..s + 1).collect(),
            Pipeline::Full => {
                self.program.check_fits(self.target)?;
                std::iter::once(0..count)
                    .filter(|r| !r.is_empty())
                    .collect()
            }
            Pipeline::Baseline | Pipeline::Reuse => match segmentation {
                Segmentation::Greedy => self.greedy(),
                Segmentation::Optimal => self.optimal(),
            },
        };
        let cost = ranges.iter().map(|r| self.latency(r.clone())).sum();
        Ok((cost, ranges))
    }

    /// The modelled latency of a segment over `range` at the duplication the mode gives it.
    pub fn latency(&self, range: Range<usize>) -> f64 {
        let copies = self.copies(range.clone());
        self.latency_with(range, &copies)
    }

    /// The copies the mode's duplication rule gives the segment over `range`, its walk stopped
    /// at the first step that does not pay ([`Planner::copies_by`]).
    pub fn copies(&self, range: Range<usize>) -> Vec<u64> {
        self.copies_by(range, Walk::FirstStop)
    }

    /// The copies the mode's duplication rule gives the segment over `range`, pimc's walk
    /// stopped as `walk` says (one allocation unit each when the mode does not duplicate: under
    /// tile granularity a unit holds NeuroSim's in-tile copies).
    pub fn copies_by(&self, range: Range<usize>, walk: Walk) -> Vec<u64> {
        if self.pipeline.duplicates() {
            super::duplicate_layers::segment_copies(self, range, walk)
        } else {
            self.program.stages[range]
                .iter()
                .map(|s| s.mvm.as_ref().map_or(1, |m| m.mapping.copies(1)))
                .collect()
        }
    }

    /// The modelled latency of a segment over `range` with `copies`.
    pub fn latency_with(&self, range: Range<usize>, copies: &[u64]) -> f64 {
        let plan = SegmentPlan {
            stages: range,
            copies,
            prefetched: None,
            execution: self.pipeline.execution(),
            images: self.images,
            detail: Detail::Estimate,
            staging_tiles: None,
        };
        segment_cost(self.program, &self.costs, self.target, &plan).latency_ns
    }

    /// The program planned over.
    pub fn program(&self) -> &Program {
        self.program
    }

    /// The target planned for.
    pub fn target(&self) -> &Target {
        self.target
    }

    /// The scheduler whose rules apply.
    pub fn scheduler(&self) -> Scheduler {
        self.scheduler
    }

    /// The paper's greedy first fit: add stages in order while their footprint fits the chip.
    fn greedy(&self) -> Vec<Range<usize>> {
        let mut ranges = Vec::new();
        let mut start = 0;
        for end in 1..=self.program.stages.len() {
            if end - 1 > start && self.program.footprint(start..end) > self.capacity() {
                ranges.push(start..end - 1);
                start = end - 1;
            }
        }
        if start < self.program.stages.len() {
            ranges.push(start..self.program.stages.len());
        }
        ranges
    }

    /// The segmentations of least total modelled latency into one or two segments fewer and more
    /// than `count` (those that exist).
    fn neighbours(&self, count: usize) -> Vec<Segments> {
        [
            count.saturating_sub(2),
            count.saturating_sub(1),
            count + 1,
            count + 2,
        ]
        .into_iter()
        .filter(|&k| k >= 1 && k != count)
        .filter_map(|k| self.optimal_in(k))
        .collect()
    }

    /// The contiguous segmentation into exactly `segments` segments of least total modelled
    /// latency, if the footprints allow one (dynamic programming over the segments' ends).
    pub fn optimal_in(&self, segments: usize) -> Option<Segments> {
        let count = self.program.stages.len();
        // best[k][end]: the least latency of stages 0..end in k segments, and the last start.
        let mut best: Vec<Vec<Option<(f64, usize)>>> = vec![vec![None; count + 1]; segments + 1];
        best[0][0] = Some((0.0, 0));
        let mut lo = 0;
        for end in 1..=count {
            while lo + 1 < end && self.program.footprint(lo..end) > self.capacity() {
                lo += 1;
            }
            for start in lo..end {
                let latency = self.latency(start..end);
                for k in 1..=segments {
                    let Some((before, _)) = best[k - 1][start] else {
                        continue;
                    };
                    let total = before + latency;
                    if best[k][end].is_none_or(|(b, _)| total < b) {
                        best[k][end] = Some((total, start));
                    }
                }
            }
        }
        let mut ranges = Vec::new();
        let mut end = count;
        for k in (1..=segments).rev() {
            let (_, start) = best[k][end]?;
            ranges.push(start..end);
            end = start;
        }
        ranges.reverse();
        (end == 0).then_some(ranges)
    }

    /// The contiguous segmentation of least total modelled latency (dynamic programming; ties
    /// keep the longer last segment).
    fn optimal(&self) -> Vec<Range<usize>> {
        let count = self.program.stages.len();
        let mut best: Vec<Option<(f64, usize)>> = vec![None; count + 1];
        best[0] = Some((0.0, 0));
        let mut lo = 0;
        for end in 1..=count {
            while lo + 1 < end && self.program.footprint(lo..end) > self.capacity() {
                lo += 1;
            }
            for start in lo..end {
                let Some((before, _)) = best[start] else {
                    continue;
                };
                let total = before + self.latency(start..end);
                if best[end].is_none_or(|(b, _)| total < b) {
                    best[end] = Some((total, start));
                }
            }
        }
        let mut ranges = Vec::new();
        let mut end = count;
        while end > 0 {
            let start = best[end].map_or(end - 1, |(_, s)| s);
            ranges.push(start..end);
            end = start;
        }
        ranges.reverse();
        ranges
    }
}

/// Topological orders of the layer DAG worth segmenting: the function's, a depth-first list order
/// (finish a branch before starting the next: few activations live at once) and a breadth-first
/// one (branches interleaved), without duplicates.
pub fn candidate_orders(layers: &[Layer]) -> Vec<Vec<LayerId>> {
    let mut orders: Vec<Vec<LayerId>> = vec![(0..layers.len()).collect()];
    for depth_first in [true, false] {
        let order = list_order(layers, depth_first);
        if !orders.contains(&order) {
            orders.push(order);
        }
    }
    orders
}

/// A topological order by list scheduling: among the layers whose operands are computed, take the
/// most recently readied (depth-first) or the earliest readied (breadth-first); ties in function
/// order.
fn list_order(layers: &[Layer], depth_first: bool) -> Vec<LayerId> {
    let producers: Vec<Vec<LayerId>> = layers.iter().map(producers).collect();
    let mut waiting: Vec<usize> = producers.iter().map(Vec::len).collect();
    let mut consumers: Vec<Vec<LayerId>> = vec![Vec::new(); layers.len()];
    for (id, from) in producers.iter().enumerate() {
        for &p in from {
            consumers[p].push(id);
        }
    }
    let mut initial: Vec<LayerId> = (0..layers.len()).filter(|&i| waiting[i] == 0).collect();
    // Depth-first pops from the back: keep function order among equals by pushing the later
    // layers first.
    if depth_first {
        initial.reverse();
    }
    let mut ready: std::collections::VecDeque<LayerId> = initial.into();
    let mut order = Vec::with_capacity(layers.len());
    while let Some(id) = if depth_first {
        ready.pop_back()
    } else {
        ready.pop_front()
    } {
        order.push(id);
        let mut readied: Vec<LayerId> = Vec::new();
        for &c in &consumers[id] {
            waiting[c] -= 1;
            if waiting[c] == 0 {
                readied.push(c);
            }
        }
        if depth_first {
            readied.reverse();
        }
        ready.extend(readied);
    }
    order
}

/// The layers whose results `layer` reads, ascending, without duplicates.
fn producers(layer: &Layer) -> Vec<LayerId> {
    let mut ids: Vec<LayerId> = layer
        .inputs
        .iter()
        .filter_map(|s| match s {
            Source::Layer(p) => Some(*p),
            Source::Input { .. } => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}
