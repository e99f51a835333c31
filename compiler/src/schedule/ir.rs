//! The one accessor of the scheduled phase's decisions in the IR.
//!
//! The tiled phase records each crossbar layer's tiling in a `pim.tile` view of its weight
//! ([`tile_view`], checked against the target's tiling by [`tiled`]); the scheduled phase records
//! the whole schedule in the function's `pim.schedule` op. [`read`] turns both into the typed
//! [`Scheduled`] (the network, its stages mapped on the target, the [`Schedule`]) and checks that
//! the target can run it, so a hand-edited schedule cannot make a later pass, the evaluator or the
//! back end guess; [`write`] records a schedule.

use super::{Load, Pipeline, Placement, Schedule, Scheduler, StagePlan};
use crate::program::tiling::{
    column_parts, pe_link_elements, Granularity, Sharing, Tiling, PLACED_SHARING,
};
use crate::program::{Images, Network, Program, ProgramError, StageSpec};
use pim_dialects::{Func, Node, PimOp, ScheduleOp, SegmentOp, StageOp, ValueId};
use pim_runtime::target::Target;
use std::collections::BTreeMap;
use std::ops::Range;

/// A scheduled function, read: its network, its stages on the target and its schedule.
#[derive(Debug, Clone)]
pub struct Scheduled {
    /// The layers and the IR nodes they come from.
    pub network: Network,
    /// The schedule's stages, mapped on the target, with their flows.
    pub program: Program,
    /// The schedule.
    pub schedule: Schedule,
}

fn invalid(message: String) -> ProgramError {
    ProgramError::InvalidSchedule(message)
}

/// The `pim.tile` view recording the tiling of a layer with weights `shape` cut into `parts`
/// column parts.
pub fn tile_view(tiling: &Tiling, parts: u64) -> PimOp {
    let attr = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    PimOp::Tile {
        columns_per_weight: attr(tiling.columns_per_weight),
        row_tiles: attr(tiling.row_tiles),
        col_tiles: attr(tiling.col_tiles),
        groups_per_crossbar: attr(tiling.groups_per_crossbar),
        crossbars: attr(tiling.crossbars),
        parts: attr(parts),
    }
}

/// The `pim.tile` node viewing crossbar layer `mvm`'s weight, if any.
pub fn tile_of(
    func: &Func<PimOp>,
    producers: &[Option<usize>],
    mvm: &Node<PimOp>,
) -> Option<usize> {
    let weight = *mvm.operands.get(1)?;
    let index = producers.get(weight).copied().flatten()?;
    matches!(func.nodes[index].op, PimOp::Tile { .. }).then_some(index)
}

/// The network of tiled IR, checking that every crossbar layer's weight is viewed through the
/// `pim.tile` of its tiling on `target` with `granularity` (hand-edited IR cannot make the back
/// end tile differently).
pub fn tiled(
    func: &Func<PimOp>,
    target: &Target,
    granularity: Granularity,
) -> Result<Network, ProgramError> {
    let network = Network::of(func)?;
    let producers = func.producers();
    for (layer, &index) in network.layers.iter().zip(&network.nodes) {
        let Some(mvm) = layer.mvm() else { continue };
        let node = &func.nodes[index];
        let tile = tile_of(func, &producers, node).ok_or_else(|| {
            invalid(format!(
                "layer `{}`: its weight is not tiled (run pim-tile-weights)",
                node.name
            ))
        })?;
        let parts = column_parts(&layer.name, mvm.shape, target, granularity)?.len() as u64;
        let expected = tile_view(&Tiling::new(mvm.shape, target), parts);
        if func.nodes[tile].op != expected {
            return Err(invalid(format!(
                "layer `{}`: {:?} is not its tiling on this target with {} granularity, {expected:?}",
                node.name,
                func.nodes[tile].op,
                granularity.name()
            )));
        }
    }
    Ok(network)
}

/// Reads and checks the schedule of scheduled IR.
pub fn read(func: &Func<PimOp>, target: &Target) -> Result<Scheduled, ProgramError> {
    let op = func.schedule.as_ref().ok_or_else(|| {
        invalid("the function has no pim.schedule (run pim-segment-layers)".into())
    })?;
    let named = |what: &str, value: &str, known: &str| {
        invalid(format!("pim.schedule: unknown {what} `{value}` ({known})"))
    };
    let pipeline = Pipeline::named(&op.pipeline)
        .ok_or_else(|| named("pipeline", &op.pipeline, "layer, baseline, reuse or full"))?;
    let scheduler = Scheduler::named(&op.scheduler)
        .ok_or_else(|| named("scheduler", &op.scheduler, "paper or pimc"))?;
    let granularity = Granularity::named(&op.granularity)
        .ok_or_else(|| named("granularity", &op.granularity, "crossbar or tile"))?;
    let network = tiled(func, target, granularity)?;
    let (stages, segments) = stage_plans(op, &network)?;
    let specs: Vec<StageSpec> = stages.iter().map(|s| s.spec.clone()).collect();
    let program = Program::new(network.layers.clone(), &specs, target, granularity)?;
    let count = |v: i64, what: &str| {
        u64::try_from(v)
            .ok()
            .filter(|&v| v > 0)
            .ok_or_else(|| invalid(format!("pim.schedule: {what} = {v} must be positive")))
    };
    let schedule = Schedule {
        pipeline,
        scheduler,
        granularity,
        batch: count(op.batch, "batch")?,
        runs: count(op.runs, "runs")?,
        images: count(op.images, "images")?,
        stages,
        segments,
    };
    check_batch(func, &schedule)?;
    check_copies(&program, &schedule)?;
    check_fits(&program, &schedule, target)?;
    check_placement(&program, &schedule, target)?;
    Ok(Scheduled {
        network,
        program: as_placed(program, &schedule, target),
        schedule,
    })
}

/// The program of `network` with `schedule`'s stages, as mapped before placement.
pub fn scheduled_program(
    network: &Network,
    schedule: &Schedule,
    target: &Target,
) -> Result<Program, ProgramError> {
    Program::new(
        network.layers.clone(),
        &schedule.specs(),
        target,
        schedule.granularity,
    )
}

/// The program of `network` under `schedule` (placed) as the evaluator costs it: its stages,
/// their links shared as placed ([`share_links_as_placed`]).
pub fn placed_program(
    network: &Network,
    schedule: &Schedule,
    target: &Target,
) -> Result<Program, ProgramError> {
    let program = scheduled_program(network, schedule, target)?;
    Ok(as_placed(program, schedule, target))
}

/// `program` with its links shared as `schedule` places its copies ([`share_links_as_placed`]).
pub fn as_placed(mut program: Program, schedule: &Schedule, target: &Target) -> Program {
    share_links_as_placed(&mut program, schedule, target);
    program
}

/// The stages (in order) and segments of a `pim.schedule`.
fn stage_plans(
    op: &ScheduleOp,
    network: &Network,
) -> Result<(Vec<StagePlan>, Vec<Range<usize>>), ProgramError> {
    let mut stages = Vec::new();
    let mut segments = Vec::new();
    for (index, segment) in op.segments.iter().enumerate() {
        if segment.stages.is_empty() {
            return Err(invalid(format!("segment {index} has no stage")));
        }
        let start = stages.len();
        for stage in &segment.stages {
            stages.push(stage_plan(stage, network, stages.len())?);
        }
        segments.push(start..stages.len());
    }
    if segments.is_empty() && !network.layers.is_empty() {
        return Err(invalid("pim.schedule has no segment".into()));
    }
    Ok((stages, segments))
}

fn stage_plan(op: &StageOp, network: &Network, s: usize) -> Result<StagePlan, ProgramError> {
    let layers = op
        .layers
        .iter()
        .map(|&value| {
            network
                .layer_of_value
                .get(value)
                .copied()
                .flatten()
                .ok_or_else(|| {
                    invalid(format!(
                        "stage {s} names value {value}, which is not a layer"
                    ))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let non_negative = |v: i64, what: &str| {
        u64::try_from(v).map_err(|_| invalid(format!("stage {s}: {what} = {v} is negative")))
    };
    let part = non_negative(op.part, "part")?;
    let parts = non_negative(op.parts, "parts")?;
    if part >= parts {
        return Err(invalid(format!("stage {s}: part {part} of {parts}")));
    }
    let copies = non_negative(op.copies, "copies")?;
    if copies == 0 {
        return Err(invalid(format!("stage {s}: 0 copies; at least 1")));
    }
    let placement = match (op.first_crossbar, op.copy_stride) {
        (-1, -1) => None,
        (first, stride) => Some(Placement {
            first: non_negative(first, "first_crossbar")?,
            stride: non_negative(stride, "copy_stride")?,
        }),
    };
    let load = Load::named(&op.load).ok_or_else(|| {
        invalid(format!(
            "stage {s}: unknown load `{}` (segment or prefetch)",
            op.load
        ))
    })?;
    Ok(StagePlan {
        spec: StageSpec {
            layers,
            part,
            parts,
        },
        copies,
        placement,
        load,
    })
}

/// The batch must be the images the IR describes, run as the mode says.
fn check_batch(func: &Func<PimOp>, s: &Schedule) -> Result<(), ProgramError> {
    let images = Images::of(func, s.batch)?;
    if images.count != s.batch {
        return Err(invalid(format!(
            "pim.schedule: batch {} but the IR holds {} images",
            s.batch, images.count
        )));
    }
    if s.runs.saturating_mul(s.images) != s.batch {
        return Err(invalid(format!(
            "pim.schedule: {} runs of {} images are not the batch of {}",
            s.runs, s.images, s.batch
        )));
    }
    let per_image = s.pipeline.per_image();
    if (per_image && s.images != 1) || (!per_image && s.runs != 1) {
        return Err(invalid(format!(
            "pim.schedule: pipeline `{}` runs {}, not {} runs of {} images",
            s.pipeline.name(),
            if per_image {
                "once per image"
            } else {
                "once per batch"
            },
            s.runs,
            s.images
        )));
    }
    if s.pipeline == super::Pipeline::Full && s.segments.len() > 1 {
        return Err(invalid(format!(
            "pim.schedule: pipeline `full` has one segment, not {}",
            s.segments.len()
        )));
    }
    Ok(())
}

/// Copies: 1 for a stage without a crossbar layer, at most the layer's cap otherwise.
fn check_copies(program: &Program, s: &Schedule) -> Result<(), ProgramError> {
    for (stage, plan) in program.stages.iter().zip(&s.stages) {
        let cap = stage
            .mvm
            .as_ref()
            .map_or(1, |m| m.mapping.max_copies.max(1));
        if plan.copies > cap {
            return Err(invalid(format!(
                "stage `{}`: {} copies, at most {cap} ({})",
                stage.name,
                plan.copies,
                if stage.mvm.is_some() {
                    "one per input vector of an image"
                } else {
                    "it has no crossbar layer"
                }
            )));
        }
    }
    Ok(())
}

/// Every segment's stages, at their copies, fit the chip.
fn check_fits(program: &Program, s: &Schedule, target: &Target) -> Result<(), ProgramError> {
    let capacity = s.granularity.capacity(target);
    for (index, range) in s.segments.iter().enumerate() {
        let needed: u64 = range
            .clone()
            .filter_map(|i| {
                let m = program.stages[i].mvm.as_ref()?;
                Some(m.mapping.footprint(m.mapping.units(s.stages[i].copies)))
            })
            .sum();
        if needed > capacity {
            return Err(invalid(format!(
                "segment {index} needs {needed} {}, the target `{}` has {capacity}",
                s.granularity.unit(),
                target.chip.name
            )));
        }
    }
    Ok(())
}

/// The crossbars of every copy of every placed stage of `program` under `s`: (stage, range), one
/// entry per copy, in stage order.
pub fn copy_ranges(program: &Program, s: &Schedule) -> Vec<(usize, Range<u64>)> {
    let mut ranges = Vec::new();
    for (i, (stage, plan)) in program.stages.iter().zip(&s.stages).enumerate() {
        let (Some(m), Some(placement)) = (stage.mvm.as_ref(), plan.placement) else {
            continue;
        };
        let per_copy = m.mapping.tiling.crossbars;
        ranges.extend((0..plan.copies).map(|d| (i, placement.copy(d, per_copy))));
    }
    ranges
}

/// The crossbars the stages of one segment hold: disjoint ranges, by start, with their stage.
pub struct Occupancy {
    held: Vec<(Range<u64>, usize)>,
}

impl Occupancy {
    /// The crossbars of the stages of `segment` among [`copy_ranges`]; `Err((a, b))` when stages
    /// `a` and `b` share a crossbar.
    pub fn of(
        ranges: &[(usize, Range<u64>)],
        segment: &Range<usize>,
    ) -> Result<Self, (usize, usize)> {
        let mut held: Vec<(Range<u64>, usize)> = ranges
            .iter()
            .filter(|(s, r)| segment.contains(s) && r.end > r.start)
            .map(|(s, r)| (r.clone(), *s))
            .collect();
        held.sort_by_key(|(r, _)| r.start);
        if let Some(pair) = held.windows(2).find(|w| w[0].0.end > w[1].0.start) {
            return Err((pair[0].1, pair[1].1));
        }
        Ok(Self { held })
    }

    /// The stage holding any of `crossbars`, if one does.
    pub fn holder(&self, crossbars: &Range<u64>) -> Option<usize> {
        let after = self.held.partition_point(|(r, _)| r.end <= crossbars.start);
        self.held
            .get(after)
            .filter(|(r, _)| r.start < crossbars.end)
            .map(|(_, s)| *s)
    }
}

/// Placed stages lie on the chip, their copies (at least a copy's crossbars apart) and stages do
/// not overlap within a segment; a prefetched stage's crossbars are free in the previous segment.
fn check_placement(program: &Program, s: &Schedule, target: &Target) -> Result<(), ProgramError> {
    let total = target.total_crossbars();
    let name = |i: usize| &program.stages[i].name;
    for (i, (stage, plan)) in program.stages.iter().zip(&s.stages).enumerate() {
        let (Some(m), Some(p)) = (stage.mvm.as_ref(), plan.placement) else {
            continue;
        };
        let per_copy = m.mapping.tiling.crossbars;
        if plan.copies > 1 && p.stride < per_copy {
            return Err(invalid(format!(
                "stage `{}`: copy_stride {} is less than the {per_copy} crossbars of a copy",
                name(i),
                p.stride
            )));
        }
        let end = p.end(plan.copies, per_copy);
        if end > total {
            return Err(invalid(format!(
                "stage `{}` is placed on crossbars {}..{end}, the target has {total}",
                name(i),
                p.first
            )));
        }
    }
    let ranges = copy_ranges(program, s);
    let mut previous: Option<Occupancy> = None;
    for (index, segment) in s.segments.iter().enumerate() {
        let held = Occupancy::of(&ranges, segment).map_err(|(a, b)| {
            invalid(format!(
                "segment {index}: stages `{}` and `{}` share crossbars",
                name(a),
                name(b)
            ))
        })?;
        for a in segment
            .clone()
            .filter(|&a| s.stages[a].load == Load::Prefetch)
        {
            let Some(before) = &previous else {
                return Err(invalid(format!(
                    "stage `{}` is prefetched but its segment is the first",
                    name(a)
                )));
            };
            let clash = ranges
                .iter()
                .filter(|(i, _)| *i == a)
                .find_map(|(_, r)| before.holder(r));
            if let Some(p) = clash {
                return Err(invalid(format!(
                    "stage `{}` is prefetched into crossbars that `{}` of the previous segment uses",
                    name(a),
                    name(p)
                )));
            }
        }
        previous = Some(held);
    }
    Ok(())
}

/// A placed schedule is costed as the back end runs it, at either granularity: the model charges
/// the busiest PE link as the placement loads it ([`Sharing::Placed`]): per PE, the inputs and
/// outputs of the blocks of every copy placed there ([`pe_link_elements`]). That is neither the
/// spread `pim-place-crossbars` aims for (it packs the copies of a layer it cannot spread, and a
/// copy that does not start a PE shares its first and last PE with its neighbours) nor
/// NeuroSim's tile, whose one PE carries every in-tile copy's vectors (the planner's estimate at
/// the `tile` granularity).
fn share_links_as_placed(program: &mut Program, s: &Schedule, target: &Target) {
    let per_pe = target.crossbars_per_pe().max(1);
    for (stage, plan) in program.stages.iter_mut().zip(&s.stages) {
        let (Some(m), Some(placement)) = (stage.mvm.as_mut(), plan.placement) else {
            continue;
        };
        let blocks = m.mapping.tiling.blocks();
        // Per PE: the elements of its copies' blocks, and how many copies those are.
        let mut on_pe: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
        for d in 0..plan.copies {
            let first = placement.copy(d, m.mapping.tiling.crossbars).start;
            pe_link_elements(&blocks, first, per_pe, |pe, elements| {
                let (sum, copies) = on_pe.entry(pe).or_default();
                (*sum, *copies) = (*sum + elements, *copies + 1);
            });
        }
        let mut by_sharing = [0; PLACED_SHARING];
        for &(elements, copies) in on_pe.values() {
            let s = (copies.max(1) as usize).min(PLACED_SHARING) - 1;
            by_sharing[s] = by_sharing[s].max(elements);
        }
        m.mapping.sharing = Sharing::Placed(by_sharing);
    }
}

/// `func` with `schedule` recorded (replacing any schedule it had).
pub fn write(func: &Func<PimOp>, network: &Network, schedule: &Schedule) -> Func<PimOp> {
    let mut out = func.clone();
    let int = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let value = |layer: usize| -> ValueId { network.value_of(func, layer) };
    let stage = |plan: &StagePlan| StageOp {
        layers: plan.spec.layers.iter().map(|&l| value(l)).collect(),
        part: int(plan.spec.part),
        parts: int(plan.spec.parts),
        copies: int(plan.copies),
        first_crossbar: plan.placement.map_or(-1, |p| int(p.first)),
        copy_stride: plan.placement.map_or(-1, |p| int(p.stride)),
        load: plan.load.name().to_owned(),
    };
    out.schedule = Some(ScheduleOp {
        pipeline: schedule.pipeline.name().to_owned(),
        scheduler: schedule.scheduler.name().to_owned(),
        granularity: schedule.granularity.name().to_owned(),
        batch: int(schedule.batch),
        runs: int(schedule.runs),
        images: int(schedule.images),
        segments: schedule
            .segments
            .iter()
            .map(|range| SegmentOp {
                stages: schedule.stages[range.clone()].iter().map(stage).collect(),
            })
            .collect(),
    });
    out
}
